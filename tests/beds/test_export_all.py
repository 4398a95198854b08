"""export_all → wipe → import_all reproduces what the API answers, histories included."""

import json

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts.models import ApiToken, User
from accounts.services import token_create
from beds.models import CapacityReport, Hospital, Source, Unit
from regions.models import Region, ThresholdChange
from regions.services import region_thresholds_update
from tests.beds.exports_helpers import seed_lyon
from tests.factories import HospitalFactory, UserFactory, report
from tests.helpers import token_client

# The one data path: make test runs these on PostgreSQL too when it answers.
pytestmark = pytest.mark.databases


def wipe() -> None:
    """An empty installation: what `migrate` leaves (régions and départements, default
    thresholds), nothing else. Reports are append-only, hence the raw delete."""
    ApiToken.objects.all().delete()
    User.objects.all().delete()
    CapacityReport.objects.all()._raw_delete(CapacityReport.objects.db)
    ThresholdChange.objects.all()._raw_delete(ThresholdChange.objects.db)
    Unit.objects.all().delete()
    Hospital.objects.all().delete()
    Region.objects.update(tension_occupancy_pct=90, tension_available_max=1)


def history() -> list[dict]:
    """Every report as stored, its reporter by username (account ids are not kept)."""
    rows = CapacityReport.objects.order_by("pk").values()
    names = dict(User.objects.values_list("pk", "username"))
    return [{**r, "reported_by_id": names.get(r["reported_by_id"])} for r in rows]


def api_state(client) -> dict:  # noqa: ANN001
    """Everything the API says about every unit: its detail and its whole history."""
    state = {}
    for unit_id in sorted(Unit.objects.values_list("pk", flat=True)):
        detail = client.get(f"/api/v1/units/{unit_id}/")
        history = client.get(f"/api/v1/units/{unit_id}/reports/", {"page_size": 1000})
        assert detail.status_code == history.status_code == 200
        state[unit_id] = {"detail": detail.json(), "history": history.json()}
    state["hospitals"] = client.get("/api/v1/hospitals/", {"page_size": 1000}).json()
    state["summary_84"] = client.get("/api/v1/regions/84/summary/").json()
    state["summary_84"].pop("generated_at")
    state["threshold_changes_84"] = client.get("/api/v1/regions/84/threshold-changes/").json()
    return state


@pytest.fixture
def world(hospital_lyon, unit_paris, alice, bob, carol, dave, erin, region_ara):  # noqa: ANN001, ANN201
    units = seed_lyon(hospital_lyon, alice)
    report(
        units["rea"],
        carol,
        source=Source.API,
        note="Coordinatrice : « plan blanc »",
        available=0,
        occupied=9,
        reserved=1,
    )
    report(unit_paris, bob, available=1, occupied=9)
    region_thresholds_update(
        region=region_ara, user=carol, tension_occupancy_pct=75, tension_available_max=3
    )
    units["dave_key"] = token_create(user=dave)  # shown once: kept for the test
    machine = UserFactory(username="hl7-gateway", role="staff", hospitals=[hospital_lyon])
    machine.set_unusable_password()
    machine.save()
    return units


@pytest.mark.django_db
def test_export_then_import_into_an_empty_database_answers_the_same(world, erin, tmp_path):
    before = api_state(token_client(erin))
    histories = history()
    path = tmp_path / "bedwatch.json"
    call_command("export_all", str(path), "--include-credentials", stdout=open("/dev/null", "w"))  # noqa: SIM115

    wipe()
    assert not Unit.objects.exists()
    call_command("import_all", str(path), stdout=open("/dev/null", "w"))  # noqa: SIM115

    erin = User.objects.get(username="erin")
    assert api_state(token_client(erin)) == before
    assert history() == histories
    carol = User.objects.get(username="carol")
    assert list(carol.regions.values_list("code", flat=True)) == ["84"]
    assert list(User.objects.get(username="alice").hospitals.values_list("finess", flat=True)) == [
        "690783154"
    ]
    # Credentials came along: passwords and the dispatcher's machine token still work.
    assert authenticate(username="alice", password="correct-horse-battery") is not None
    dave_token = world["dave_key"]
    assert token_client(key=dave_token).get("/api/v1/hospitals/").status_code == 200


@pytest.mark.django_db
def test_after_import_new_reports_get_fresh_ids(world, tmp_path):
    path = tmp_path / "bedwatch.json"
    call_command("export_all", str(path), stdout=open("/dev/null", "w"))  # noqa: SIM115
    wipe()
    call_command("import_all", str(path), stdout=open("/dev/null", "w"))  # noqa: SIM115
    newest = CapacityReport.objects.order_by("-pk").first()
    version = Unit.objects.get(pk=world["rea"].pk).version

    # PostgreSQL's sequences were moved past the imported ids.
    fresh = report(world["rea"], User.objects.get(username="alice"), available=3, occupied=7)
    unit = HospitalFactory(finess="690000999").units.create(label="Nouvelle", kind="REA")

    assert fresh.pk > newest.pk
    assert fresh.version == version + 1
    assert unit.pk > max(u["id"] for u in json.loads(path.read_text(encoding="utf-8"))["units"])


@pytest.mark.django_db
def test_without_credentials_accounts_come_back_without_passwords_or_tokens(world, tmp_path):
    path = tmp_path / "bedwatch.json"
    call_command("export_all", str(path), stdout=open("/dev/null", "w"))  # noqa: SIM115
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["credentials"] is False
    assert all(a["password"] is None and a["tokens"] is None for a in data["accounts"])

    wipe()
    call_command("import_all", str(path), stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert User.objects.count() == 6
    assert not User.objects.get(username="alice").has_usable_password()
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_the_file_is_documented_json_with_a_format_version(world, tmp_path):
    path = tmp_path / "bedwatch.json"
    call_command("export_all", str(path), stdout=open("/dev/null", "w"))  # noqa: SIM115

    data = json.loads(path.read_text(encoding="utf-8"))

    assert data["format"] == "bedwatch-archive" and data["format_version"] == 1
    assert {r["code"] for r in data["regions"]} >= {"84", "11"}
    assert next(r for r in data["regions"] if r["code"] == "84")["tension_occupancy_pct"] == 75
    assert len(data["reports"]) == CapacityReport.objects.count()
    assert {"reported_by", "reporter_role", "observed_at", "received_at", "source"} <= set(
        data["reports"][0]
    )


@pytest.mark.django_db
def test_import_refuses_a_database_that_is_not_empty(world, tmp_path):
    path = tmp_path / "bedwatch.json"
    call_command("export_all", str(path), stdout=open("/dev/null", "w"))  # noqa: SIM115
    reports = CapacityReport.objects.count()

    with pytest.raises(CommandError, match="not empty"):
        call_command("import_all", str(path))

    assert CapacityReport.objects.count() == reports


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (lambda d: d.update(format_version=2), "format_version"),
        (lambda d: d.update(format="other"), "format"),
        (lambda d: d["units"][0].update(kind="ICU"), "units[0].kind"),
        (lambda d: d["units"][0].update(available=1000), "units[0].available"),
        (lambda d: d["reports"][0].update(source="fax"), "reports[0].source"),
        (lambda d: d["reports"][0].update(observed_at="hier"), "reports[0].observed_at"),
        (lambda d: d["reports"][-1].update(available=d["reports"][-1]["available"] + 1), "].avail"),
        (
            # A unit says it is one version ahead of its latest report.
            lambda d: next(u for u in d["units"] if u["id"] == d["reports"][-1]["unit"]).update(
                version=d["reports"][-1]["version"] + 1
            ),
            "differ",
        ),
        (lambda d: d["reports"][0].update(observed_at="2026-11-29T07:00:00"), "no time zone"),
        (lambda d: d["accounts"][0].update(password="nohash$1$x"), "accounts[0].password"),
        (lambda d: d["units"].append(d["units"][0]), "appears twice"),
        (lambda d: d["hospitals"][0].update(finess="123"), "hospitals[0].finess"),
        (lambda d: d["accounts"][0].update(role="king"), "accounts[0].role"),
        (lambda d: d["accounts"][0].update(hospitals=["999999999"]), "accounts[0].hospitals"),
        (lambda d: d.pop("units"), "units"),
    ],
)
def test_import_refuses_a_bad_file_and_writes_nothing(world, tmp_path, corrupt, message):
    path = tmp_path / "bedwatch.json"
    call_command("export_all", str(path), stdout=open("/dev/null", "w"))  # noqa: SIM115
    data = json.loads(path.read_text(encoding="utf-8"))
    corrupt(data)
    path.write_text(json.dumps(data), encoding="utf-8")
    wipe()

    with pytest.raises(CommandError) as error:
        call_command("import_all", str(path))

    assert message in str(error.value)
    assert not Hospital.objects.exists() and not User.objects.exists()
    assert Region.objects.get(code="84").tension_occupancy_pct == 90


@pytest.mark.django_db
def test_import_of_something_that_is_not_json_fails_clearly(db, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello", encoding="utf-8")
    with pytest.raises(CommandError, match="not a JSON archive"):
        call_command("import_all", str(path))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_all", str(tmp_path / "missing.json"))


@pytest.mark.django_db
def test_export_refuses_to_overwrite_without_force(world, tmp_path):
    path = tmp_path / "bedwatch.json"
    path.write_text("keep me", encoding="utf-8")
    with pytest.raises(CommandError, match="exists"):
        call_command("export_all", str(path))
    assert path.read_text(encoding="utf-8") == "keep me"


@pytest.mark.django_db
def test_threshold_changes_come_along_and_an_older_archive_without_them_restores(world, tmp_path):
    path = tmp_path / "bedwatch.json"
    call_command("export_all", str(path), stdout=open("/dev/null", "w"))  # noqa: SIM115
    data = json.loads(path.read_text())
    [change] = data["threshold_changes"]
    assert change["changed_by"] == "carol" and change["occupancy_pct_after"] == 75

    wipe()
    call_command("import_all", str(path), stdout=open("/dev/null", "w"))  # noqa: SIM115
    restored = ThresholdChange.objects.get()
    assert restored.changed_by.username == "carol" and restored.occupancy_pct_before == 90

    wipe()
    del data["threshold_changes"]
    path.write_text(json.dumps(data))
    call_command("import_all", str(path), stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not ThresholdChange.objects.exists()
    assert Region.objects.get(code="84").tension_occupancy_pct == 75


@pytest.mark.django_db
def test_a_bad_threshold_change_in_the_archive_is_named_and_nothing_is_written(world, tmp_path):
    path = tmp_path / "bedwatch.json"
    call_command("export_all", str(path), stdout=open("/dev/null", "w"))  # noqa: SIM115
    data = json.loads(path.read_text())
    data["threshold_changes"][0]["changed_by"] = "nobody"
    data["threshold_changes"][0]["region"] = "99"
    path.write_text(json.dumps(data))
    wipe()
    with pytest.raises(CommandError) as error:
        call_command("import_all", str(path), stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert "threshold_changes[0].changed_by: no account 'nobody'" in str(error.value)
    assert "threshold_changes[0].region: no région '99'" in str(error.value)
    assert not Unit.objects.exists() and not ThresholdChange.objects.exists()


@pytest.mark.django_db
def test_changes_made_while_the_file_is_written_are_left_out_consistently(
    world, tmp_path, monkeypatch
):
    from beds.exports import archive

    rea = world["rea"]
    version = Unit.objects.get(pk=rea.pk).version
    write_units, write_reports = archive._units, archive._reports

    def hospital_arrives(hospitals, versions):  # noqa: ANN001, ANN202
        # After the hospitals were written: a new hospital and its unit.
        HospitalFactory(finess="690000999").units.create(label="Nouvelle", kind="REA")
        return write_units(hospitals, versions)

    def report_arrives(versions):  # noqa: ANN001, ANN202
        # After the units were written: a report moves the REA unit on.
        report(rea, User.objects.get(username="alice"), available=3, occupied=7)
        return write_reports(versions)

    monkeypatch.setattr(archive, "_units", hospital_arrives)
    monkeypatch.setattr(archive, "_reports", report_arrives)
    path = tmp_path / "bedwatch.json"
    call_command("export_all", str(path), stdout=open("/dev/null", "w"))  # noqa: SIM115
    wipe()
    call_command("import_all", str(path), stdout=open("/dev/null", "w"))  # noqa: SIM115

    # The file is the state before both: it restores, without the newcomers.
    assert Unit.objects.get(pk=rea.pk).version == version
    assert CapacityReport.objects.filter(unit=rea.pk).latest("version").version == version
    assert not Hospital.objects.filter(finess="690000999").exists()
    assert not Unit.objects.filter(label="Nouvelle").exists()


@pytest.mark.django_db
def test_the_archive_holds_token_digests_never_keys(world, tmp_path):
    path = tmp_path / "bedwatch.json"
    call_command("export_all", str(path), "--include-credentials", stdout=open("/dev/null", "w"))  # noqa: SIM115

    text = path.read_text(encoding="utf-8")
    assert world["dave_key"] not in text
    dave = next(a for a in json.loads(text)["accounts"] if a["username"] == "dave")
    assert [set(t) for t in dave["tokens"]] == [{"digest", "created", "expires"}]


@pytest.mark.django_db
def test_an_archive_from_before_hashed_tokens_restores_its_keys(world, tmp_path):
    path = tmp_path / "bedwatch.json"
    call_command("export_all", str(path), "--include-credentials", stdout=open("/dev/null", "w"))  # noqa: SIM115
    data = json.loads(path.read_text(encoding="utf-8"))
    # As format version 1 wrote it before: the key itself, under `token`.
    for account in data["accounts"]:
        account.pop("tokens")
        account["token"] = None
    dave = next(a for a in data["accounts"] if a["username"] == "dave")
    dave["token"] = {
        "key": "0123456789abcdef0123456789abcdef01234567",
        "created": "2024-01-01T00:00:00+00:00",
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    wipe()

    call_command("import_all", str(path), stdout=open("/dev/null", "w"))  # noqa: SIM115

    client = token_client(key="0123456789abcdef0123456789abcdef01234567")
    assert client.get("/api/v1/hospitals/").status_code == 200
    assert ApiToken.objects.get().expires > timezone.now()
