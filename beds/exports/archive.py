"""The full archive: every région, hospital, unit, report, threshold change and account scope in
one JSON file, so that an operator can leave with all of their data, or move it to another
installation.

The format is documented in docs/interoperability.md. The reader lives beside the writer so the
two cannot drift; each record is validated by its serializer (`archive_records`).
`archive_restore` is the one write outside a `services.py`, one transaction that writes
nothing unless the whole file is valid and the database is empty.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, Any

from django.core.management.color import no_style
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from rest_framework import serializers

from accounts.models import ApiToken, User
from accounts.tokens import token_digest, token_expiry
from beds.exports import archive_records as rec
from beds.models import FIGURES, CapacityReport, Hospital, Unit
from regions.models import Department, Region, ThresholdChange

FORMAT = "bedwatch-archive"
FORMAT_VERSION = 1
BATCH = 1000
# Shown at most, so that a wholly wrong file does not print a million lines.
MAX_ERRORS = 50


class ArchiveError(Exception):
    """The file cannot be restored; `errors` says where and why, one line each."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors[:MAX_ERRORS]))
        self.errors = errors


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _figures(obj: Any) -> dict[str, int]:
    return {name: getattr(obj, name) for name in FIGURES}


# ---------------------------------------------------------------------------------------------
# Writing


def _regions() -> Iterator[dict]:
    for region in Region.objects.order_by("code"):
        yield {
            "code": region.code,
            "name": region.name,
            "tension_occupancy_pct": region.tension_occupancy_pct,
            "tension_available_max": region.tension_available_max,
        }


def _departments() -> Iterator[dict]:
    for department in Department.objects.order_by("code"):
        yield {"code": department.code, "name": department.name, "region": department.region_id}


def _hospitals(exported: set[str]) -> Iterator[dict]:
    for h in Hospital.objects.order_by("pk").iterator(chunk_size=BATCH):
        exported.add(h.finess)
        yield {
            "id": h.pk,
            "finess": h.finess,
            "name": h.name,
            "department": h.department_id,
            "lat": h.lat,
            "lon": h.lon,
            "address": h.address,
            "postcode": h.postcode,
            "city": h.city,
            "phone": h.phone,
            "active": h.active,
        }


def _units(hospitals: set[str], versions: dict[int, int]) -> Iterator[dict]:
    """The units of the hospitals written, noting the version of each in `versions`."""
    units = Unit.objects.select_related("hospital").order_by("pk")
    for u in units.iterator(chunk_size=BATCH):
        if u.hospital.finess not in hospitals:
            continue  # created after the hospitals were written
        versions[u.pk] = u.version
        yield {
            "id": u.pk,
            "hospital": u.hospital.finess,
            "label": u.label,
            "kind": u.kind,
            "ecmo": u.ecmo,
            **_figures(u),
            "version": u.version,
            "updated_at": _time(u.updated_at),
        }


def _reports(versions: dict[int, int]) -> Iterator[dict]:
    """The reports of the units written, up to the version written: a report accepted while
    the file is being written is left out with its unit's new figures. Reports are append-only
    and committed with their unit, so the file is consistent unit by unit without holding a
    snapshot of the whole database."""
    reports = CapacityReport.objects.select_related("reported_by").order_by("unit_id", "version")
    for r in reports.iterator(chunk_size=BATCH):
        if r.version > versions.get(r.unit_id, 0):
            continue
        yield {
            "id": r.pk,
            "unit": r.unit_id,
            "version": r.version,
            **_figures(r),
            "reported_by": r.reported_by.username if r.reported_by else None,
            "reporter_username": r.reporter_username,
            "reporter_role": r.reporter_role,
            "on_behalf": r.on_behalf,
            "observed_at": _time(r.observed_at),
            "received_at": _time(r.received_at),
            "source": r.source,
            "note": r.note,
        }


def _threshold_changes() -> Iterator[dict]:
    changes = ThresholdChange.objects.select_related("changed_by").order_by("pk")
    for c in changes.iterator(chunk_size=BATCH):
        yield {
            "region": c.region_id,
            "changed_at": _time(c.changed_at),
            "changed_by": c.changed_by.username if c.changed_by else None,
            "changed_by_username": c.changed_by_username,
            "changed_by_role": c.changed_by_role,
            "source": c.source,
            "occupancy_pct_before": c.occupancy_pct_before,
            "occupancy_pct_after": c.occupancy_pct_after,
            "available_max_before": c.available_max_before,
            "available_max_after": c.available_max_after,
        }


def _accounts(hospitals: set[str], *, credentials: bool) -> Iterator[dict]:
    users = User.objects.prefetch_related("hospitals", "regions").order_by("username")
    # Only digests: the keys themselves are not kept anywhere (accounts/tokens.py).
    tokens: dict[int, list[dict]] = {}
    for token in ApiToken.objects.order_by("created", "pk") if credentials else ():
        tokens.setdefault(token.user_id, []).append(
            {
                "digest": token.digest,
                "created": _time(token.created),
                "expires": _time(token.expires),
            }
        )
    for user in users:
        account = {
            "username": user.username,
            "role": user.role,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "is_active": user.is_active,
            "is_staff": user.is_staff,
            "is_superuser": user.is_superuser,
            "date_joined": _time(user.date_joined),
            "last_login": _time(user.last_login),
            "hospitals": sorted(h.finess for h in user.hospitals.all() if h.finess in hospitals),
            "regions": sorted(r.code for r in user.regions.all()),
            "password": user.password if credentials else None,
            "tokens": tokens.get(user.pk, []) if credentials else None,
        }
        yield account


def _write_section(fp: IO[str], name: str, records: Iterable[dict], *, last: bool) -> int:
    """One record per line, so that a diff or a `grep` of the file stays readable."""
    fp.write(f'  "{name}": [')
    count = 0
    for record in records:
        fp.write("\n    " if count == 0 else ",\n    ")
        fp.write(json.dumps(record, ensure_ascii=False, sort_keys=True))
        count += 1
    fp.write("\n  ]" if count else "]")
    fp.write("\n" if last else ",\n")
    return count


def archive_write(fp: IO[str], *, credentials: bool = False) -> dict[str, int]:
    """Write the archive to a text file; returns how many records of each kind it holds.

    Streams the history. What changes while the file is written is left out consistently:
    a hospital, unit or report created meanwhile (see `_reports`). Without `credentials`,
    password hashes and API tokens stay behind (see the docs).
    """
    counts: dict[str, int] = {}
    hospitals: set[str] = set()
    versions: dict[int, int] = {}
    with transaction.atomic():
        header = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "exported_at": timezone.now().isoformat(),
            "credentials": credentials,
        }
        fp.write("{\n")
        for key, value in header.items():
            fp.write(f"  {json.dumps(key)}: {json.dumps(value)},\n")
        counts["regions"] = _write_section(fp, "regions", _regions(), last=False)
        counts["departments"] = _write_section(fp, "departments", _departments(), last=False)
        counts["hospitals"] = _write_section(fp, "hospitals", _hospitals(hospitals), last=False)
        counts["units"] = _write_section(fp, "units", _units(hospitals, versions), last=False)
        counts["reports"] = _write_section(fp, "reports", _reports(versions), last=False)
        counts["threshold_changes"] = _write_section(
            fp, "threshold_changes", _threshold_changes(), last=False
        )
        counts["accounts"] = _write_section(
            fp, "accounts", _accounts(hospitals, credentials=credentials), last=True
        )
        fp.write("}\n")
    return counts


# ---------------------------------------------------------------------------------------------
# Reading


def _errors(where: str, detail: object) -> list[str]:
    """A serializer's errors as `where.field: message` lines (nested fields dotted)."""
    if isinstance(detail, dict):
        return [line for key, sub in detail.items() for line in _errors(f"{where}.{key}", sub)]
    if isinstance(detail, list) and detail and not isinstance(detail[0], str):
        return [line for i, sub in enumerate(detail) for line in _errors(f"{where}[{i}]", sub)]
    if isinstance(detail, list):
        return [f"{where}: {message}" for message in detail]
    return [f"{where}: {detail}"]


def _records(
    data: dict, name: str, record: type[serializers.Serializer], errors: list[str]
) -> list[dict]:
    """The valid records of one section, each with its index as `_at`; every problem of the
    others goes to `errors` with its place (`units[3].kind`)."""
    raw = data.get(name)
    if not isinstance(raw, list):
        errors.append(f"{name}: missing, or not a list of objects")
        return []
    valid = []
    for i, item in enumerate(raw):
        serializer = record(data=item)
        if not isinstance(item, dict):
            errors.append(f"{name}[{i}]: not an object")
        elif serializer.is_valid():
            valid.append({**serializer.validated_data, "_at": f"{name}[{i}]"})
        else:
            errors += _errors(f"{name}[{i}]", serializer.errors)
    return valid


def _database_is_empty() -> list[str]:
    found = {
        "hospitals": Hospital.objects.count(),
        "units": Unit.objects.count(),
        "reports": CapacityReport.objects.count(),
        "threshold changes": ThresholdChange.objects.count(),
        "accounts": User.objects.count(),
    }
    return [f"{n} {name}" for name, n in found.items() if n]


def archive_restore(data: Any) -> dict[str, int]:
    """Restore an archive into an empty database (régions and départements may exist: every
    installation has them). Ids of hospitals, units and reports are kept, so that URLs such as
    /api/v1/units/{id}/ and /fhir/Location/{id} mean the same unit afterwards.

    Each record is validated by its serializer (`archive_records`), then the records are
    checked against each other. Raises `ArchiveError` listing every problem; then nothing is
    written.
    """
    if not isinstance(data, dict):
        raise ArchiveError(["The file is not a JSON object."])
    if data.get("format") != FORMAT:
        raise ArchiveError([f"format: {data.get('format')!r} is not {FORMAT!r}."])
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise ArchiveError(
            [f"format_version: {version!r}; this Bedwatch reads version {FORMAT_VERSION}."]
        )
    leftovers = _database_is_empty()
    if leftovers:
        raise ArchiveError(
            [f"The database is not empty ({', '.join(leftovers)}): restore into a new one."]
        )
    errors: list[str] = []
    records = {
        name: _records(data, name, record, errors)
        for name, record in (
            ("regions", rec.RegionRecord),
            ("departments", rec.DepartmentRecord),
            ("hospitals", rec.HospitalRecord),
            ("units", rec.UnitRecord),
            ("reports", rec.ReportRecord),
            ("accounts", rec.AccountRecord),
        )
    }
    # Threshold changes: absent from archives written before they were audited.
    records["threshold_changes"] = (
        _records(data, "threshold_changes", rec.ThresholdChangeRecord, errors)
        if "threshold_changes" in data
        else []
    )

    def refused(at: str, message: str) -> None:
        errors.append(f"{at}: {message}")

    # Régions and départements: the file's names and thresholds win.
    regions: dict[str, Region] = {x.code: x for x in Region.objects.all()}
    for record in records["regions"]:
        record.pop("_at")
        region = regions.get(record["code"]) or Region(code=record["code"])
        for key, value in record.items():
            setattr(region, key, value)
        regions[region.code] = region
    departments: dict[str, Department] = {d.code: d for d in Department.objects.all()}
    for record in records["departments"]:
        at = record.pop("_at")
        if record["region"] not in regions:
            refused(f"{at}.region", f"no région {record['region']!r} in the file or database")
            continue
        department = departments.get(record["code"]) or Department(code=record["code"])
        department.name, department.region_id = record["name"], record["region"]
        departments[department.code] = department

    hospitals: dict[str, Hospital] = {}
    for record in records["hospitals"]:
        at = record.pop("_at")
        if record["department"] not in departments:
            refused(f"{at}.department", f"no département {record['department']!r}")
        elif record["finess"] in hospitals:
            refused(f"{at}.finess", f"{record['finess']} appears twice")
        else:
            record["department_id"] = record.pop("department")
            hospitals[record["finess"]] = Hospital(pk=record.pop("id"), **record)

    units: dict[int, Unit] = {}
    for record in records["units"]:
        at = record.pop("_at")
        finess = record.pop("hospital")
        if finess not in hospitals:
            refused(f"{at}.hospital", f"no hospital with FINESS {finess} in the file")
        elif record["id"] in units:
            refused(f"{at}.id", f"unit id {record['id']} appears twice")
        else:
            pk = record.pop("id")
            units[pk] = Unit(pk=pk, hospital=hospitals[finess], **record)

    usernames = {record["username"] for record in records["accounts"]}
    reports: list[tuple[CapacityReport, str | None]] = []
    report_ids: set[int] = set()
    latest: dict[int, CapacityReport] = {}
    for record in records["reports"]:
        at = record.pop("_at")
        reporter = record.pop("reported_by")
        if record["unit"] not in units:
            refused(f"{at}.unit", f"no unit with id {record['unit']} in the file")
            continue
        if reporter is not None and reporter not in usernames:
            refused(f"{at}.reported_by", f"no account {reporter!r} in the file")
        if record["id"] in report_ids:
            refused(f"{at}.id", f"report id {record['id']} appears twice")
            continue
        report_ids.add(record["id"])
        report = CapacityReport(pk=record.pop("id"), unit_id=record.pop("unit"), **record)
        reports.append((report, reporter))
        current = latest.get(report.unit_id)
        if current is None or report.version > current.version:
            latest[report.unit_id] = report
    # A unit's figures are those of its latest report: a file that says otherwise is corrupt.
    for unit_id, report in latest.items():
        unit = units[unit_id]
        if unit.version != report.version or unit.figures() != report.figures():
            refused(
                f"units[id={unit_id}]",
                f"version {unit.version} and its figures differ from its latest report "
                f"(version {report.version})",
            )

    changes: list[tuple[ThresholdChange, str | None]] = []
    for record in records["threshold_changes"]:
        at = record.pop("_at")
        changer = record.pop("changed_by")
        if record["region"] not in regions:
            refused(f"{at}.region", f"no région {record['region']!r}")
        if changer is not None and changer not in usernames:
            refused(f"{at}.changed_by", f"no account {changer!r} in the file")
        changes.append((ThresholdChange(region_id=record.pop("region"), **record), changer))

    accounts: list[tuple[User, list[str], list[str], dict | None]] = []
    seen: set[str] = set()
    for record in records["accounts"]:
        at = record.pop("_at")
        if record["username"] in seen:
            refused(f"{at}.username", f"{record['username']!r} appears twice")
            continue
        seen.add(record["username"])
        scope_hospitals, scope_regions = record.pop("hospitals"), record.pop("regions")
        for finess in scope_hospitals:
            if finess not in hospitals:
                refused(f"{at}.hospitals", f"no hospital with FINESS {finess!r} in the file")
        for code in scope_regions:
            if code not in regions:
                refused(f"{at}.regions", f"no région {code!r}")
        password = record.pop("password")
        # Archives written before tokens were hashed carry `token` with the key itself.
        legacy = record.pop("token", None)
        tokens = [dict(t) for t in record.pop("tokens", None) or []]
        if legacy is not None:
            tokens.append(
                {
                    "digest": token_digest(legacy["key"]),
                    "created": legacy["created"],
                    "expires": token_expiry(),
                }
            )
        user = User(**record)
        if password:
            user.password = password
        else:
            user.set_unusable_password()
        accounts.append((user, scope_hospitals, scope_regions, tokens))

    if errors:
        raise ArchiveError(errors)

    try:
        with transaction.atomic():
            for region in regions.values():
                region.save()
            for department in departments.values():
                department.save()
            Hospital.objects.bulk_create(hospitals.values(), batch_size=BATCH)
            Unit.objects.bulk_create(units.values(), batch_size=BATCH)
            users: dict[str, User] = {}
            for user, scope_hospitals, scope_regions, tokens in accounts:
                user.save()
                user.hospitals.set([hospitals[f] for f in scope_hospitals])
                user.regions.set([regions[c] for c in scope_regions])
                ApiToken.objects.bulk_create(ApiToken(user=user, **token) for token in tokens)
                users[user.username] = user
            for report, reporter in reports:
                report.reported_by = users.get(reporter) if reporter else None
            CapacityReport.objects.bulk_create([x for x, _ in reports], batch_size=BATCH)
            for change, changer in changes:
                change.changed_by = users.get(changer) if changer else None
            ThresholdChange.objects.bulk_create([x for x, _ in changes], batch_size=BATCH)
            _reset_sequences()
    except IntegrityError as exc:
        raise ArchiveError([f"The database refused the file: {exc}"]) from None
    return {
        "regions": len(regions),
        "departments": len(departments),
        "hospitals": len(hospitals),
        "units": len(units),
        "reports": len(reports),
        "threshold_changes": len(changes),
        "accounts": len(accounts),
    }


def _reset_sequences() -> None:
    """Explicit ids leave PostgreSQL's sequences behind: the next report would collide."""
    statements = connection.ops.sequence_reset_sql(
        no_style(), [Hospital, Unit, CapacityReport, User]
    )
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
