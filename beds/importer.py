"""Reading the GISCO healthcare CSV (Eurostat "basic services / healthcare", France), as
published: `shared/data/hospitals-fr-gisco-2020.csv`. Pure functions, no database access: the
rows that pass become `HospitalRecord`s for `services.hospitals_import`, the others `Rejected`
lines with their number and reason.

What is odd in the file, and what we do about it:
- `id` is the FINESS ET number with its leading zero dropped (`10000024` is `010000024`):
  8 digits get their zero back; Corsican ids keep their letters (`2A…`, `2B…`).
- There is no département column. The FINESS number starts with the département, except
  overseas, where it starts with `970` + a digit (9701 Guadeloupe, 9702 Martinique, 9703 Guyane,
  9704 La Réunion, 9705 Saint-Pierre-et-Miquelon) or, for Mayotte, `9805`. The postcode must
  agree (20xxx for Corsica, 971xx–976xx overseas); La Réunion's CEDEX postcodes are 978xx.
  A disagreement means a damaged line: it is rejected rather than filed in the wrong place.
- Saint-Pierre-et-Miquelon is an overseas collectivity, not a département: its establishments
  go to the région and département `975` that stand for its own health authority
  (`regions/data.py`).
- `tel` is 9 digits, the leading zero dropped too: stored as `04 74 45 46 47`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from config.text import control_character, describe

REQUIRED_COLUMNS: tuple[str, ...] = (
    "id",
    "hospital_name",
    "site_name",
    "lat",
    "lon",
    "street",
    "house_number",
    "postcode",
    "city",
    "tel",
)

# FINESS prefix of an overseas establishment → its INSEE département.
OVERSEAS_FINESS: dict[str, str] = {
    "9701": "971",
    "9702": "972",
    "9703": "973",
    "9704": "974",
    "9705": "975",  # Saint-Pierre-et-Miquelon: a collectivity with its own health authority
    "9706": "976",
    "9805": "976",
}
# (département, postcode prefix) pairs that disagree on purpose: La Réunion's CEDEX codes.
POSTCODE_EXCEPTIONS: set[tuple[str, str]] = {("974", "978")}

# ASCII digits only (\d and isdigit() take "²" and other scripts' digits).
FINESS_IN_FILE_RE = re.compile(r"^([0-9]{8,9}|2[AB][0-9]{7})$")
POSTCODE_RE = re.compile(r"^[0-9]{5}$")


@dataclass(frozen=True)
class HospitalRecord:
    line: int
    finess: str
    name: str
    department: str
    lat: float
    lon: float
    address: str
    postcode: str
    city: str
    phone: str


@dataclass(frozen=True)
class Rejected:
    line: int
    reason: str

    def __str__(self) -> str:
        return _("line %(line)s: %(reason)s") % {"line": self.line, "reason": self.reason}


@dataclass
class ParsedFile:
    records: list[HospitalRecord] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    warnings: list[Rejected] = field(default_factory=list)


class BadFile(Exception):
    """The file as a whole cannot be read as the GISCO CSV (header, encoding)."""


def restore_finess(raw: str) -> str | None:
    """The 9-character FINESS ET number from the file's id, or None if it is not one."""
    value = raw.strip().upper()
    if not FINESS_IN_FILE_RE.match(value):
        return None
    return value.zfill(9)


def department_from_finess(finess: str) -> str | None:
    """The INSEE département a FINESS ET number belongs to (None when it names none)."""
    if finess[:4] in OVERSEAS_FINESS:
        return OVERSEAS_FINESS[finess[:4]]
    if finess.startswith(("97", "98")):
        return None
    return finess[:2]


def postcode_department(postcode: str) -> str:
    """The département a postcode points to, as far as a postcode can say: `20` for Corsica
    (both 2A and 2B), three digits overseas, two elsewhere."""
    return postcode[:3] if postcode.startswith("97") else postcode[:2]


def department_of(finess: str, postcode: str) -> tuple[str | None, str | None]:
    """(département, None), or (None, reason) when the line cannot be placed."""
    department = department_from_finess(finess)
    if department is None:
        return None, _("FINESS %(finess)s matches no département.") % {"finess": finess}
    from_postcode = postcode_department(postcode)
    expected = "20" if department in ("2A", "2B") else department
    if from_postcode != expected and (department, from_postcode) not in POSTCODE_EXCEPTIONS:
        return None, _(
            "FINESS %(finess)s is in département %(department)s but postcode %(postcode)s is not."
        ) % {"finess": finess, "department": department, "postcode": postcode}
    return department, None


def normalise_phone(raw: str) -> str | None:
    """A French number as `04 74 45 46 47`; "" for none; None when it is not a phone number."""
    digits = re.sub(r"[\s.\-/()]", "", raw)
    if not digits:
        return ""
    if digits.startswith("+33"):
        digits = "0" + digits[3:]
    elif digits.startswith("0033"):
        digits = "0" + digits[4:]
    if not re.fullmatch(r"[0-9]+", digits):
        return None
    if len(digits) == 9 and digits[0] != "0":
        digits = "0" + digits
    if len(digits) != 10 or digits[0] != "0" or digits[1] == "0":
        return None
    return " ".join(digits[i : i + 2] for i in range(0, 10, 2))


def _coordinate(raw: str, low: float, high: float) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if low <= value <= high else None


def repair_cp1252(text: str) -> str:
    """Characters U+0080–U+009F that are Windows-1252 read as Latin-1 (GISCO's file writes the
    apostrophe of "D’IMAGERIE" as U+0092), put back as the character meant; a C1 control with no
    Windows-1252 meaning stays, and is refused like any control character."""

    def meant(char: str) -> str:
        if "\x80" <= char <= "\x9f":
            try:
                return bytes([ord(char)]).decode("cp1252")
            except UnicodeDecodeError:
                return char
        return char

    return "".join(meant(c) for c in text) if any("\x80" <= c <= "\x9f" for c in text) else text


def parse_row(line: int, row: dict[str, str | None]) -> HospitalRecord | Rejected:
    row = {key: repair_cp1252(v) if isinstance(v, str) else v for key, v in row.items()}

    def get(name: str) -> str:
        return " ".join((row.get(name) or "").split())  # trims and collapses inner runs

    if None in row:  # csv.DictReader puts surplus fields under None
        return Rejected(line, _("more fields than the header names."))
    if any(row.get(name) is None for name in REQUIRED_COLUMNS):
        return Rejected(line, _("fewer fields than the header names."))
    for column in REQUIRED_COLUMNS:
        if (char := control_character(row[column] or "")) is not None:
            return Rejected(
                line,
                _("%(column)s holds control character %(char)s: only printable text is accepted.")
                % {"column": column, "char": describe(char)},
            )
    finess = restore_finess(get("id"))
    if finess is None:
        return Rejected(
            line,
            _("id “%(id)s” is not a FINESS number (8 or 9 digits, or 2A/2B and 7 digits).")
            % {"id": get("id")},
        )
    name = get("hospital_name")
    if not name:
        return Rejected(line, _("the name (hospital_name) is empty."))
    site = get("site_name")
    if site and site.casefold() != name.casefold():
        name = f"{name} — {site}"
    lat = _coordinate(get("lat"), -90, 90)
    lon = _coordinate(get("lon"), -180, 180)
    if lat is None or lon is None:
        return Rejected(
            line,
            _("coordinates “%(lat)s, %(lon)s” are not a latitude and a longitude.")
            % {"lat": get("lat"), "lon": get("lon")},
        )
    postcode = get("postcode")
    if not POSTCODE_RE.match(postcode):
        return Rejected(
            line, _("postcode “%(postcode)s” is not 5 digits.") % {"postcode": postcode}
        )
    department, reason = department_of(finess, postcode)
    if department is None:
        return Rejected(line, reason or "")
    phone = normalise_phone(get("tel"))
    address = " ".join(part for part in (get("house_number"), get("street")) if part)
    return HospitalRecord(
        line=line,
        finess=finess,
        name=name[:200],
        department=department,
        lat=lat,
        lon=lon,
        address=address[:255],
        postcode=postcode,
        city=get("city")[:100],
        phone=phone or "",
    )


def parse_lines(lines: Iterable[str]) -> ParsedFile:
    """Parse the CSV text. Raises `BadFile` for a wrong header; line numbers are the file's
    (the header is line 1)."""
    reader = csv.DictReader(lines)
    header = reader.fieldnames or []
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise BadFile(
            _("This is not the GISCO healthcare CSV: the header lacks %(columns)s.")
            % {"columns": ", ".join(missing)}
        )
    parsed = ParsedFile()
    first_line: dict[str, int] = {}
    for row in _rows(reader):
        line, data = row
        result = parse_row(line, data)
        if isinstance(result, Rejected):
            parsed.rejected.append(result)
            continue
        if result.finess in first_line:
            parsed.rejected.append(
                Rejected(
                    line,
                    _("FINESS %(finess)s is already on line %(first)s.")
                    % {"finess": result.finess, "first": first_line[result.finess]},
                )
            )
            continue
        first_line[result.finess] = line
        if normalise_phone((data.get("tel") or "").strip()) is None:
            parsed.warnings.append(
                Rejected(
                    line,
                    _("phone “%(phone)s” is not a French number: imported without a phone.")
                    % {"phone": data.get("tel")},
                )
            )
        parsed.records.append(result)
    return parsed


def _rows(reader: csv.DictReader) -> Iterator[tuple[int, dict[str, str | None]]]:
    # The line a row starts on: DictReader.line_num is where it ends (quoted fields may span).
    start = reader.line_num + 1
    for row in reader:
        yield start, row
        start = reader.line_num + 1
