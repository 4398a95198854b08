from datetime import UTC, datetime, time, timedelta

from alerts import rules
from beds.models import FIGURES

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_cadence_is_the_regions_own_then_crisis_then_normal_default(settings):
    settings.BEDWATCH_REPORT_CADENCE_MINUTES = 240
    settings.BEDWATCH_CRISIS_CADENCE_MINUTES = 60
    assert rules.cadence_minutes(region_cadence=None, crisis=False) == 240
    assert rules.cadence_minutes(region_cadence=None, crisis=True) == 60
    assert rules.cadence_minutes(region_cadence=30, crisis=True) == 30
    assert rules.cadence_minutes(region_cadence=120, crisis=False) == 120


def test_quiet_hours_may_wrap_midnight():
    night = {"start": time(22), "end": time(7)}
    assert rules.in_quiet_hours(**night, local=time(23, 30))
    assert rules.in_quiet_hours(**night, local=time(6, 59))
    assert not rules.in_quiet_hours(**night, local=time(7))
    assert not rules.in_quiet_hours(**night, local=time(12))
    lunch = {"start": time(12), "end": time(14)}
    assert rules.in_quiet_hours(**lunch, local=time(12))
    assert not rules.in_quiet_hours(**lunch, local=time(14))
    assert not rules.in_quiet_hours(start=None, end=None, local=time(3))


def test_stages_wait_for_each_other(settings):
    settings.BEDWATCH_REMINDER_REPEAT_MINUTES = 60
    settings.BEDWATCH_REMINDER_ESCALATE_MINUTES = 30
    overdue = NOW - timedelta(hours=10)
    assert rules.reminder_stage_due(sent={}, now=NOW, overdue_from=NOW + timedelta(1)) is None
    assert rules.reminder_stage_due(sent={}, now=NOW, overdue_from=overdue) == 1
    assert rules.reminder_stage_due(sent={}, now=NOW, overdue_from=None) == 1
    first = {1: NOW - timedelta(minutes=59)}
    assert rules.reminder_stage_due(sent=first, now=NOW, overdue_from=overdue) is None
    first = {1: NOW - timedelta(minutes=60)}
    assert rules.reminder_stage_due(sent=first, now=NOW, overdue_from=overdue) == 2
    second = {**first, 2: NOW - timedelta(minutes=29)}
    assert rules.reminder_stage_due(sent=second, now=NOW, overdue_from=overdue) is None
    second = {**first, 2: NOW - timedelta(minutes=30)}
    assert rules.reminder_stage_due(sent=second, now=NOW, overdue_from=overdue) == 3
    assert rules.reminder_stage_due(sent={**second, 3: NOW}, now=NOW, overdue_from=overdue) is None


def _unit(pk, kind="REA", available=3, occupied=7, installed=10):  # noqa: ANN001, ANN202
    return {
        "id": pk,
        "kind": kind,
        "installed": installed,
        "available": available,
        "occupied": occupied,
        "reserved": 0,
        "closed": 0,
        "extra": 0,
    }


def _judge(units, freshness=None):  # noqa: ANN001, ANN202
    """The judgements of an area of these units (`freshness`: unit id → its freshness), from
    their totals per kind as the database sums them."""
    totals = {}
    for unit in units:
        sums = totals.setdefault(unit["kind"], dict.fromkeys([*FIGURES, "units", "stale"], 0))
        for name in FIGURES:
            sums[name] += unit[name]
        sums["units"] += 1
        sums["stale"] += (freshness or {}).get(unit["id"]) in ("stale", "expired")
    return {
        (j.unit_kind, j.kind): j
        for j in rules.area_judgements(
            scope="region", scope_code="84", totals=totals, occupancy_pct=90, available_max=1
        )
    }


def test_tension_of_a_kind_is_judged_on_its_totals(settings):
    settings.BEDWATCH_ALERT_STALE_PCT = 50
    # 3 + 0 available of 20 beds, 17 occupied (85%): normal; one more bed taken: tension.
    judged = _judge([_unit(1, available=3, occupied=7), _unit(2, available=0, occupied=10)])
    assert judged[("REA", "tension")].level is None
    judged = _judge([_unit(1, available=1, occupied=9), _unit(2, available=0, occupied=10)])
    assert judged[("REA", "tension")].level == "tension"
    assert judged[("REA", "tension")].figures == {"available": 1, "open": 20, "units": 2}
    judged = _judge([_unit(1, available=0, occupied=10), _unit(2, "USC", available=5, occupied=5)])
    assert judged[("REA", "tension")].level == "saturated"
    assert judged[("USC", "tension")].level is None


def test_stale_share_reaches_its_threshold(settings):
    settings.BEDWATCH_ALERT_STALE_PCT = 50
    units = [_unit(1), _unit(2), _unit(3), _unit(4)]
    one = _judge(units, {1: "expired", 2: "fresh", 3: "ageing", 4: "fresh"})
    assert one[("", "stale")].level is None
    two = _judge(units, {1: "expired", 2: "stale", 3: "ageing", 4: "fresh"})
    assert two[("", "stale")].level == "stale"
    assert two[("", "stale")].figures == {"units": 4, "stale": 2}
