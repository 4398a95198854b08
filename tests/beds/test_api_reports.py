import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from beds.models import CapacityReport, Source, Unit

# The one data path: make test runs these on PostgreSQL too when it answers.
pytestmark = pytest.mark.databases

FIGURES = {"installed": 10, "available": 2, "occupied": 8, "reserved": 0, "closed": 0, "extra": 0}


def post_report(client, unit, body, **extra):  # noqa: ANN001, ANN003, ANN201
    return client.post(f"/api/v1/units/{unit.pk}/reports/", body, format="json", **extra)


@pytest.mark.django_db
def test_staff_report_updates_unit_and_history(api, alice, unit_lyon):
    response = post_report(api(alice), unit_lyon, {**FIGURES, "version": 1, "note": "2 lits"})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["available"] == 2 and body["version"] == 2 and body["freshness"] == "fresh"
    report = CapacityReport.objects.get(unit=unit_lyon)
    assert report.source == Source.API
    assert report.reporter_username == "alice" and not report.on_behalf
    assert report.note == "2 lits" and report.version == 2


@pytest.mark.django_db
def test_report_without_version_is_accepted(api, alice, unit_lyon):
    response = post_report(api(alice), unit_lyon, FIGURES)
    assert response.status_code == 201
    assert Unit.objects.get(pk=unit_lyon.pk).version == 2


@pytest.mark.django_db
def test_stale_version_gets_409_with_current_figures_and_changes_nothing(api, alice, unit_lyon):
    response = post_report(api(alice), unit_lyon, {**FIGURES, "version": 0})

    assert response.status_code == 409
    body = response.json()
    assert body["current"]["version"] == 1
    assert body["current"]["available"] == unit_lyon.available
    assert not CapacityReport.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"available": -1}, "available"),
        ({"installed": 1000}, "installed"),
        ({"occupied": "eight"}, "occupied"),
        ({"occupied": "8"}, "occupied"),
        ({"reserved": 1.5}, "reserved"),
        ({"closed": True}, "closed"),
        ({"extra": None}, "extra"),
        ({"available": 5}, "available"),  # 5 + 8 > 10: beds beyond capacity
        ({"closed": 10, "occupied": 0, "available": 1}, "available"),  # wholly closed
        ({"version": -1}, "version"),
        ({"note": "x" * 501}, "note"),
        ({"observed_at": "yesterday"}, "observed_at"),
        ({"observed_at": "2999-01-01T00:00:00Z"}, "observed_at"),
        ({"availble": 3}, "availble"),  # a typo is named, not ignored
    ],
)
def test_bad_figures_get_400_naming_the_field_and_change_nothing(
    api, alice, unit_lyon, change, field
):
    response = post_report(api(alice), unit_lyon, {**FIGURES, **change})

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not CapacityReport.objects.exists()
    assert Unit.objects.get(pk=unit_lyon.pk).version == 1


@pytest.mark.django_db
def test_missing_figure_gets_400_naming_it(api, alice, unit_lyon):
    body = {k: v for k, v in FIGURES.items() if k != "reserved"}
    response = post_report(api(alice), unit_lyon, body)
    assert response.status_code == 400
    assert "reserved" in response.json()
    assert not CapacityReport.objects.exists()


@pytest.mark.django_db
def test_malformed_json_gets_400_naming_the_body(api, alice, unit_lyon):
    client = api(alice)
    response = client.generic(
        "POST",
        f"/api/v1/units/{unit_lyon.pk}/reports/",
        '{"installed": 10,',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "body" in response.json()
    assert not CapacityReport.objects.exists()


@pytest.mark.django_db
def test_json_that_is_not_an_object_gets_400(api, alice, unit_lyon):
    response = api(alice).generic(
        "POST", f"/api/v1/units/{unit_lyon.pk}/reports/", "[1, 2]", content_type="application/json"
    )
    assert response.status_code == 400
    assert "body" in response.json()


@pytest.mark.django_db
def test_oversized_body_gets_400_and_changes_nothing(api, alice, unit_lyon, settings):
    body = json.dumps({**FIGURES, "note": "x" * 200_000})
    response = api(alice).generic(
        "POST",
        f"/api/v1/units/{unit_lyon.pk}/reports/",
        body,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",  # messages follow the request language (French by default)
    )
    assert response.status_code == 400
    assert "body" in response.json()
    assert "larger" in response.json()["body"][0]
    assert not CapacityReport.objects.exists()


@pytest.mark.django_db
def test_unknown_unit_gets_404(api, alice):
    response = api(alice).post("/api/v1/units/999999/reports/", FIGURES, format="json")
    assert response.status_code == 404


@pytest.mark.django_db
def test_history_lists_reports_newest_first_and_filters_by_time(api, alice, unit_lyon):
    client = api(alice)
    for available in (1, 2, 0):
        figures = {**FIGURES, "available": available, "occupied": 10 - available}
        assert post_report(client, unit_lyon, figures).status_code == 201

    history = client.get(f"/api/v1/units/{unit_lyon.pk}/reports/").json()

    assert [r["available"] for r in history["results"]] == [0, 2, 1]
    assert [r["version"] for r in history["results"]] == [4, 3, 2]
    future = client.get(f"/api/v1/units/{unit_lyon.pk}/reports/", {"since": "2999-01-01T00:00:00Z"})
    assert future.json()["results"] == []
    bad = client.get(f"/api/v1/units/{unit_lyon.pk}/reports/", {"since": "soon"})
    assert bad.status_code == 400 and "since" in bad.json()


@pytest.mark.django_db
def test_201_body_equals_a_fresh_get_of_the_unit(api, alice, unit_lyon):
    client = api(alice)
    # An observation time in another offset comes back in UTC, as a read from the database does.
    observed = timezone.now().astimezone(ZoneInfo("Europe/Paris")) - timedelta(minutes=3)
    body = {**FIGURES, "version": 1, "observed_at": observed.isoformat()}

    created = post_report(client, unit_lyon, body)
    fresh = client.get(f"/api/v1/units/{unit_lyon.pk}/")

    assert created.status_code == 201, created.content
    assert created.json() == fresh.json()
    assert created.json()["updated_at"].endswith("+00:00")


@pytest.mark.django_db
def test_report_by_token_reads_the_unit_once(api, erin, unit_lyon):
    client = api(erin)
    assert post_report(client, unit_lyon, FIGURES).status_code == 201  # the token is remembered

    with CaptureQueriesContext(connection) as queries:
        response = post_report(client, unit_lyon, FIGURES)

    assert response.status_code == 201
    # The unit (scope, 404), then the transaction: lock, update, history row. The 201 and the
    # live event are built from the locked unit, not read again; the token is not looked up.
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    assert [s for s in statements if s not in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")] == [
        "SELECT",
        "SELECT",
        "UPDATE",
        "INSERT",
    ]


@pytest.mark.django_db
def test_the_stored_report_and_unit_hold_every_field_posted(api, carol, unit_lyon):
    """Every field of the report is stored as posted, audit included, and the unit moves to
    the report's figures, version and observation time."""
    before = unit_lyon.version
    observed = timezone.now().replace(microsecond=250000) - timedelta(minutes=7)
    body = {**FIGURES, "note": "plan blanc", "observed_at": observed.isoformat()}

    response = post_report(api(carol), unit_lyon, body)

    assert response.status_code == 201, response.content
    report = CapacityReport.objects.get()
    unit_lyon.refresh_from_db()
    assert report.unit_id == unit_lyon.pk
    assert report.version == unit_lyon.version == before + 1
    assert report.figures() == unit_lyon.figures() == FIGURES
    assert (report.reported_by_id, report.reporter_username, report.reporter_role) == (
        carol.pk,
        "carol",
        "coordinator",
    )
    assert report.on_behalf is True and report.source == "api" and report.note == "plan blanc"
    assert report.observed_at == unit_lyon.updated_at == observed
    assert observed < report.received_at <= timezone.now()
    assert response.json()["version"] == before + 1


@pytest.mark.django_db
def test_unit_id_beyond_the_id_column_gets_404(api, erin):
    response = api(erin).post(f"/api/v1/units/{2**64}/reports/", FIGURES, format="json")
    assert response.status_code == 404


@pytest.mark.django_db
def test_coordinator_reports_only_for_units_of_their_region(api, carol, unit_lyon, unit_paris):
    client = api(carol)
    assert post_report(client, unit_lyon, FIGURES).status_code == 201
    assert post_report(client, unit_paris, FIGURES).status_code == 403
