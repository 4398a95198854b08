"""The alerts judge the totals the database sums (`selectors.region_department_totals`): they
must say exactly what judging every unit's row in Python said before (the rule as it was, kept
below as the reference), for a varied région."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta

import pytest
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from alerts import rules, selectors
from beds.capacity import freshness_of, open_beds, tension_of_totals
from beds.models import FIGURES, Freshness, Tension, Unit, UnitKind
from regions.models import Department, Region
from tests.factories import HospitalFactory, UnitFactory

pytestmark = [pytest.mark.django_db, pytest.mark.databases]


def _area_judgements_on_rows(*, scope, scope_code, units, occupancy_pct, available_max, freshness):  # noqa: ANN001, ANN202
    """The rule before the database summed: each unit's row added up in Python."""
    per_kind: dict[str, dict[str, int]] = {}
    for unit in units:
        totals = per_kind.setdefault(unit["kind"], {name: 0 for name in FIGURES} | {"units": 0})
        totals["units"] += 1
        for name in FIGURES:
            totals[name] += unit[name]
    judgements = []
    for unit_kind, totals in sorted(per_kind.items()):
        tension = tension_of_totals(
            totals, occupancy_pct=occupancy_pct, available_max=available_max
        )
        figures = {
            "available": totals["available"],
            "open": open_beds(
                installed=totals["installed"], extra=totals["extra"], closed=totals["closed"]
            ),
            "units": totals["units"],
        }
        level = None if tension == Tension.NORMAL else tension
        judgements.append(rules.Judgement(scope, scope_code, unit_kind, "tension", level, figures))
    old = sum(1 for u in units if freshness.get(u["id"]) in (Freshness.STALE, Freshness.EXPIRED))
    stale = bool(units) and old * 100 >= settings.BEDWATCH_ALERT_STALE_PCT * len(units)
    judgements.append(
        rules.Judgement(
            scope,
            scope_code,
            "",
            "stale",
            "stale" if stale else None,
            {"units": len(units), "stale": old},
        )
    )
    return judgements


def _judgements_on_rows(region: Region, now) -> list[rules.Judgement]:  # noqa: ANN001
    """`region_alerts_evaluate`'s judgements as they were: every unit of the région's active
    hospitals read as a row, its freshness judged one by one, the région then each
    département."""
    rows = list(
        Unit.objects.filter(hospital__active=True, hospital__department__region_id=region.code)
        .order_by("pk")
        .values("id", "kind", "updated_at", *FIGURES, department=F("hospital__department_id"))
    )
    thresholds = {
        "occupancy_pct": region.tension_occupancy_pct,
        "available_max": region.tension_available_max,
        "freshness": {row["id"]: freshness_of(row["updated_at"], now=now) for row in rows},
    }
    judgements = _area_judgements_on_rows(
        scope="region", scope_code=region.code, units=rows, **thresholds
    )
    by_department: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_department[row["department"]].append(row)
    for code, units in sorted(by_department.items()):
        judgements += _area_judgements_on_rows(
            scope="department", scope_code=code, units=units, **thresholds
        )
    return judgements


def _judgements_on_totals(region: Region, now) -> list[rules.Judgement]:  # noqa: ANN001
    return rules.region_judgements(
        region_code=region.code,
        departments=selectors.region_department_totals(region_code=region.code, now=now),
        occupancy_pct=region.tension_occupancy_pct,
        available_max=region.tension_available_max,
    )


def _figures(rng: random.Random) -> dict[str, int]:
    """Figures that keep the capacity rules: some units full, some wholly closed, some empty."""
    installed, extra = rng.choice([0, 1, 4, 10, 25]), rng.choice([0, 0, 2])
    capacity = installed + extra
    closed = rng.choice([0, 0, min(1, capacity), capacity])
    if closed >= capacity:
        return {"installed": installed, "extra": extra, "closed": closed, "available": 0,
                "occupied": 0, "reserved": 0}  # fmt: skip
    occupied = rng.randint(0, capacity - closed)
    reserved = rng.randint(0, capacity - closed - occupied)
    available = rng.randint(0, capacity - closed - occupied - reserved)
    return {"installed": installed, "extra": extra, "closed": closed, "available": available,
            "occupied": occupied, "reserved": reserved}  # fmt: skip


def _a_varied_region(rng: random.Random, now) -> None:  # noqa: ANN001
    """Région 84 over four départements (one with only an inactive hospital), every kind of
    bed, figures from empty to saturated, and reports of every age: fresh, ageing, exactly at
    the ageing and stale limits, stale, expired, never. A unit of another région must not
    count."""
    ageing, stale = settings.BEDWATCH_AGEING_HOURS, settings.BEDWATCH_STALE_HOURS
    ages = [
        timedelta(minutes=5),
        timedelta(hours=settings.BEDWATCH_FRESH_HOURS),
        timedelta(hours=ageing) - timedelta(microseconds=1),
        timedelta(hours=ageing),
        timedelta(hours=stale),
        timedelta(hours=stale) + timedelta(microseconds=1),
        timedelta(days=3),
        None,
    ]
    departments = {code: Department.objects.get(code=code) for code in ("01", "38", "69", "73")}
    hospitals = [
        HospitalFactory(department=departments[code], active=active)
        for code, active in [
            ("69", True), ("69", True), ("69", False), ("38", True), ("38", True),
            ("01", True), ("73", False),
        ]
    ]  # fmt: skip
    for i in range(60):
        age = rng.choice(ages)
        UnitFactory(
            hospital=hospitals[i % len(hospitals)],
            kind=rng.choice(UnitKind.values[:5]),  # few kinds: several units share each
            updated_at=None if age is None else now - age,
            **_figures(rng),
        )
    # Kinds the random units never have: a saturated one, and a roomy one.
    UnitFactory(hospital=hospitals[5], kind=UnitKind.BURN, available=0, occupied=10)
    UnitFactory(hospital=hospitals[3], kind=UnitKind.USC, installed=20, available=15, occupied=5)
    paris = HospitalFactory(department=Department.objects.get(code="75"))
    UnitFactory(hospital=paris, available=0, occupied=10, updated_at=None)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("stale_pct", [25, 50])
def test_judging_the_databases_totals_says_what_judging_every_unit_said(
    seed, stale_pct, region_ara, settings
):
    settings.BEDWATCH_ALERT_STALE_PCT = stale_pct
    now = timezone.now()
    rng = random.Random(seed)
    region_ara.tension_occupancy_pct = rng.choice([50, 85, 95])
    region_ara.tension_available_max = rng.choice([0, 2, 6])
    region_ara.save()
    _a_varied_region(rng, now)

    expected = _judgements_on_rows(region_ara, now)
    judged = _judgements_on_totals(region_ara, now)

    assert judged == expected
    # The région varied as meant: judgements found fine and saturated, and the inactive
    # hospital's département (73) is not an area.
    assert {None, "saturated"} <= {j.level for j in judged}
    assert {j.scope_code for j in judged} == {"84", "01", "38", "69"}


def test_a_region_without_units_has_only_an_empty_stale_judgement(region_idf):
    judged = _judgements_on_totals(region_idf, timezone.now())
    assert judged == _judgements_on_rows(region_idf, timezone.now())
    assert [(j.kind, j.level, j.figures) for j in judged] == [
        ("stale", None, {"units": 0, "stale": 0})
    ]
