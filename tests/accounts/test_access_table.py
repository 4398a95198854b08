"""Every cell of the access table of docs/api.md, over the API and Django admin.

World (tests/conftest.py): unit_lyon in région 84, unit_paris in région 11.
alice = staff of the Lyon hospital, carol = coordinator of 84, dave = dispatcher,
erin = admin; anonymous = no credentials.
"""

import pytest

from beds.models import CapacityReport
from regions.models import Region
from tests.helpers import session_client

FIGURES = {"installed": 10, "available": 4, "occupied": 6, "reserved": 0, "closed": 0, "extra": 0}

pytestmark = pytest.mark.django_db


def finesses(response):  # noqa: ANN001, ANN201
    return {h["finess"] for h in response.json()["results"]}


@pytest.fixture
def world(unit_lyon, unit_paris):  # noqa: ANN001, ANN201
    return unit_lyon, unit_paris


# --- anonymous: the login page and nothing else ------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/hospitals/",
        "/api/v1/units/{lyon}/",
        "/api/v1/units/{lyon}/reports/",
        "/api/v1/regions/84/summary/",
        "/api/v1/regions/84/",
    ],
)
def test_anonymous_reads_nothing(api, world, path):
    response = api(None).get(path.format(lyon=world[0].pk))
    assert response.status_code == 401


def test_anonymous_cannot_report(api, world):
    response = api(None).post(f"/api/v1/units/{world[0].pk}/reports/", FIGURES, format="json")
    assert response.status_code == 401
    assert not CapacityReport.objects.exists()


def test_anonymous_pages_redirect_to_login(client, world):
    for path in ["/", "/beds/", "/admin/"]:
        response = client.get(path)
        assert response.status_code == 302
        assert "login" in response["Location"]
    assert client.get("/accounts/login/").status_code == 200


def test_wrong_token_is_refused(api, world):
    assert api(key="not-a-real-key").get("/api/v1/hospitals/").status_code == 401


# --- staff: its hospitals, its région's map; reports for its units -----------------------


def test_staff_lists_only_its_hospitals(api, alice, world):
    assert finesses(api(alice).get("/api/v1/hospitals/")) == {world[0].hospital.finess}


def test_staff_reads_its_unit_and_history_but_not_another_hospitals(api, alice, world):
    client = api(alice)
    assert client.get(f"/api/v1/units/{world[0].pk}/").status_code == 200
    assert client.get(f"/api/v1/units/{world[0].pk}/reports/").status_code == 200
    assert client.get(f"/api/v1/units/{world[1].pk}/").status_code == 403
    assert client.get(f"/api/v1/units/{world[1].pk}/reports/").status_code == 403


def test_staff_reads_its_regions_summary_only(api, alice, world):
    client = api(alice)
    assert client.get("/api/v1/regions/84/summary/").status_code == 200
    assert client.get("/api/v1/regions/11/summary/").status_code == 403


def test_staff_reports_for_its_unit(api, alice, world):
    response = api(alice).post(f"/api/v1/units/{world[0].pk}/reports/", FIGURES, format="json")
    assert response.status_code == 201
    assert CapacityReport.objects.get().on_behalf is False


def test_staff_cannot_report_for_another_hospitals_unit(api, alice, world):
    response = api(alice).post(f"/api/v1/units/{world[1].pk}/reports/", FIGURES, format="json")
    assert response.status_code == 403
    assert not CapacityReport.objects.exists()


def test_staff_cannot_change_thresholds(api, alice, world):
    response = api(alice).patch("/api/v1/regions/84/", {"tension_occupancy_pct": 50}, format="json")
    assert response.status_code == 403
    assert Region.objects.get(code="84").tension_occupancy_pct == 90


# --- coordinator: its régions with history and audit; thresholds; reports on behalf ------


def test_coordinator_lists_only_its_regions_hospitals(api, carol, world):
    assert finesses(api(carol).get("/api/v1/hospitals/")) == {world[0].hospital.finess}


def test_coordinator_reads_history_with_audit_fields_in_its_region(api, alice, carol, world):
    api(alice).post(f"/api/v1/units/{world[0].pk}/reports/", FIGURES, format="json")
    history = api(carol).get(f"/api/v1/units/{world[0].pk}/reports/")
    assert history.status_code == 200
    [report] = history.json()["results"]
    assert report["reported_by"] == "alice" and report["reporter_role"] == "staff"
    assert api(carol).get(f"/api/v1/units/{world[1].pk}/reports/").status_code == 403
    assert api(carol).get(f"/api/v1/units/{world[1].pk}/").status_code == 403


def test_coordinator_reads_its_regions_summary_only(api, carol, world):
    assert api(carol).get("/api/v1/regions/84/summary/").status_code == 200
    assert api(carol).get("/api/v1/regions/11/summary/").status_code == 403


def test_coordinator_changes_its_regions_thresholds(api, carol, world):
    response = api(carol).patch(
        "/api/v1/regions/84/",
        {"tension_occupancy_pct": 80, "tension_available_max": 2},
        format="json",
    )
    assert response.status_code == 200
    region = Region.objects.get(code="84")
    assert (region.tension_occupancy_pct, region.tension_available_max) == (80, 2)


def test_coordinator_cannot_change_another_regions_thresholds(api, carol, world):
    response = api(carol).patch("/api/v1/regions/11/", {"tension_occupancy_pct": 80}, format="json")
    assert response.status_code == 403
    assert Region.objects.get(code="11").tension_occupancy_pct == 90


def test_bad_threshold_gets_400_naming_it(api, carol, world):
    response = api(carol).patch(
        "/api/v1/regions/84/", {"tension_occupancy_pct": 150}, format="json"
    )
    assert response.status_code == 400
    assert "tension_occupancy_pct" in response.json()
    assert Region.objects.get(code="84").tension_occupancy_pct == 90


def test_coordinator_report_is_audited_as_on_behalf(api, carol, world):
    response = api(carol).post(f"/api/v1/units/{world[0].pk}/reports/", FIGURES, format="json")
    assert response.status_code == 201
    report = CapacityReport.objects.get()
    assert report.on_behalf is True and report.reporter_role == "coordinator"


def test_coordinator_cannot_report_outside_its_regions(api, carol, world):
    response = api(carol).post(f"/api/v1/units/{world[1].pk}/reports/", FIGURES, format="json")
    assert response.status_code == 403
    assert not CapacityReport.objects.exists()


# --- dispatcher: its régions and, read-only, the whole country ---------------------------


def test_dispatcher_reads_the_whole_country(api, dave, world):
    client = api(dave)
    assert finesses(client.get("/api/v1/hospitals/")) == {u.hospital.finess for u in world}
    for unit in world:
        assert client.get(f"/api/v1/units/{unit.pk}/").status_code == 200
        assert client.get(f"/api/v1/units/{unit.pk}/reports/").status_code == 200
    assert client.get("/api/v1/regions/84/summary/").status_code == 200
    assert client.get("/api/v1/regions/11/summary/").status_code == 200


def test_dispatcher_writes_nothing(api, dave, world):
    client = api(dave)
    for unit in world:
        response = client.post(f"/api/v1/units/{unit.pk}/reports/", FIGURES, format="json")
        assert response.status_code == 403
    assert (
        client.patch(
            "/api/v1/regions/84/", {"tension_occupancy_pct": 80}, format="json"
        ).status_code
        == 403
    )
    assert not CapacityReport.objects.exists()
    assert Region.objects.get(code="84").tension_occupancy_pct == 90


# --- admin: everything --------------------------------------------------------------------


def test_admin_reads_and_writes_everything(api, erin, world):
    client = api(erin)
    assert finesses(client.get("/api/v1/hospitals/")) == {u.hospital.finess for u in world}
    for unit in world:
        assert (
            client.post(f"/api/v1/units/{unit.pk}/reports/", FIGURES, format="json").status_code
            == 201
        )
    assert (
        client.patch("/api/v1/regions/11/", {"tension_available_max": 3}, format="json").status_code
        == 200
    )


# --- Django admin -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "carol", "dave"])
def test_only_admins_enter_django_admin(request, world, who):
    client = session_client(request.getfixturevalue(who))
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert client.get("/admin/beds/unit/").status_code == 302


def test_admin_manages_every_model_in_django_admin(erin, world):
    client = session_client(erin)
    for path in [
        "/admin/",
        "/admin/regions/region/",
        "/admin/regions/department/",
        "/admin/beds/hospital/",
        "/admin/beds/unit/",
        "/admin/beds/capacityreport/",
        "/admin/accounts/user/",
        f"/admin/beds/unit/{world[0].pk}/change/",
        "/admin/regions/region/84/change/",
    ]:
        assert client.get(path).status_code == 200, path


def test_reports_are_read_only_even_for_admins(api, alice, erin, world):
    api(alice).post(f"/api/v1/units/{world[0].pk}/reports/", FIGURES, format="json")
    report = CapacityReport.objects.get()
    client = session_client(erin)
    assert client.get("/admin/beds/capacityreport/add/").status_code == 403
    response = client.post(f"/admin/beds/capacityreport/{report.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert CapacityReport.objects.count() == 1
