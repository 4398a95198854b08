"""Reads of reminders and alerts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, F, Max, Q, QuerySet, Sum

from accounts.models import Role, User
from alerts import rules
from alerts.models import Alert, Reminder, ReminderSettings
from beds.capacity import freshness_bounds
from beds.models import FIGURES, CapacityReport, Freshness, Unit, UnitKind
from regions.models import Department, Region


@dataclass
class Overdue:
    unit: Unit
    cadence: int  # minutes
    overdue_from: datetime | None  # None: never reported


def overdue_units(*, now: datetime) -> list[Overdue]:
    """Units of active hospitals whose figures are older than their région's cadence, with
    their hospital, département and région."""
    regions = list(Region.objects.only("code", "reporting_cadence_minutes", "crisis"))
    cadences = {
        r.code: rules.cadence_minutes(region_cadence=r.reporting_cadence_minutes, crisis=r.crisis)
        for r in regions
    }
    shortest = min(cadences.values(), default=settings.BEDWATCH_REPORT_CADENCE_MINUTES)
    candidates = (
        Unit.objects.filter(hospital__active=True)
        .filter(Q(updated_at__isnull=True) | Q(updated_at__lt=now - timedelta(minutes=shortest)))
        .select_related("hospital__department__region")
        .order_by("pk")
    )
    found = []
    for unit in candidates:
        cadence = cadences[unit.hospital.department.region_id]
        since = rules.overdue_since(updated_at=unit.updated_at, cadence=cadence)
        if since is None or since <= now:
            found.append(Overdue(unit=unit, cadence=cadence, overdue_from=since))
    return found


def reminders_of_periods(units: Iterable[Unit]) -> dict[int, dict[int, datetime]]:
    """The reminder stages already created for each unit's current overdue period: unit id →
    stage → when."""
    units = list(units)
    wanted = Q(pk__in=[])
    for unit in units:
        wanted |= Q(unit_id=unit.pk, unit_version=unit.version)
    found: dict[int, dict[int, datetime]] = defaultdict(dict)
    if units:
        for reminder in Reminder.objects.filter(wanted).only("unit_id", "stage", "created_at"):
            found[reminder.unit_id][reminder.stage] = reminder.created_at
    return found


def reminder_settings_of(hospital_ids: Iterable[int]) -> dict[int, ReminderSettings]:
    return {
        s.hospital_id: s
        for s in ReminderSettings.objects.filter(hospital_id__in=list(hospital_ids))
    }


def _reachable(users: QuerySet[User]) -> QuerySet[User]:
    return users.filter(is_active=True).exclude(email="")


def hospital_recipients(hospital_ids: Iterable[int]) -> dict[int, list[User]]:
    """Who is reminded of each hospital's units: its chosen people, else all its staff; only
    active staff accounts of that hospital with an email address."""
    hospital_ids = list(hospital_ids)
    chosen = {
        s.hospital_id: {u.pk for u in s.recipients.all()}
        for s in ReminderSettings.objects.filter(hospital_id__in=hospital_ids).prefetch_related(
            "recipients"
        )
    }
    staff = _reachable(User.objects.filter(role=Role.STAFF, hospitals__in=hospital_ids))
    found: dict[int, list[User]] = defaultdict(list)
    through = User.hospitals.through.objects.filter(hospital_id__in=hospital_ids)
    users = {u.pk: u for u in staff.distinct()}
    for row in through.values_list("hospital_id", "user_id"):
        hospital_id, user_id = row
        if user_id in users and (not chosen.get(hospital_id) or user_id in chosen[hospital_id]):
            found[hospital_id].append(users[user_id])
    return found


def region_coordinators(region_codes: Iterable[str]) -> dict[str, list[User]]:
    """Active coordinators of each région with an email address."""
    region_codes = list(region_codes)
    users = {
        u.pk: u
        for u in _reachable(
            User.objects.filter(role=Role.COORDINATOR, regions__in=region_codes)
        ).distinct()
    }
    found: dict[str, list[User]] = defaultdict(list)
    through = User.regions.through.objects.filter(region_id__in=region_codes)
    for region_id, user_id in through.values_list("region_id", "user_id"):
        if user_id in users:
            found[region_id].append(users[user_id])
    return found


def newest_report_id() -> int:
    """The id of the newest stored report (0 when none): where the alerts' sweep starts."""
    return CapacityReport.objects.aggregate(newest=Max("pk"))["newest"] or 0


def regions_reported_after(*, report_id: int) -> dict[str, int]:
    """The régions whose units received a report stored after `report_id` (the history's ids
    only grow), each with the id of its newest such report."""
    rows = (
        CapacityReport.objects.filter(pk__gt=report_id)
        .values(region=F("unit__hospital__department__region_id"))
        .annotate(newest=Max("pk"))
        .order_by()
    )
    return {row["region"]: row["newest"] for row in rows}


def region_department_totals(*, region_code: str, now: datetime) -> dict[str, dict]:
    """The totals the alerts judge (`rules.KindTotals`) of each département of a région, of
    its active hospitals' units, summed by the database in one query: département → kind of
    bed → the six figures, `units`, and `stale` (units whose figures are stale or expired at
    `now`, as `beds.capacity.freshness_of` says, or were never reported). Départements without
    units are left out."""
    _oldest, newest_stale = freshness_bounds(Freshness.STALE, now=now)
    rows = (
        Unit.objects.filter(hospital__active=True, hospital__department__region_id=region_code)
        .values("kind", department=F("hospital__department_id"))
        .annotate(
            units_count=Count("pk"),
            stale_count=Count(
                "pk", filter=Q(updated_at__isnull=True) | Q(updated_at__lte=newest_stale)
            ),
            **{f"{name}_sum": Sum(name) for name in FIGURES},
        )
        .order_by()
    )
    totals: dict[str, dict] = defaultdict(dict)
    for row in rows:
        totals[row["department"]][row["kind"]] = {
            **{name: row[f"{name}_sum"] for name in FIGURES},
            "units": row["units_count"],
            "stale": row["stale_count"],
        }
    return dict(totals)


def region_alerts(*, region: Region, state: str | None = None) -> QuerySet[Alert]:
    """The région's alerts, unresolved first then newest first; `state` filters."""
    alerts = Alert.objects.filter(region=region)
    if state:
        alerts = alerts.filter(state=state)
    return alerts.order_by("resolved_at", "-opened_at", "-id")


def region_unresolved_alert_levels(*, region_code: str) -> dict[tuple, tuple[int, str]]:
    """The région's unresolved alerts as (scope, scope code, kind of bed, kind) → (id, level),
    newest first: what judging needs to tell whether anything changes."""
    return {
        (scope, scope_code, unit_kind, kind): (pk, level)
        for pk, scope, scope_code, unit_kind, kind, level in Alert.objects.filter(
            region_id=region_code, resolved_at__isnull=True
        )
        .order_by("-opened_at", "-id")
        .values_list("pk", "scope", "scope_code", "unit_kind", "kind", "level")
    }


def region_alerts_unresolved(*, region: Region) -> QuerySet[Alert]:
    return Alert.objects.filter(region=region, resolved_at__isnull=True).order_by(
        "-opened_at", "-id"
    )


def _scope_names(alerts: Iterable[Alert]) -> dict[tuple[str, str], str]:
    alerts = list(alerts)
    names = {}
    deps = {a.scope_code for a in alerts if a.scope == Alert.Scope.DEPARTMENT}
    for d in Department.objects.filter(code__in=deps):
        names[(Alert.Scope.DEPARTMENT, d.code)] = d.name
    regs = {a.scope_code for a in alerts if a.scope == Alert.Scope.REGION}
    for r in Region.objects.filter(code__in=regs):
        names[(Alert.Scope.REGION, r.code)] = r.name
    return names


def alerts_to_dicts(alerts: Iterable[Alert]) -> list[dict]:
    alerts = list(alerts)
    names = _scope_names(alerts)
    return [alert_to_dict(a, scope_name=names.get((a.scope, a.scope_code), "")) for a in alerts]


def alert_to_dict(alert: Alert, *, scope_name: str = "") -> dict:
    """An alert as the API and the live feed show it (docs/alerts.md)."""
    return {
        "id": alert.pk,
        "region": alert.region_id,
        "kind": alert.kind,
        "level": alert.level,
        "scope": alert.scope,
        "scope_code": alert.scope_code,
        "scope_name": scope_name,
        "unit_kind": alert.unit_kind or None,
        "state": alert.state,
        "figures": alert.figures,
        "opened_at": alert.opened_at.isoformat(),
        "acknowledged_by": alert.acknowledged_by_username or None,
        "acknowledged_at": alert.acknowledged_at.isoformat() if alert.acknowledged_at else None,
        "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None,
    }


def unit_kind_label(value: str) -> str:
    return UnitKind(value).label if value in UnitKind.values else value


def alerts_for_page(alerts: list[Alert]) -> list[dict]:
    """`alerts_to_dicts` with what templates need besides: datetimes and the bed kind's label
    in the current language."""
    rows = alerts_to_dicts(alerts)
    for row, alert in zip(rows, alerts, strict=True):
        row["unit_kind_label"] = unit_kind_label(row["unit_kind"] or "")
        row["opened_at_time"] = alert.opened_at
        row["acknowledged_at_time"] = alert.acknowledged_at
        row["resolved_at_time"] = alert.resolved_at
    return rows
