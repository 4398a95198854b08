"""Pure rules of capacity figures: invariants, freshness, tension. No database access."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from beds.models import FIGURE_MAX, FIGURES, Freshness, Tension


def figures_errors(figures: Mapping[str, object]) -> dict[str, str]:
    """Every broken rule of a set of figures, by field name; empty when they are acceptable.

    Expects all six figures; the messages name the value and what would be accepted.
    """
    errors: dict[str, str] = {}
    for name in FIGURES:
        value = figures.get(name)
        if value is None:
            errors[name] = _("This figure is required.")
        elif isinstance(value, bool) or not isinstance(value, int):
            errors[name] = _("“%(value)s” is not a whole number.") % {"value": value}
        elif value < 0 or value > FIGURE_MAX:
            errors[name] = _("%(value)s is out of range: use a whole number from 0 to %(max)s.") % {
                "value": value,
                "max": FIGURE_MAX,
            }
    if errors:
        return errors
    f = {name: int(figures[name]) for name in FIGURES}  # type: ignore[call-overload]
    capacity = f["installed"] + f["extra"]
    if capacity > 0 and f["closed"] >= capacity and f["available"] > 0:
        errors["available"] = _(
            "Every bed is closed (%(closed)s closed of %(capacity)s): available must be 0."
        ) % {"closed": f["closed"], "capacity": capacity}
        return errors
    used = f["available"] + f["occupied"] + f["reserved"] + f["closed"]
    if used > capacity:
        errors["available"] = _(
            "Too many beds: available, occupied, reserved and closed add up to %(used)s, but "
            "the unit has %(capacity)s (installed + extra)."
        ) % {"used": used, "capacity": capacity}
    return errors


def freshness_of(updated_at: datetime | None, *, now: datetime) -> str:
    if updated_at is None:
        return Freshness.EXPIRED
    age = now - updated_at
    if age < timedelta(hours=settings.BEDWATCH_FRESH_HOURS):
        return Freshness.FRESH
    if age < timedelta(hours=settings.BEDWATCH_AGEING_HOURS):
        return Freshness.AGEING
    if age <= timedelta(hours=settings.BEDWATCH_STALE_HOURS):
        return Freshness.STALE
    return Freshness.EXPIRED


def _freshness_limits(now: datetime) -> tuple[datetime, datetime, datetime]:
    """The oldest `updated_at` still fresh, ageing and stale at `now` (the first two exclusive)."""
    return (
        now - timedelta(hours=settings.BEDWATCH_FRESH_HOURS),
        now - timedelta(hours=settings.BEDWATCH_AGEING_HOURS),
        now - timedelta(hours=settings.BEDWATCH_STALE_HOURS),
    )


def freshness_judge(*, now: datetime) -> Callable[[datetime | None], str]:
    """`freshness_of` at one `now` for many units: the limits are computed once.
    now - updated_at < N hours  ⟺  updated_at > now - N hours."""
    fresh, ageing, stale = _freshness_limits(now)

    def judge(updated_at: datetime | None) -> str:
        if updated_at is None:
            return Freshness.EXPIRED
        if updated_at > fresh:
            return Freshness.FRESH
        if updated_at > ageing:
            return Freshness.AGEING
        if updated_at >= stale:
            return Freshness.STALE
        return Freshness.EXPIRED

    return judge


def freshness_bounds(freshness: str, *, now: datetime) -> tuple[datetime | None, datetime | None]:
    """The (oldest, newest) `updated_at` that has this freshness; None is open-ended.

    `expired` also covers units never reported, which callers must add themselves.
    """
    fresh, ageing, stale = _freshness_limits(now)
    return {
        Freshness.FRESH: (fresh, None),
        Freshness.AGEING: (ageing, fresh),
        Freshness.STALE: (stale, ageing),
        Freshness.EXPIRED: (None, stale),
    }[Freshness(freshness)]


def open_beds(*, installed: int, extra: int, closed: int) -> int:
    """Beds that can take a patient: installed and extra, less those closed (never below 0)."""
    return max(installed + extra - closed, 0)


def tension_of(
    *,
    available: int,
    occupied: int,
    installed: int,
    extra: int,
    closed: int,
    occupancy_pct: int,
    available_max: int,
) -> str:
    """`saturated` with no bed available; `tension` when occupancy of the open beds reaches
    `occupancy_pct` or few beds are left; otherwise `normal`."""
    if available <= 0:
        return Tension.SATURATED
    beds = open_beds(installed=installed, extra=extra, closed=closed)
    if available <= available_max:
        return Tension.TENSION
    if beds and occupied * 100 >= occupancy_pct * beds:
        return Tension.TENSION
    return Tension.NORMAL


def tension_of_totals(figures: Mapping[str, int], *, occupancy_pct: int, available_max: int) -> str:
    """`tension_of` for figures held by name: a unit as the API shows it, or totals of a kind."""
    return tension_of(
        available=figures["available"],
        occupied=figures["occupied"],
        installed=figures["installed"],
        extra=figures["extra"],
        closed=figures["closed"],
        occupancy_pct=occupancy_pct,
        available_max=available_max,
    )


# A figure "jumps" when it moves by at least JUMP_MIN_BEDS beds AND by at least half of the
# larger of the two values: 2 → 14 or 10 → 4 jump; 20 → 25 or 1 → 3 do not. Both conditions
# together keep small units (0 → 2) and large steady ones (40 → 45) quiet while catching an
# extra digit or a swapped field, the usual slips at 3 a.m.
JUMP_MIN_BEDS = 5


def figures_jumps(previous: Mapping[str, int], new: Mapping[str, int]) -> list[str]:
    """The figures that change sharply from `previous` to `new`, in FIGURES order."""
    jumps = []
    for name in FIGURES:
        old, value = int(previous[name]), int(new[name])
        change = abs(value - old)
        if change >= JUMP_MIN_BEDS and change * 2 >= max(old, value):
            jumps.append(name)
    return jumps
