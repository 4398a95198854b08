"""The full archive: every région, hospital, unit, report, threshold change and account scope in
one JSON file, so that an operator can leave with all of their data, or move it to another
installation.

The format is documented in docs/interoperability.md. The reader lives beside the writer so the
two cannot drift: `archive_restore` is the one write outside a `services.py`, one transaction
that writes nothing unless the whole file is valid and the database is empty.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, Any

from django.contrib.auth.hashers import identify_hasher, is_password_usable
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import ApiToken, Role, User
from accounts.tokens import token_digest, token_expiry
from beds.capacity import figures_errors
from beds.models import FIGURES, CapacityReport, Hospital, Source, Unit, UnitKind
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


def _hospitals() -> Iterator[dict]:
    for h in Hospital.objects.order_by("pk").iterator(chunk_size=BATCH):
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


def _units() -> Iterator[dict]:
    units = Unit.objects.select_related("hospital").order_by("pk")
    for u in units.iterator(chunk_size=BATCH):
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


def _reports() -> Iterator[dict]:
    reports = CapacityReport.objects.select_related("reported_by").order_by("unit_id", "version")
    for r in reports.iterator(chunk_size=BATCH):
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


def _accounts(*, credentials: bool) -> Iterator[dict]:
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
            "hospitals": sorted(h.finess for h in user.hospitals.all()),
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

    Reads in one repeatable snapshot where the database offers it, streaming the history.
    Without `credentials`, password hashes and API tokens stay behind (see the docs).
    """
    counts: dict[str, int] = {}
    # Only a transaction of our own can be made a snapshot (not one a caller already began).
    snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if snapshot:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
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
        counts["hospitals"] = _write_section(fp, "hospitals", _hospitals(), last=False)
        counts["units"] = _write_section(fp, "units", _units(), last=False)
        counts["reports"] = _write_section(fp, "reports", _reports(), last=False)
        counts["threshold_changes"] = _write_section(
            fp, "threshold_changes", _threshold_changes(), last=False
        )
        counts["accounts"] = _write_section(
            fp, "accounts", _accounts(credentials=credentials), last=True
        )
        fp.write("}\n")
    return counts


# ---------------------------------------------------------------------------------------------
# Reading


class _Checker:
    """Collects every problem of the file with its place (`units[3].kind`) before any write."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def records(self, data: dict, name: str) -> list[dict]:
        value = data.get(name)
        if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
            self.add(name, "missing, or not a list of objects")
            return []
        return value

    def field(self, record: dict, where: str, key: str, kinds: tuple[type, ...]) -> Any:
        if key not in record:
            self.add(f"{where}.{key}", "missing")
            return None
        value = record[key]
        # bool is an int in Python, but never a valid figure or id.
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            names = " or ".join("null" if k is type(None) else k.__name__ for k in kinds)
            self.add(f"{where}.{key}", f"{value!r} is not {names}")
            return None
        return value

    def time(self, record: dict, where: str, key: str, *, null: bool) -> datetime | None:
        raw = self.field(record, where, key, (str, type(None)) if null else (str,))
        if raw is None:
            return None
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            self.add(f"{where}.{key}", f"{raw!r} is not an ISO 8601 date and time")
            return None
        if value.tzinfo is None:
            self.add(f"{where}.{key}", f"{raw!r} has no time zone offset")
            return None
        return value


def _tokens(checker: _Checker, record: dict, where: str) -> list[dict]:
    """`tokens` (digests, expiries); archives written before tokens were hashed have `token`
    with the key itself, hashed here and valid BEDWATCH_TOKEN_DAYS from now."""
    found = []
    for i, token in enumerate(record.get("tokens") or []):
        place = f"{where}.tokens[{i}]"
        if not isinstance(token, dict):
            checker.add(place, f"{token!r} is not an object")
            continue
        digest = checker.field(token, place, "digest", (str,))
        if digest is not None and not re.fullmatch(r"[0-9a-f]{64}", digest):
            checker.add(f"{place}.digest", f"{digest!r} is not a SHA-256 digest (64 hex digits)")
        created = checker.time(token, place, "created", null=False)
        expires = checker.time(token, place, "expires", null=False)
        found.append({"digest": digest, "created": created, "expires": expires})
    legacy = record.get("token")
    if isinstance(legacy, dict):
        key = checker.field(legacy, f"{where}.token", "key", (str,))
        created = checker.time(legacy, f"{where}.token", "created", null=False)
        if key:
            found.append(
                {"digest": token_digest(key), "created": created, "expires": token_expiry()}
            )
    elif legacy is not None:
        checker.add(f"{where}.token", f"{legacy!r} is not an object or null")
    return found


def _model_errors(checker: _Checker, where: str, obj: Any, exclude: list[str]) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                checker.add(f"{where}.{field}", message)


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

    Raises `ArchiveError` listing every problem; then nothing is written.
    """
    checker = _Checker()
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

    # Régions and départements: the file's thresholds and names win.
    regions: dict[str, Region] = {r.code: r for r in Region.objects.all()}
    for i, record in enumerate(checker.records(data, "regions")):
        where = f"regions[{i}]"
        code = checker.field(record, where, "code", (str,))
        name = checker.field(record, where, "name", (str,))
        pct = checker.field(record, where, "tension_occupancy_pct", (int,))
        most = checker.field(record, where, "tension_available_max", (int,))
        if None in (code, name, pct, most):
            continue
        region = regions.get(code) or Region(code=code)
        region.name, region.tension_occupancy_pct, region.tension_available_max = name, pct, most
        _model_errors(checker, where, region, [])
        regions[code] = region
    departments: dict[str, Department] = {d.code: d for d in Department.objects.all()}
    for i, record in enumerate(checker.records(data, "departments")):
        where = f"departments[{i}]"
        code = checker.field(record, where, "code", (str,))
        name = checker.field(record, where, "name", (str,))
        region_code = checker.field(record, where, "region", (str,))
        if None in (code, name, region_code):
            continue
        if region_code not in regions:
            checker.add(f"{where}.region", f"no région {region_code!r} in the file or database")
            continue
        department = departments.get(code) or Department(code=code)
        department.name, department.region_id = name, region_code
        departments[code] = department

    hospitals: dict[str, Hospital] = {}
    for i, record in enumerate(checker.records(data, "hospitals")):
        where = f"hospitals[{i}]"
        values = {
            "pk": checker.field(record, where, "id", (int,)),
            "finess": checker.field(record, where, "finess", (str,)),
            "name": checker.field(record, where, "name", (str,)),
            "department_id": checker.field(record, where, "department", (str,)),
            "lat": checker.field(record, where, "lat", (int, float)),
            "lon": checker.field(record, where, "lon", (int, float)),
            "address": checker.field(record, where, "address", (str,)),
            "postcode": checker.field(record, where, "postcode", (str,)),
            "city": checker.field(record, where, "city", (str,)),
            "phone": checker.field(record, where, "phone", (str,)),
            "active": checker.field(record, where, "active", (bool,)),
        }
        if None in values.values():
            continue
        if values["department_id"] not in departments:
            checker.add(f"{where}.department", f"no département {values['department_id']!r}")
            continue
        if values["finess"] in hospitals:
            checker.add(f"{where}.finess", f"{values['finess']} appears twice")
            continue
        hospital = Hospital(**values)
        _model_errors(checker, where, hospital, ["department"])
        hospitals[hospital.finess] = hospital

    units: dict[int, Unit] = {}
    for i, record in enumerate(checker.records(data, "units")):
        where = f"units[{i}]"
        values = {
            "pk": checker.field(record, where, "id", (int,)),
            "label": checker.field(record, where, "label", (str,)),
            "kind": checker.field(record, where, "kind", (str,)),
            "ecmo": checker.field(record, where, "ecmo", (bool,)),
            "version": checker.field(record, where, "version", (int,)),
            **{name: checker.field(record, where, name, (int,)) for name in FIGURES},
        }
        finess = checker.field(record, where, "hospital", (str,))
        updated_at = checker.time(record, where, "updated_at", null=True)
        if None in values.values() or finess is None:
            continue
        if finess not in hospitals:
            checker.add(f"{where}.hospital", f"no hospital with FINESS {finess} in the file")
            continue
        if values["kind"] not in UnitKind.values:
            checker.add(f"{where}.kind", f"unknown kind {values['kind']!r}")
            continue
        for field, message in figures_errors({n: values[n] for n in FIGURES}).items():
            checker.add(f"{where}.{field}", message)
        if values["pk"] in units:
            checker.add(f"{where}.id", f"unit id {values['pk']} appears twice")
            continue
        unit = Unit(hospital=hospitals[finess], updated_at=updated_at, **values)
        _model_errors(checker, where, unit, ["hospital"])
        units[unit.pk] = unit

    raw_accounts = data.get("accounts")
    usernames = {
        record["username"]
        for record in (raw_accounts if isinstance(raw_accounts, list) else [])
        if isinstance(record, dict) and isinstance(record.get("username"), str)
    }

    reports: list[CapacityReport] = []
    report_ids: set[int] = set()
    latest: dict[int, CapacityReport] = {}
    for i, record in enumerate(checker.records(data, "reports")):
        where = f"reports[{i}]"
        values = {
            "pk": checker.field(record, where, "id", (int,)),
            "unit_id": checker.field(record, where, "unit", (int,)),
            "version": checker.field(record, where, "version", (int,)),
            "reporter_username": checker.field(record, where, "reporter_username", (str,)),
            "reporter_role": checker.field(record, where, "reporter_role", (str,)),
            "on_behalf": checker.field(record, where, "on_behalf", (bool,)),
            "source": checker.field(record, where, "source", (str,)),
            "note": checker.field(record, where, "note", (str,)),
            "observed_at": checker.time(record, where, "observed_at", null=False),
            "received_at": checker.time(record, where, "received_at", null=False),
            **{name: checker.field(record, where, name, (int,)) for name in FIGURES},
        }
        reporter = checker.field(record, where, "reported_by", (str, type(None)))
        if None in values.values():
            continue
        if values["unit_id"] not in units:
            checker.add(f"{where}.unit", f"no unit with id {values['unit_id']} in the file")
            continue
        if values["source"] not in Source.values:
            checker.add(f"{where}.source", f"unknown source {values['source']!r}")
        if reporter is not None and reporter not in usernames:
            checker.add(f"{where}.reported_by", f"no account {reporter!r} in the file")
        for field, message in figures_errors({n: values[n] for n in FIGURES}).items():
            checker.add(f"{where}.{field}", message)
        if values["pk"] in report_ids:
            checker.add(f"{where}.id", f"report id {values['pk']} appears twice")
            continue
        report_ids.add(values["pk"])
        report = CapacityReport(**values)
        report._reporter = reporter  # resolved to an account once accounts exist
        reports.append(report)
        current = latest.get(report.unit_id)
        if current is None or report.version > current.version:
            latest[report.unit_id] = report
    # A unit's figures are those of its latest report: a file that says otherwise is corrupt.
    for unit_id, report in latest.items():
        unit = units[unit_id]
        if unit.version != report.version or _figures(unit) != _figures(report):
            checker.add(
                f"units[id={unit_id}]",
                f"version {unit.version} and its figures differ from its latest report "
                f"(version {report.version})",
            )

    # Threshold changes: absent from archives written before they were audited.
    changes: list[ThresholdChange] = []
    change_records = (
        checker.records(data, "threshold_changes") if "threshold_changes" in data else []
    )
    for i, record in enumerate(change_records):
        where = f"threshold_changes[{i}]"
        values = {
            "region_id": checker.field(record, where, "region", (str,)),
            "changed_at": checker.time(record, where, "changed_at", null=False),
            "changed_by_username": checker.field(record, where, "changed_by_username", (str,)),
            "changed_by_role": checker.field(record, where, "changed_by_role", (str,)),
            "source": checker.field(record, where, "source", (str,)),
            **{
                name: checker.field(record, where, name, (int,))
                for name in (
                    "occupancy_pct_before",
                    "occupancy_pct_after",
                    "available_max_before",
                    "available_max_after",
                )
            },
        }
        changer = checker.field(record, where, "changed_by", (str, type(None)))
        if None in values.values():
            continue
        if values["region_id"] not in regions:
            checker.add(f"{where}.region", f"no région {values['region_id']!r}")
        if values["source"] not in ThresholdChange.Source.values:
            checker.add(f"{where}.source", f"unknown source {values['source']!r}")
        if changer is not None and changer not in usernames:
            checker.add(f"{where}.changed_by", f"no account {changer!r} in the file")
        change = ThresholdChange(**values)
        _model_errors(checker, where, change, ["region", "changed_by"])
        change._changer = changer  # resolved to an account once accounts exist
        changes.append(change)

    accounts: list[tuple[User, list[str], list[str], dict | None]] = []
    seen_usernames: set[str] = set()
    for i, record in enumerate(checker.records(data, "accounts")):
        where = f"accounts[{i}]"
        values = {
            "username": checker.field(record, where, "username", (str,)),
            "role": checker.field(record, where, "role", (str,)),
            "first_name": checker.field(record, where, "first_name", (str,)),
            "last_name": checker.field(record, where, "last_name", (str,)),
            "email": checker.field(record, where, "email", (str,)),
            "is_active": checker.field(record, where, "is_active", (bool,)),
            "is_staff": checker.field(record, where, "is_staff", (bool,)),
            "is_superuser": checker.field(record, where, "is_superuser", (bool,)),
            "date_joined": checker.time(record, where, "date_joined", null=False),
        }
        last_login = checker.time(record, where, "last_login", null=True)
        scope_hospitals = checker.field(record, where, "hospitals", (list,)) or []
        scope_regions = checker.field(record, where, "regions", (list,)) or []
        password = checker.field(record, where, "password", (str, type(None)))
        tokens = _tokens(checker, record, where)
        if None in values.values():
            continue
        if values["username"] in seen_usernames:
            checker.add(f"{where}.username", f"{values['username']!r} appears twice")
            continue
        seen_usernames.add(values["username"])
        if values["role"] not in Role.values:
            checker.add(f"{where}.role", f"unknown role {values['role']!r}")
        for finess in scope_hospitals:
            if finess not in hospitals:
                checker.add(f"{where}.hospitals", f"no hospital with FINESS {finess!r} in the file")
        for code in scope_regions:
            if code not in regions:
                checker.add(f"{where}.regions", f"no région {code!r}")
        user = User(last_login=last_login, **values)
        if password:
            # Machine accounts have an unusable password ("!…"): kept as such.
            if is_password_usable(password):
                try:
                    identify_hasher(password)
                except ValueError:
                    checker.add(f"{where}.password", "not a password hash this installation knows")
            user.password = password
        else:
            user.set_unusable_password()
        _model_errors(checker, where, user, ["password"])
        accounts.append((user, scope_hospitals, scope_regions, tokens))

    if checker.errors:
        raise ArchiveError(checker.errors)

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
            for report in reports:
                report.reported_by = users.get(report._reporter) if report._reporter else None
            CapacityReport.objects.bulk_create(reports, batch_size=BATCH)
            for change in changes:
                change.changed_by = users.get(change._changer) if change._changer else None
            ThresholdChange.objects.bulk_create(changes, batch_size=BATCH)
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
