"""FHIR R4 `Location` resources carrying ROR's capacity extension, and the way back.

Pure functions of plain dicts (`selectors.hospital_to_dict`). A unit is a `Location` (physical
type ward) whose id is the unit id, `partOf` its hospital's site `Location`, identified by FINESS
as ROR does. Each of the six figures is one `ror-location-supported-capacity` extension, as in
ROR's own examples: capacityStatus from TRE_R330 (01 installed … 06 extra), current temporality,
beds (not places), no temporary assignment. See docs/interoperability.md for the full mapping.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

ROR_SD = "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition"
SUPPORTED_CAPACITY = f"{ROR_SD}/ror-location-supported-capacity"
NOS = "https://mos.esante.gouv.fr/NOS"
# Terminologies (TRE) behind the value sets (JDV) the extension binds to.
NATURE_CAPACITE = f"{NOS}/TRE_R329-NatureCapacite/FHIR/TRE-R329-NatureCapacite"  # J187
STATUT_CAPACITE = f"{NOS}/TRE_R330-TypeStatutCapacite/FHIR/TRE-R330-TypeStatutCapacite"  # J188
TEMPORALITE = f"{NOS}/TRE_R331-TemporaliteCapacite/FHIR/TRE-R331-TemporaliteCapacite"  # J189
GENRE = f"{NOS}/TRE_R332-GenreCapacite/FHIR/TRE-R332-GenreCapacite"  # J190
SOURCE_CAPACITE = f"{NOS}/TRE_R335-TypeSourceCapacite/FHIR/TRE-R335-TypeSourceCapacite"  # J193
AFFECTATION = f"{NOS}/TRE_R337-AffectationTemporaire/FHIR/TRE-R337-AffectationTemporaire"  # J195
TYPE_IDENTIFIANT = f"{NOS}/TRE_G07-TypeIdentifiantStructure/FHIR/TRE-G07-TypeIdentifiantStructure"
FINESS_SYSTEM = "https://finess.esante.gouv.fr"
PHYSICAL_TYPE = "http://terminology.hl7.org/CodeSystem/location-physical-type"

# Our figure → ROR capacity status (TRE_R330).
STATUS_CODES: dict[str, tuple[str, str]] = {
    "installed": ("01", "Installé"),
    "available": ("02", "Disponible"),
    "occupied": ("03", "Occupé"),
    "reserved": ("04", "Réservé"),
    "closed": ("05", "Fermé"),
    "extra": ("06", "Supplémentaire"),
}
FIGURE_OF_STATUS = {code: name for name, (code, _display) in STATUS_CODES.items()}
CURRENT = ("01", "Courant")
BED = ("01", "Lit")
NO_ASSIGNMENT = ("01", "Aucune")
# Where the figures came from (TRE_R335): a person on our form, or a hospital's software.
SOURCE_TYPES: dict[str, tuple[str, str]] = {
    "web": ("01", "Saisie manuelle"),
    "import": ("01", "Saisie manuelle"),
    "api": ("02", "Bed management"),
    "fhir": ("02", "Bed management"),
}
SOURCE_TYPE_CODES = {"01", "02", "03", "04"}
SUB_EXTENSIONS = (
    "capacityType",
    "capacityStatus",
    "temporalityCapacity",
    "nbCapacity",
    "capacitySourceType",
    "genderCapacityAvailable",
    "capacityUpdateDate",
    "capacityClosingType",
    "additionalBedType",
    "crisisType",
    "temporaryAssignement",
)


def _concept(system: str, code_display: tuple[str, str]) -> dict:
    code, display = code_display
    return {"coding": [{"system": system, "code": code, "display": display}]}


def site_id(finess: str) -> str:
    return f"finess-{finess}"


def capacity_extension(*, figure: str, value: int, updated_at: str, source: str) -> dict[str, Any]:
    """One `ror-location-supported-capacity`: one figure of one unit."""
    return {
        "url": SUPPORTED_CAPACITY,
        "extension": [
            {"url": "capacityType", "valueCodeableConcept": _concept(NATURE_CAPACITE, BED)},
            {
                "url": "capacityStatus",
                "valueCodeableConcept": _concept(STATUT_CAPACITE, STATUS_CODES[figure]),
            },
            {"url": "temporalityCapacity", "valueCodeableConcept": _concept(TEMPORALITE, CURRENT)},
            {"url": "nbCapacity", "valueInteger": value},
            {
                "url": "capacitySourceType",
                "valueCodeableConcept": _concept(
                    SOURCE_CAPACITE, SOURCE_TYPES.get(source, SOURCE_TYPES["web"])
                ),
            },
            {"url": "capacityUpdateDate", "valueDateTime": updated_at},
            {
                "url": "temporaryAssignement",
                "valueCodeableConcept": _concept(AFFECTATION, NO_ASSIGNMENT),
            },
        ],
    }


def site_location(hospital: Mapping[str, Any]) -> dict[str, Any]:
    """The hospital's site (établissement géographique), identified by its FINESS ET."""
    resource: dict[str, Any] = {
        "resourceType": "Location",
        "id": site_id(hospital["finess"]),
        "identifier": [
            {
                "use": "official",
                "type": _concept(TYPE_IDENTIFIANT, ("1", "FINESS")),
                "system": FINESS_SYSTEM,
                "value": hospital["finess"],
            }
        ],
        "status": "active",
        "name": hospital["name"],
        "mode": "instance",
        "physicalType": _concept(PHYSICAL_TYPE, ("si", "Site")),
        "position": {"longitude": hospital["lon"], "latitude": hospital["lat"]},
    }
    address = {
        key: value
        for key, value in (
            ("line", [hospital["address"]] if hospital.get("address") else None),
            ("city", hospital.get("city")),
            ("postalCode", hospital.get("postcode")),
            ("country", "FR"),
        )
        if value
    }
    resource["address"] = address
    if hospital.get("phone"):
        resource["telecom"] = [{"system": "phone", "value": hospital["phone"], "use": "work"}]
    return resource


def unit_location(
    hospital: Mapping[str, Any], unit: Mapping[str, Any], *, base_url: str, source: str | None
) -> dict[str, Any]:
    """A unit as a ROR-style `Location`; `source` is that of its latest report.

    A unit that never reported carries no capacity extension: ROR requires an update date, and
    zeros with an invented date would read as a real observation.
    """
    resource: dict[str, Any] = {
        "resourceType": "Location",
        "id": str(unit["id"]),
        "meta": {"versionId": str(unit["version"])},
        "status": "active",
        "name": unit["label"],
        "mode": "instance",
        "type": [
            {
                "coding": [{"system": f"{base_url}/CodeSystem/unit-kind", "code": unit["kind"]}],
                "text": unit["kind"],
            }
        ],
        "physicalType": _concept(PHYSICAL_TYPE, ("wa", "Ward")),
        "partOf": {
            "reference": f"Location/{site_id(hospital['finess'])}",
            "identifier": {"system": FINESS_SYSTEM, "value": hospital["finess"]},
            "display": hospital["name"],
        },
    }
    if unit["updated_at"]:
        resource["meta"]["lastUpdated"] = unit["updated_at"]
        resource["extension"] = [
            capacity_extension(
                figure=name,
                value=unit[name],
                updated_at=unit["updated_at"],
                source=source or "web",
            )
            for name in STATUS_CODES
        ]
    return resource


def location_bundle(
    hospitals: Iterable[Mapping[str, Any]],
    *,
    base_url: str,
    generated_at: str,
    sources: Mapping[int, str],
    page_url: Callable[[int], str],
    page: int = 1,
    count: int | None = None,
) -> dict[str, Any]:
    """A `searchset` Bundle: the units (`match`), then the sites they are part of (`include`).

    With `count`, only page `page` of the units (1-based), with `next`/`previous` links built by
    `page_url(n)`; `total` always counts every unit.
    """
    pairs = [(hospital, unit) for hospital in hospitals for unit in hospital["units"]]
    window = pairs[(page - 1) * count : page * count] if count else pairs
    matches: list[dict] = []
    sites: dict[str, dict] = {}
    for hospital, unit in window:
        resource = unit_location(hospital, unit, base_url=base_url, source=sources.get(unit["id"]))
        matches.append(
            {
                "fullUrl": f"{base_url}/Location/{resource['id']}",
                "resource": resource,
                "search": {"mode": "match"},
            }
        )
        if hospital["finess"] not in sites:
            site = site_location(hospital)
            sites[hospital["finess"]] = {
                "fullUrl": f"{base_url}/Location/{site['id']}",
                "resource": site,
                "search": {"mode": "include"},
            }
    links = [{"relation": "self", "url": page_url(page)}]
    if count and page * count < len(pairs):
        links.append({"relation": "next", "url": page_url(page + 1)})
    if count and page > 1:
        links.append({"relation": "previous", "url": page_url(page - 1)})
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": generated_at,
        "total": len(pairs),
        "link": links,
        "entry": matches + list(sites.values()),
    }


# ---------------------------------------------------------------------------------------------
# The way back: a Location sent by a hospital's software → our six figures.


@dataclass
class Issue:
    """One problem with a request, located by a FHIRPath-like expression."""

    code: str  # OperationOutcome issue type: invalid, required, value, structure …
    message: str
    expression: str | None = None


@dataclass
class CapacityUpdate:
    figures: dict[str, int] = field(default_factory=dict)
    # Element (expression) that carried each figure, to name it in later errors.
    where: dict[str, str] = field(default_factory=dict)
    version: int | None = None
    observed_at: datetime | None = None
    observed_at_where: str | None = None


class FHIRInputError(Exception):
    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("; ".join(i.message for i in issues))
        self.issues = issues


def _datetime(raw: Any) -> datetime | None:
    """A FHIR dateTime down to the second, with its offset; None when it is not one."""
    if not isinstance(raw, str) or "T" not in raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def _code(concept: Any, system: str) -> str | None:
    """The code of `concept` in `system`, None when absent; raises on a foreign system."""
    if not isinstance(concept, dict) or not isinstance(concept.get("coding"), list):
        raise ValueError("is not a CodeableConcept with a coding")
    for coding in concept["coding"]:
        if isinstance(coding, dict) and coding.get("system") == system:
            return coding.get("code")
    raise ValueError(f"has no coding from {system}")


def capacity_from_location(body: Any, *, location_id: str) -> CapacityUpdate:
    """Read figures from a `Location` carrying `ror-location-supported-capacity` extensions.

    Only current capacities (temporality 01) in beds count; forecasts (02, 03) and places are
    not figures we keep and are ignored. Entries split by gender (genderCapacityAvailable) are
    added up. Raises `FHIRInputError` listing every problem, each naming its element.
    """
    issues: list[Issue] = []
    if not isinstance(body, dict):
        raise FHIRInputError([Issue("structure", "Send a FHIR Location resource (a JSON object).")])
    if body.get("resourceType") != "Location":
        raise FHIRInputError(
            [
                Issue(
                    "invalid",
                    f"resourceType must be Location, not {body.get('resourceType')!r}.",
                    "Location.resourceType",
                )
            ]
        )
    if "id" in body and str(body["id"]) != location_id:
        issues.append(
            Issue(
                "invalid",
                f"The resource id {body['id']!r} differs from the id in the URL ({location_id}).",
                "Location.id",
            )
        )
    update = CapacityUpdate()
    meta = body.get("meta")
    if meta is not None and not isinstance(meta, dict):
        issues.append(Issue("structure", "meta must be an object.", "Location.meta"))
    elif meta and "versionId" in meta:
        raw = meta["versionId"]
        if isinstance(raw, str) and raw.isdigit():
            update.version = int(raw)
        else:
            issues.append(
                Issue(
                    "value",
                    f"meta.versionId {raw!r} is not a version this server issued (digits).",
                    "Location.meta.versionId",
                )
            )
    extensions = body.get("extension", [])
    if not isinstance(extensions, list):
        raise FHIRInputError(
            issues + [Issue("structure", "extension must be an array.", "Location.extension")]
        )
    seen: dict[tuple[str, str | None], str] = {}
    dates: list[tuple[datetime, str]] = []
    for index, extension in enumerate(extensions):
        where = f"Location.extension[{index}]"
        if not isinstance(extension, dict) or extension.get("url") != SUPPORTED_CAPACITY:
            continue  # other extensions are not ours to judge
        parsed = _one_capacity(extension, where, issues)
        if parsed is None:
            continue
        status, gender, value, date, value_where, date_where = parsed
        if status is None:
            continue  # a forecast or places: not a figure we keep
        figure = FIGURE_OF_STATUS[status]
        key = (status, gender)
        if key in seen:
            issues.append(
                Issue(
                    "invalid",
                    f"Capacity status {status} ({figure}) is given twice for the same gender "
                    f"(also at {seen[key]}).",
                    where,
                )
            )
            continue
        seen[key] = where
        update.figures[figure] = update.figures.get(figure, 0) + value
        update.where.setdefault(figure, value_where)
        if date:
            dates.append((date, date_where))
    if not seen and not issues:
        issues.append(
            Issue(
                "required",
                "No current bed capacity: send at least one ror-location-supported-capacity "
                "extension with temporalityCapacity 01.",
                "Location.extension",
            )
        )
    if issues:
        raise FHIRInputError(issues)
    if dates:
        update.observed_at, update.observed_at_where = max(dates)
    return update


def _one_capacity(
    extension: dict, where: str, issues: list[Issue]
) -> tuple[str | None, str | None, int, datetime | None, str, str] | None:
    """(status or None when not ours, gender, nbCapacity, update date, element of nbCapacity,
    element of the date)."""
    subs = extension.get("extension")
    if not isinstance(subs, list):
        issues.append(Issue("structure", "The capacity extension has no sub-extensions.", where))
        return None
    values: dict[str, tuple[int, dict]] = {}
    for index, sub in enumerate(subs):
        if not isinstance(sub, dict) or not isinstance(sub.get("url"), str):
            issues.append(
                Issue("structure", "A sub-extension has no url.", f"{where}.extension[{index}]")
            )
            return None
        if sub["url"] in values:
            issues.append(
                Issue("invalid", f"{sub['url']} is given twice.", f"{where}.extension[{index}]")
            )
            return None
        values[sub["url"]] = (index, sub)

    def path(name: str, suffix: str) -> str:
        return f"{where}.extension[{values[name][0]}].{suffix}" if name in values else where

    ok = True
    for required in ("capacityStatus", "nbCapacity"):
        if required not in values:
            issues.append(Issue("required", f"The capacity extension lacks its {required}.", where))
            ok = False
    if not ok:
        return None
    concept_checks = {
        "capacityStatus": STATUT_CAPACITE,
        "temporalityCapacity": TEMPORALITE,
        "capacityType": NATURE_CAPACITE,
        "capacitySourceType": SOURCE_CAPACITE,
        "genderCapacityAvailable": GENRE,
    }
    codes: dict[str, str | None] = {}
    for name, system in concept_checks.items():
        if name not in values:
            codes[name] = None
            continue
        try:
            codes[name] = _code(values[name][1].get("valueCodeableConcept"), system)
        except ValueError as exc:
            issues.append(Issue("value", f"{name} {exc}.", path(name, "valueCodeableConcept")))
            ok = False
    if not ok:
        return None
    status = codes["capacityStatus"]
    if status not in FIGURE_OF_STATUS:
        issues.append(
            Issue(
                "value",
                f"capacityStatus {status!r} is not one we keep: use 01 installed, 02 available, "
                "03 occupied, 04 reserved, 05 closed or 06 extra (TRE_R330).",
                path("capacityStatus", "valueCodeableConcept"),
            )
        )
        return None
    source = codes["capacitySourceType"]
    if source is not None and source not in SOURCE_TYPE_CODES:
        issues.append(
            Issue(
                "value",
                f"capacitySourceType {source!r} is not in TRE_R335 (01 to 04).",
                path("capacitySourceType", "valueCodeableConcept"),
            )
        )
        return None
    number = values["nbCapacity"][1].get("valueInteger")
    number_where = path("nbCapacity", "valueInteger")
    if isinstance(number, bool) or not isinstance(number, int):
        issues.append(
            Issue(
                "value",
                f"nbCapacity {number!r} is not a whole number (valueInteger).",
                number_where,
            )
        )
        return None
    date = None
    date_where = path("capacityUpdateDate", "valueDateTime")
    if "capacityUpdateDate" in values:
        raw = values["capacityUpdateDate"][1].get("valueDateTime")
        date = _datetime(raw)
        if date is None:
            issues.append(
                Issue(
                    "value",
                    f"capacityUpdateDate {raw!r} is not a dateTime with a time zone, "
                    "e.g. 2026-11-29T08:30:00+01:00.",
                    path("capacityUpdateDate", "valueDateTime"),
                )
            )
            return None
    temporality = codes["temporalityCapacity"]
    nature = codes["capacityType"]
    if (temporality not in (None, CURRENT[0])) or (nature not in (None, BED[0])):
        return None, None, number, date, number_where, date_where
    return status, codes["genderCapacityAvailable"], number, date, number_where, date_where


def operation_outcome(issues: Iterable[Issue]) -> dict[str, Any]:
    """An `OperationOutcome` with one error per issue."""
    body = []
    for issue in issues:
        entry: dict[str, Any] = {
            "severity": "error",
            "code": issue.code,
            "diagnostics": issue.message,
        }
        if issue.expression:
            entry["expression"] = [issue.expression]
        body.append(entry)
    return {"resourceType": "OperationOutcome", "issue": body}
