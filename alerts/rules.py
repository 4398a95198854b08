"""Pure rules of reminders and alerts: no database access (docs/alerts.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings

from beds.capacity import open_beds, tension_of_totals
from beds.models import FIGURES, Freshness, Tension


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


def area_judgements(
    *,
    scope: str,
    scope_code: str,
    units: Iterable[Mapping],
    occupancy_pct: int,
    available_max: int,
    freshness: Mapping[int, str],
) -> list[Judgement]:
    """The tension of each kind of bed of an area's units (their totals, by the région's
    thresholds) and whether too many of its units have old figures. `units` are mappings with
    `id`, `kind` and the figures; `freshness` maps unit id to its freshness."""
    units = list(units)
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
        judgements.append(Judgement(scope, scope_code, unit_kind, "tension", level, figures))
    old = sum(1 for u in units if freshness.get(u["id"]) in (Freshness.STALE, Freshness.EXPIRED))
    stale = bool(units) and old * 100 >= settings.BEDWATCH_ALERT_STALE_PCT * len(units)
    judgements.append(
        Judgement(
            scope,
            scope_code,
            "",
            "stale",
            "stale" if stale else None,
            {"units": len(units), "stale": old},
        )
    )
    return judgements
