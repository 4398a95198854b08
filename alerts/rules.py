"""Pure rules of reminders and alerts: no database access (docs/alerts.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings

from alerts.models import Alert
from beds.capacity import open_beds, tension_of_totals
from beds.models import Tension


def cadence_minutes(*, region_cadence: int | None, crisis: bool) -> int:
    """How often a région's units must report: its own cadence when set, else the crisis
    default in crisis, else the normal default."""
    if region_cadence:
        return region_cadence
    if crisis:
        return settings.BEDWATCH_CRISIS_CADENCE_MINUTES
    return settings.BEDWATCH_REPORT_CADENCE_MINUTES


def overdue_since(*, updated_at: datetime | None, cadence: int) -> datetime | None:
    """When a unit's figures became overdue; None for a unit never reported (overdue since
    always)."""
    if updated_at is None:
        return None
    return updated_at + timedelta(minutes=cadence)


def in_quiet_hours(*, start: time | None, end: time | None, local: time) -> bool:
    """Whether `local` falls in [start, end); the span may wrap midnight (22:00–07:00)."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def reminder_stage_due(
    *, sent: Mapping[int, datetime], now: datetime, overdue_from: datetime | None
) -> int | None:
    """The reminder stage a unit overdue since `overdue_from` needs now, given the stages of
    this period already created (`sent`: stage → when); None if nothing is due. Each stage
    waits for the previous one, so a scheduler back after a stop catches up one stage a round
    instead of sending all three at once."""
    if overdue_from is not None and now < overdue_from:
        return None
    if 1 not in sent:
        return 1
    repeat = timedelta(minutes=settings.BEDWATCH_REMINDER_REPEAT_MINUTES)
    if 2 not in sent:
        return 2 if now >= sent[1] + repeat else None
    escalate = timedelta(minutes=settings.BEDWATCH_REMINDER_ESCALATE_MINUTES)
    if 3 not in sent:
        return 3 if now >= sent[2] + escalate else None
    return None


@dataclass(frozen=True)
class Judgement:
    """What an area's figures call for: one per (scope, scope code, kind of bed, alert kind)."""

    scope: str
    scope_code: str
    unit_kind: str
    kind: str
    level: str | None  # None: no alert (the figures are fine)
    figures: dict

    @property
    def subject(self) -> tuple[str, str, str, str]:
        return (self.scope, self.scope_code, self.unit_kind, self.kind)


# An area's figures as the alerts judge them: for each kind of bed of its units, the sums of
# the six figures, how many units (`units`) and how many of them have stale or expired figures
# (`stale`). The database sums them (`alerts.selectors.region_department_totals`).
KindTotals = Mapping[str, Mapping[str, int]]


def totals_added(parts: Iterable[KindTotals]) -> dict[str, dict[str, int]]:
    """The totals of several areas taken as one (a région's, from its départements')."""
    added: dict[str, dict[str, int]] = {}
    for part in parts:
        for unit_kind, sums in part.items():
            into = added.setdefault(unit_kind, dict.fromkeys(sums, 0))
            for name, value in sums.items():
                into[name] += value
    return added


def area_judgements(
    *,
    scope: str,
    scope_code: str,
    totals: KindTotals,
    occupancy_pct: int,
    available_max: int,
) -> list[Judgement]:
    """The tension of each kind of bed of an area (its totals, by the région's thresholds), in
    kind order, then whether too many of its units have stale or expired figures."""
    judgements = []
    for unit_kind, sums in sorted(totals.items()):
        tension = tension_of_totals(sums, occupancy_pct=occupancy_pct, available_max=available_max)
        figures = {
            "available": sums["available"],
            "open": open_beds(
                installed=sums["installed"], extra=sums["extra"], closed=sums["closed"]
            ),
            "units": sums["units"],
        }
        level = None if tension == Tension.NORMAL else tension
        judgements.append(Judgement(scope, scope_code, unit_kind, "tension", level, figures))
    units = sum(sums["units"] for sums in totals.values())
    old = sum(sums["stale"] for sums in totals.values())
    stale = bool(units) and old * 100 >= settings.BEDWATCH_ALERT_STALE_PCT * units
    judgements.append(
        Judgement(
            scope,
            scope_code,
            "",
            "stale",
            "stale" if stale else None,
            {"units": units, "stale": old},
        )
    )
    return judgements


def region_judgements(
    *,
    region_code: str,
    departments: Mapping[str, KindTotals],
    occupancy_pct: int,
    available_max: int,
) -> list[Judgement]:
    """Every judgement of a région: its own, on the sum of its départements' totals, then each
    département's in code order. `departments` maps a département's code to its totals (only
    départements with units)."""
    thresholds = {"occupancy_pct": occupancy_pct, "available_max": available_max}
    judgements = area_judgements(
        scope=Alert.Scope.REGION,
        scope_code=region_code,
        totals=totals_added(departments.values()),
        **thresholds,
    )
    for code, totals in sorted(departments.items()):
        judgements += area_judgements(
            scope=Alert.Scope.DEPARTMENT, scope_code=code, totals=totals, **thresholds
        )
    return judgements
