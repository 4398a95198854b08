"""The only code that writes capacity data. Each function is one transaction and tells the
live feed after it commits."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.scopes import role_of
from beds import events
from beds.capacity import figures_errors
from beds.importer import HospitalRecord
from beds.models import FIGURES, CapacityReport, Hospital, Source, Unit
from beds.scopes import unit_report_is_on_behalf
from config.text import control_character, describe
from regions.models import Department

# Clocks of hospital systems drift: accept an observation time this far in the future.
CLOCK_SKEW = timedelta(minutes=5)


class VersionConflict(Exception):
    """The reporter saw an older version of the unit than the current one."""

    def __init__(self, unit: Unit) -> None:
        super().__init__(f"unit {unit.pk} is at version {unit.version}")
        self.unit = unit


def unit_report_create(
    *,
    unit_id: int,
    user: User | None,
    figures: Mapping[str, int],
    source: str,
    version: int | None = None,
    note: str = "",
    observed_at: datetime | None = None,
    now: datetime | None = None,
) -> CapacityReport:
    """Record a report and make its figures the unit's current ones.

    `now` is when Bedwatch received it (`received_at`), the clock's time unless given: only
    the demo seeding gives it, to lay out a past day as if it had been reported live.

    `version` is the unit version the reporter saw: when given and no longer current, nothing
    is written and `VersionConflict` carries the current unit. Broken invariants raise
    `ValidationError` keyed by field. Access checks are the caller's. The report's `unit` is
    the unit as committed, with its hospital, département and région.
    """
    errors = figures_errors(figures)
    now = now or timezone.now()
    observed_at = observed_at or now
    if observed_at > now + CLOCK_SKEW:
        errors["observed_at"] = _("The observation time is in the future.")
    if source not in Source.values:
        errors["source"] = _("Unknown source “%(source)s”.") % {"source": source}
    if len(note) > 500:
        errors["note"] = _("The note is longer than 500 characters.")
    elif (char := control_character(note, multiline=True)) is not None:
        errors["note"] = _(
            "Control character %(char)s is not allowed in a note: use printable text, tabs and "
            "line breaks."
        ) % {"char": describe(char)}
    if errors:
        raise ValidationError({k: [v] for k, v in errors.items()})
    values = {name: int(figures[name]) for name in FIGURES}

    with transaction.atomic():
        unit = _unit_locked(unit_id)
        if version is not None and version != unit.version:
            raise VersionConflict(unit)
        new_version = unit.version + 1
        report = CapacityReport(
            unit=unit,
            version=new_version,
            reported_by=user,
            reporter_username=user.get_username() if user else "",
            reporter_role=(role_of(user) or "") if user else "",
            on_behalf=bool(user) and unit_report_is_on_behalf(user, unit),
            observed_at=observed_at,
            received_at=now,
            source=source,
            note=note,
            **values,
        )
        if not _unit_and_report_written(unit, report, values, observed_at):
            unit.refresh_from_db()
            raise VersionConflict(unit)
        # `unit` now holds what was written, as a fresh read would return it (UTC).
        for name, value in values.items():
            setattr(unit, name, value)
        unit.version = new_version
        unit.updated_at = observed_at.astimezone(UTC)
        transaction.on_commit(lambda: events.units_changed(units=[unit]))
    return report


def _unit_and_report_written(
    unit: Unit, report: CapacityReport, values: Mapping[str, int], observed_at: datetime
) -> bool:
    """Make `values` the unit's figures at `report.version` and store `report`; False if the
    unit is no longer at the version read (nothing written then).

    The version guard makes concurrent writers safe even where row locks are not real (SQLite
    ignores `select_for_update`). The report is stored only if the unit's row was updated.
    """
    written = Unit.objects.filter(pk=unit.pk, version=unit.version).update(
        **values, version=report.version, updated_at=observed_at
    )
    if written:
        report.save(force_insert=True)
    return bool(written)


def _unit_locked(unit_id: int) -> Unit:
    """The unit with its row locked until commit, and its hospital, département and région (so
    the caller's answer and the live event are built without reading it again). Only the
    unit's row is locked."""
    return (
        Unit.objects.select_for_update(of=("self",))
        .select_related("hospital__department__region")
        .get(pk=unit_id)
    )


def hospital_upsert(*, finess: str, defaults: Mapping[str, object]) -> tuple[Hospital, bool]:
    """Create or update a hospital by FINESS, validating it first."""
    hospital = Hospital.objects.filter(finess=finess).first()
    created = hospital is None
    if hospital is None:
        hospital = Hospital(finess=finess)
    for key, value in defaults.items():
        setattr(hospital, key, value)
    hospital.full_clean(validate_unique=created)
    hospital.save()
    return hospital, created


def unit_get_or_create(*, hospital: Hospital, label: str, kind: str, ecmo: bool = False) -> Unit:
    unit = Unit.objects.filter(hospital=hospital, label=label).first()
    if unit is None:
        unit = Unit(hospital=hospital, label=label, kind=kind, ecmo=ecmo)
        unit.full_clean()
        unit.save()
    return unit


@dataclass
class HospitalsImported:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


class ImportRefused(Exception):
    """`strict` import with at least one bad record: nothing was written."""

    def __init__(self, rejected: list[tuple[int, str]]) -> None:
        super().__init__(f"{len(rejected)} rejected record(s)")
        self.rejected = rejected


IMPORTED_FIELDS = ("name", "department", "lat", "lon", "address", "postcode", "city")


def hospitals_import(
    *,
    records: Sequence[HospitalRecord],
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
) -> HospitalsImported:
    """Upsert hospitals by FINESS in one transaction; running it twice changes nothing.

    A record that fails the model's rules is rejected (with its line); with `strict`, any
    rejection raises `ImportRefused` before anything is written. The admissions phone is only
    filled where a hospital has none: the file's number is the switchboard, and an operator's
    better number must survive a re-import. `active` is left as it is.
    """
    departments = set(Department.objects.values_list("code", flat=True))
    existing = Hospital.objects.in_bulk([r.finess for r in records], field_name="finess")
    result = HospitalsImported()
    to_create: list[Hospital] = []
    to_update: list[Hospital] = []
    for done, record in enumerate(records, start=1):
        if progress and done % 100 == 0:
            progress(done)
        if record.department not in departments:
            result.rejected.append(
                (record.line, _("Unknown département %(code)s.") % {"code": record.department})
            )
            continue
        values = {
            "name": record.name,
            "department_id": record.department,
            "lat": record.lat,
            "lon": record.lon,
            "address": record.address,
            "postcode": record.postcode,
            "city": record.city,
        }
        hospital = existing.get(record.finess)
        if hospital is None:
            hospital = Hospital(finess=record.finess, phone=record.phone, **values)
        elif all(getattr(hospital, k) == v for k, v in values.items()) and (
            hospital.phone or not record.phone
        ):
            result.unchanged += 1
            continue
        else:
            for key, value in values.items():
                setattr(hospital, key, value)
            hospital.phone = hospital.phone or record.phone
        try:
            # The département was checked above; the FINESS is unique by construction.
            hospital.full_clean(exclude=["department"], validate_unique=False)
        except ValidationError as exc:
            reasons = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            result.rejected.append((record.line, reasons))
            continue
        (to_create if hospital.pk is None else to_update).append(hospital)
    if progress:
        progress(len(records))
    if strict and result.rejected:
        raise ImportRefused(result.rejected)
    with transaction.atomic():
        Hospital.objects.bulk_create(to_create, batch_size=500)
        Hospital.objects.bulk_update(to_update, [*IMPORTED_FIELDS, "phone"], batch_size=500)
    result.created, result.updated = len(to_create), len(to_update)
    if to_create or to_update:
        hospital_statistics_refresh()
    return result


def hospital_statistics_refresh() -> None:
    """Refresh the planner's statistics of the hospital and unit tables after a bulk change:
    without them, right after an import, PostgreSQL plans the near search as a nested loop
    (90 ms instead of 0.7 ms, docs/performance.md) until autovacuum gets there.

    Raw SQL: the ORM has no statement for ANALYZE. One table per statement, the form PostgreSQL
    and SQLite both accept.
    """
    with connection.cursor() as cursor:
        for model in (Hospital, Unit):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
