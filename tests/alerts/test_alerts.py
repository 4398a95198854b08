"""Coordinators' alerts: opened by a tension crossing, resolved when figures recover,
acknowledged through the API, seen live."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from alerts import services
from alerts.models import Alert, AuditEvent
from alerts.scheduler import AlertsSweep
from realtime import publisher
from tests.factories import report
from tests.helpers import session_client

pytestmark = pytest.mark.django_db


def _report_now(unit, user, available: int) -> None:  # noqa: ANN001
    report(unit, user, source="api", available=available, occupied=10 - available)


@pytest.fixture
def _report(django_capture_on_commit_callbacks):  # noqa: ANN001, ANN202
    """Report, then run what waits for the commit (the test's transaction never commits) and
    the scheduler's next alerts sweep, as `run_scheduler` would within half a second."""
    sweep = AlertsSweep(after_report_id=0)

    def report(unit, user, available: int) -> None:  # noqa: ANN001
        with django_capture_on_commit_callbacks(execute=True):
            _report_now(unit, user, available)
            sweep()

    return report


def test_a_report_judges_no_alert_itself_the_sweep_does(
    unit_lyon, alice, django_capture_on_commit_callbacks
):
    sweep = AlertsSweep()
    with django_capture_on_commit_callbacks(execute=True):
        _report_now(unit_lyon, alice, available=0)
    assert not Alert.objects.exists()  # the report's request wrote its figures only

    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() == 2  # the région's and the Rhône's saturation

    assert set(Alert.objects.values_list("scope", "level")) == {
        ("region", "saturated"),
        ("department", "saturated"),
    }


def test_the_sweep_judges_a_reported_region_twice_then_stops(
    unit_lyon, unit_paris, alice, erin, monkeypatch
):
    judged = []
    evaluate = services.region_alerts_evaluate
    monkeypatch.setattr(
        services,
        "region_alerts_evaluate",
        lambda *, region_code, now: (
            judged.append(region_code) or evaluate(region_code=region_code, now=now)
        ),
    )
    sweep = AlertsSweep()
    assert sweep() == 0
    assert judged == []  # nothing reported since it started

    _report_now(unit_lyon, alice, available=4)
    sweep()
    _report_now(unit_paris, erin, available=4)
    sweep()
    sweep()
    sweep()

    # Each report's région in the sweep after it and once more (a transaction may commit after
    # a newer report was seen), then no more.
    assert judged == ["84", "11", "84", "11"]


@pytest.fixture
def published(monkeypatch):  # noqa: ANN001, ANN201
    """Every event published by the alerts, round-tripped through JSON."""
    events = []
    monkeypatch.setattr(
        services,
        "publish",
        lambda audiences, event: events.append((audiences, json.loads(json.dumps(event)))),
    )
    return events


def test_a_tension_crossing_opens_an_alert_that_resolves_when_figures_recover(
    unit_lyon, alice, published, _report
):
    _report(unit_lyon, alice, available=5)
    assert not Alert.objects.exists()

    _report(unit_lyon, alice, available=0)

    alerts = {(a.scope, a.scope_code): a for a in Alert.objects.filter(kind="tension")}
    assert set(alerts) == {("region", "84"), ("department", "69")}
    region_alert = alerts[("region", "84")]
    assert (region_alert.level, region_alert.state, region_alert.unit_kind) == (
        "saturated",
        "open",
        "REA",
    )
    assert region_alert.figures == {"available": 0, "open": 10, "units": 1}
    [(audiences, event)] = published
    assert audiences == ["region.84"] and event["type"] == "alerts.changed"
    assert {a["scope"] for a in event["alerts"]} == {"region", "department"}
    assert event["alerts"][0]["state"] == "open"

    _report(unit_lyon, alice, available=1)  # still tension: the level falls, stays open
    region_alert.refresh_from_db()
    assert (region_alert.level, region_alert.state) == ("tension", "open")

    _report(unit_lyon, alice, available=6)
    region_alert.refresh_from_db()
    assert region_alert.state == "resolved" and region_alert.resolved_at is not None
    assert published[-1][1]["alerts"][0]["state"] == "resolved"
    assert AuditEvent.objects.filter(kind="alert_resolved").count() == 2
    # A new crossing opens a new alert.
    _report(unit_lyon, alice, available=0)
    assert Alert.objects.filter(scope="region", kind="tension").count() == 2


def test_the_regions_own_thresholds_decide(unit_lyon, alice, region_ara, _report):
    region_ara.tension_available_max = 5
    region_ara.save()
    _report(unit_lyon, alice, available=5)
    assert Alert.objects.get(scope="region").level == "tension"


def test_stale_units_open_an_alert_in_the_scheduler_round(unit_lyon, settings):
    settings.BEDWATCH_ALERT_STALE_PCT = 50
    assert services.alerts_round() == 0
    unit_lyon.updated_at = timezone.now() - timedelta(hours=13)
    unit_lyon.save(update_fields=["updated_at"])

    services.alerts_round()

    alert = Alert.objects.get(scope="region", kind="stale")
    assert alert.figures == {"units": 1, "stale": 1}


def test_one_unresolved_alert_per_subject_even_if_evaluated_twice(unit_lyon, alice, _report):
    _report(unit_lyon, alice, available=0)
    services.region_alerts_evaluate(region_code="84")
    services.alerts_round()
    assert Alert.objects.filter(scope="region", kind="tension").count() == 1


def test_coordinators_get_one_digest_not_one_email_per_change(
    unit_lyon, alice, carol_mail, _report
):
    _report(unit_lyon, alice, available=0)
    _report(unit_lyon, alice, available=5)
    _report(unit_lyon, alice, available=0)

    assert services.alert_digest_round() == 1
    [message] = mail.outbox
    assert message.to == ["carol@ars-ara.fr"]
    # Région and département, opened, resolved, opened again: one email of four alerts.
    assert "4 nouvelles alertes" in message.subject
    assert "Rhône" in message.body
    assert services.alert_digest_round() == 0  # nothing new since


def test_api_lists_the_regions_alerts(api, unit_lyon, alice, carol, _report):
    _report(unit_lyon, alice, available=0)

    response = api(carol).get("/api/v1/regions/84/alerts/")

    assert response.status_code == 200
    first = response.json()["results"][0]
    assert {
        "id",
        "kind",
        "scope",
        "state",
        "opened_at",
        "acknowledged_by",
        "resolved_at",
    } <= set(first)
    assert api(carol).get("/api/v1/regions/84/alerts/?state=resolved").json()["results"] == []
    bad = api(carol).get("/api/v1/regions/84/alerts/?state=closed")
    assert bad.status_code == 400 and "state" in bad.json()


def test_api_refuses_staff_and_other_regions_coordinators(api, alice, carol, region_idf):
    assert api(alice).get("/api/v1/regions/84/alerts/").status_code == 403
    assert api(carol).get("/api/v1/regions/11/alerts/").status_code == 403
    assert api(carol).get("/api/v1/regions/99/alerts/").status_code == 404
    assert api(None).get("/api/v1/regions/84/alerts/").status_code in (401, 403)


def test_acknowledge_records_who_and_when_and_is_published(
    api, unit_lyon, alice, carol, dave, published, _report, django_capture_on_commit_callbacks
):
    _report(unit_lyon, alice, available=0)
    alert = Alert.objects.get(scope="region")

    assert api(dave).post(f"/api/v1/regions/84/alerts/{alert.pk}/acknowledge/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = api(carol).post(f"/api/v1/regions/84/alerts/{alert.pk}/acknowledge/")

    assert response.status_code == 200
    assert response.json()["state"] == "acknowledged"
    assert response.json()["acknowledged_by"] == "carol"
    alert.refresh_from_db()
    assert alert.acknowledged_by == carol and alert.acknowledged_at is not None
    assert published[-1][1]["alerts"][0]["acknowledged_by"] == "carol"
    again = api(carol).post(f"/api/v1/regions/84/alerts/{alert.pk}/acknowledge/")
    assert (
        again.status_code == 200
        and again.json()["acknowledged_at"] == (response.json()["acknowledged_at"])
    )
    assert api(carol).post("/api/v1/regions/84/alerts/999999/acknowledge/").status_code == 404


def test_a_resolved_alert_cannot_be_acknowledged(api, unit_lyon, alice, carol, _report):
    _report(unit_lyon, alice, available=0)
    _report(unit_lyon, alice, available=6)
    alert = Alert.objects.get(scope="region")
    response = api(carol).post(f"/api/v1/regions/84/alerts/{alert.pk}/acknowledge/")
    assert response.status_code == 400 and "state" in response.json()


def test_openapi_describes_the_alerts(api, carol):
    schema = api(carol).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = json.loads(schema.content)["paths"]
    assert "get" in paths["/api/v1/regions/{code}/alerts/"]
    assert "post" in paths["/api/v1/regions/{code}/alerts/{alert_id}/acknowledge/"]
    assert "crisis" in json.dumps(json.loads(schema.content)["components"]["schemas"]["Region"])


def test_alert_page_lists_and_acknowledges_without_javascript(unit_lyon, alice, carol, _report):
    _report(unit_lyon, alice, available=0)
    alert = Alert.objects.get(scope="region")
    client = session_client(carol)

    page = client.get("/regions/84/alerts/")
    assert page.status_code == 200
    assert f'data-alert-id="{alert.pk}"' in page.content.decode()
    assert "aucun lit disponible" in page.content.decode()
    table = client.get("/regions/84/table/")
    assert f'data-alert-id="{alert.pk}"' in table.content.decode()
    regional_map = client.get("/maps/regions/84/")
    assert f'data-alert-id="{alert.pk}"' in regional_map.content.decode()
    assert "data-alerts-region" not in client.get("/maps/").content.decode()

    done = client.post(f"/regions/84/alerts/{alert.pk}/acknowledge/", {"next": "https://evil"})
    assert done.status_code == 302 and done["Location"] == "/regions/84/alerts/"
    alert.refresh_from_db()
    assert alert.state == "acknowledged"


def test_alert_list_is_not_shown_to_staff(unit_lyon, alice, _report):
    _report(unit_lyon, alice, available=0)
    client = session_client(alice)
    assert client.get("/regions/84/alerts/").status_code == 403
    assert "data-alerts-region" not in client.get("/regions/84/table/").content.decode()


@pytest.mark.django_db(transaction=True)
async def test_an_acknowledgement_is_seen_live_by_the_other_coordinators(
    alice, carol, unit_lyon, region_ara, settings
):
    from channels.db import database_sync_to_async

    from accounts.models import Role
    from realtime import hub
    from tests.factories import UserFactory
    from tests.helpers import receive, socket

    settings.REDIS_URL = ""
    publisher.reset_for_tests()
    frank = await database_sync_to_async(UserFactory)(
        username="frank", role=Role.COORDINATOR, regions=[region_ara]
    )
    ws = await socket("/ws/regions/84/", frank)
    await ws.connect()
    await receive(ws)  # snapshot
    await database_sync_to_async(_report_now)(unit_lyon, alice, available=0)
    await database_sync_to_async(AlertsSweep(after_report_id=0))()
    changed = await receive(ws)
    opened = await receive(ws)
    assert (changed["type"], opened["type"]) == ("units.changed", "alerts.changed")
    assert opened["seq"] == changed["seq"] + 1
    alert_id = opened["alerts"][0]["id"]

    alert = await database_sync_to_async(Alert.objects.get)(pk=alert_id)
    await database_sync_to_async(services.alert_acknowledge)(alert=alert, user=carol)

    seen = await receive(ws)
    assert seen["type"] == "alerts.changed"
    assert seen["alerts"][0]["id"] == alert_id
    assert seen["alerts"][0]["state"] == "acknowledged"
    assert seen["alerts"][0]["acknowledged_by"] == "carol"
    await ws.disconnect()
    await hub.close_all()
    publisher.reset_for_tests()
