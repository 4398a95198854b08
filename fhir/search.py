"""Search parameters, parsed and checked: an unknown parameter or a bad value is an error that
names it, never silently ignored (the CapabilityStatement lists what is known)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from fhir import terminology as t
from fhir.builders import Issue
from fhir.capability import RESOURCES
from fhir.parsing import FHIRInputError

DEFAULT_COUNT = 200
MAX_COUNT = 1000
# Parameters every search takes besides its resource's own.
GENERAL = {"_count", "_page", "_include", "_revinclude", "_format"}
_DATE = re.compile(
    r"^(?P<prefix>eq|gt|ge|lt|le|ne|sa|eb|ap)?"
    r"(?P<value>\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?)?)?)$"
)
FINESS_RE = re.compile(r"^(\d{2}|2A|2B)\d{7}$")
UNIT_ID_RE = re.compile(r"^[0-9]{1,9}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class Search:
    resource: str
    ids: list[str] | None = None
    identifiers: list[str] | None = None
    regions: list[str] | None = None
    updated: list[tuple[str, datetime]] = field(default_factory=list)
    count: int | None = DEFAULT_COUNT
    page: int = 1
    include: list[str] = field(default_factory=list)
    revinclude: list[str] = field(default_factory=list)
    region: str | None = None  # the export's ?region=


def _values(params: dict[str, list[str]], name: str) -> list[str]:
    return [v.strip() for raw in params.get(name, []) for v in raw.split(",") if v.strip()]


def _token(value: str, system: str, name: str, issues: list[Issue]) -> str | None:
    if "|" in value:
        given, code = value.split("|", 1)
        if given and given != system:
            issues.append(Issue("value", f"{name}: system {given!r} is not {system}.", f"{name}"))
            return None
        return code
    return value


def _range(raw: str) -> tuple[datetime, datetime] | None:
    """The instants a date of some precision covers: [start, end)."""
    parts = re.match(r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(.*))?)?)?$", raw)
    if parts is None:
        return None
    year, month, day, time = parts.groups()
    try:
        if time is not None:
            start = datetime.fromisoformat(f"{year}-{month}-{day}T{time}".replace("Z", "+00:00"))
            if start.tzinfo is None:
                start = start.replace(tzinfo=UTC)
            step = timedelta(seconds=1) if time.count(":") >= 2 else timedelta(minutes=1)
            return start, start + step
        if day is not None:
            start = datetime(int(year), int(month), int(day), tzinfo=UTC)
            return start, start + timedelta(days=1)
        if month is not None:
            start = datetime(int(year), int(month), 1, tzinfo=UTC)
            end = datetime(int(year) + (int(month) == 12), int(month) % 12 + 1, 1, tzinfo=UTC)
            return start, end
        start = datetime(int(year), 1, 1, tzinfo=UTC)
        return start, datetime(int(year) + 1, 1, 1, tzinfo=UTC)
    except (ValueError, OverflowError):
        return None


def _last_updated(value: str, issues: list[Issue]) -> list[tuple[str, datetime]]:
    match = _DATE.match(value)
    bounds = _range(match.group("value")) if match else None
    if match is None or bounds is None:
        issues.append(
            Issue(
                "value",
                f"_lastUpdated {value!r} is not a date with an optional prefix, e.g. "
                "ge2026-11-29 or lt2026-11-29T08:30:00+01:00.",
                "_lastUpdated",
            )
        )
        return []
    prefix = match.group("prefix") or "eq"
    start, end = bounds
    if prefix == "gt":
        return [("ge", end)]
    if prefix == "ge":
        return [("ge", start)]
    if prefix == "lt":
        return [("lt", start)]
    if prefix == "le":
        return [("lt", end)]
    if prefix == "eq":
        return [("ge", start), ("lt", end)]
    issues.append(
        Issue(
            "not-supported",
            f"_lastUpdated prefix {prefix!r}: use eq, gt, ge, lt or le.",
            "_lastUpdated",
        )
    )
    return []


def _number(params: dict, name: str, low: int, high: int, issues: list[Issue]) -> int | None:
    values = params.get(name, [])
    if not values:
        return None
    raw = values[-1].strip()
    if not re.fullmatch(r"[0-9]{1,7}", raw) or not low <= int(raw) <= high:
        issues.append(
            Issue("value", f"{name} {raw!r} is not a whole number from {low} to {high}.", name)
        )
        return None
    return int(raw)


def parse(
    resource: str,
    params: dict[str, list[str]],
    *,
    extra: frozenset[str] = frozenset(),
    default_count: int | None = DEFAULT_COUNT,
) -> Search:
    """Parse a search on `resource`; `extra` names further parameters the caller handles."""
    spec = RESOURCES[resource]
    known = GENERAL | {name for name, _kind, _doc in spec["search"]} | extra
    issues = [
        Issue(
            "not-supported",
            f"Unknown search parameter {name!r} for {resource}: use "
            + ", ".join(sorted(known))
            + ".",
            name,
        )
        for name in params
        if name not in known
    ]
    issues += [
        Issue("value", f"{name} holds a control character.", name)
        for name, values in params.items()
        if any(_CONTROL.search(v) for v in values)
    ]
    if issues:
        raise FHIRInputError(issues)
    search = Search(resource=resource, count=default_count)
    if "_id" in params:
        search.ids = _values(params, "_id")
    if "identifier" in params:
        system = t.FINESS_SYSTEM if resource == "Organization" else t.UNIT_ID_SYSTEM
        codes = [_token(v, system, "identifier", issues) for v in _values(params, "identifier")]
        search.identifiers = [c for c in codes if c is not None]
    if "_tag" in params:
        codes = [_token(v, t.REGION_OM, "_tag", issues) for v in _values(params, "_tag")]
        search.regions = [c for c in codes if c is not None]
    for raw in params.get("_lastUpdated", []):
        search.updated += _last_updated(raw.strip(), issues)
    count = _number(params, "_count", 0, MAX_COUNT, issues)
    if count is not None:
        search.count = count
    page = _number(params, "_page", 1, 10**6, issues)
    if page is not None:
        search.page = page
    for name, allowed, target in (
        ("_include", spec["include"], search.include),
        ("_revinclude", spec["revinclude"], search.revinclude),
    ):
        for value in _values(params, name):
            if value not in allowed:
                issues.append(
                    Issue(
                        "not-supported",
                        f"{name}={value} is not supported for {resource}: use "
                        + (", ".join(allowed) or "none")
                        + ".",
                        name,
                    )
                )
            else:
                target.append(value)
    if issues:
        raise FHIRInputError(issues)
    return search
