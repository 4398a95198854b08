"""A région's trend (`GET /api/v1/regions/{code}/trend/`): totals per kind at regular points,
each unit counted with its latest report received by then."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from beds.models import FIGURES, UnitKind
from beds.selectors import region_trend
from tests.factories import HospitalFactory, UnitFactory, report_received

pytestmark = pytest.mark.django_db


def kind_totals(point: dict, kind: str = "REA") -> tuple | None:
    """(units, installed, available, occupied, tension) of one kind at one point."""
    for totals in point["kinds"]:
        if totals["kind"] == kind:
            return (
                totals["units"],
                totals["installed"],
                totals["available"],
                totals["occupied"],
                totals["tension"],
            )
    return None


def test_each_point_counts_every_unit_by_its_latest_report_by_then(region_ara, hospital_lyon):
    now = timezone.now().replace(microsecond=0)
    other = HospitalFactory(department_id="69")
    first, second = UnitFactory(hospital=hospital_lyon), UnitFactory(hospital=other)
    report_received(first, 1, now - timedelta(hours=5), available=4)  # before the window
    report_received(first, 2, now - timedelta(hours=2, minutes=30), available=3)
    report_received(first, 3, now - timedelta(hours=2, minutes=10), available=1)  # same step: wins
    report_received(second, 1, now - timedelta(hours=1), available=6)  # no report before this one
    report_received(second, 2, now, available=0)  # exactly at the last point: counted there

    trend = region_trend(region=region_ara, hours=3, step_minutes=60, now=now)

    assert [p["at"] for p in trend["points"]] == [
        (now - timedelta(hours=h)).isoformat() for h in (3, 2, 1, 0)
    ]
    assert [kind_totals(p) for p in trend["points"]] == [
        (1, 10, 4, 6, "normal"),
        (1, 10, 1, 9, "tension"),  # one bed left: at or under the région's threshold
        (2, 20, 7, 13, "normal"),
        (2, 20, 1, 19, "tension"),
    ]


def test_an_older_version_received_later_does_not_go_back(region_ara, hospital_lyon):
    now = timezone.now()
    unit = UnitFactory(hospital=hospital_lyon)
    # Two reports committed in the same instant: version 2 was stamped before version 1.
    report_received(unit, 2, now - timedelta(minutes=50), available=5)
    report_received(unit, 1, now - timedelta(minutes=40), available=9)

    trend = region_trend(region=region_ara, hours=1, step_minutes=30, now=now)

    assert [kind_totals(p) for p in trend["points"]] == [
        None,  # nothing reported an hour ago: the kind is not listed
        (1, 10, 5, 5, "normal"),
        (1, 10, 5, 5, "normal"),
    ]


def test_kind_filter_other_regions_and_inactive_hospitals_are_left_out(region_ara, hospital_lyon):
    now = timezone.now()
    rea, usic = (
        UnitFactory(hospital=hospital_lyon, kind=UnitKind.REA),
        UnitFactory(hospital=hospital_lyon, kind=UnitKind.USIC),
    )
    paris = UnitFactory(hospital=HospitalFactory(finess="750000001", department_id="75"))
    closed = UnitFactory(hospital=HospitalFactory(department_id="69", active=False))
    for unit in (rea, usic, paris, closed):
        report_received(unit, 1, now - timedelta(minutes=30), available=3)

    everything = region_trend(region=region_ara, hours=1, step_minutes=60, now=now)
    only_usic = region_trend(
        region=region_ara, hours=1, step_minutes=60, kind=UnitKind.USIC, now=now
    )

    assert [k["kind"] for k in everything["points"][-1]["kinds"]] == ["REA", "USIC"]
    assert kind_totals(everything["points"][-1]) == (1, 10, 3, 7, "normal")
    assert [k["kind"] for k in only_usic["points"][-1]["kinds"]] == ["USIC"]
    assert only_usic["kind"] == "USIC"


def test_the_api_answers_readers_of_the_region(api, carol, dave, bob, region_ara, unit_lyon):
    report_received(unit_lyon, 1, timezone.now() - timedelta(hours=1), available=2)

    response = api(carol).get("/api/v1/regions/84/trend/?hours=48&step_minutes=120")

    assert response.status_code == 200
    body = response.json()
    assert (body["region"], body["hours"], body["step_minutes"]) == ("84", 48, 120)
    assert len(body["points"]) == 25
    last = body["points"][-1]["kinds"][0]
    assert {name: last[name] for name in FIGURES} == {
        "installed": 10,
        "available": 2,
        "occupied": 8,
        "reserved": 0,
        "closed": 0,
        "extra": 0,
    }
    assert api(dave).get("/api/v1/regions/84/trend/").status_code == 200
    assert len(api(dave).get("/api/v1/regions/84/trend/").json()["points"]) == 25  # 24 h, hourly
    assert api(bob).get("/api/v1/regions/84/trend/").status_code == 403  # staff in Paris
    assert api(None).get("/api/v1/regions/84/trend/").status_code in (401, 403)
    assert api(carol).get("/api/v1/regions/99/trend/").status_code == 404


@pytest.mark.parametrize(
    ("query", "field", "reason"),
    [
        ("hours=0", "hours", "greater than or equal to 1"),
        ("hours=337", "hours", "less than or equal to 336"),
        ("hours=two", "hours", "valid integer"),
        ("step_minutes=4", "step_minutes", "greater than or equal to 5"),
        ("hours=1&step_minutes=90", "step_minutes", "longer than the 1 hours"),
        ("hours=336&step_minutes=5", "step_minutes", "at most 1000"),
        ("kind=ICU", "kind", "not a valid choice"),
    ],
)
def test_bad_parameters_get_400_naming_the_field(api, carol, region_ara, query, field, reason):
    response = api(carol).get(f"/api/v1/regions/84/trend/?{query}", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert reason in " ".join(response.json()[field])


def test_errors_are_in_french_by_default(api, carol, region_ara):
    response = api(carol).get("/api/v1/regions/84/trend/?hours=336&step_minutes=5")

    assert response.status_code == 400
    assert "prenez un pas plus long" in response.json()["step_minutes"][0]


def test_openapi_schema_describes_the_trend_and_its_parameters(client, db):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    trend = schema["paths"]["/api/v1/regions/{code}/trend/"]["get"]
    assert {p["name"] for p in trend["parameters"]} >= {"code", "hours", "step_minutes", "kind"}
    assert "200" in trend["responses"]
