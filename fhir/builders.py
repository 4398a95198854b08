"""FHIR R4 resources built from plain data: pure functions, no database.

A unit is a `Location` (RORLocation: where its beds are, carrying ROR's capacity extension) and a
`HealthcareService` (RORHealthcareService: its activity, pointing at the Location), both with the
unit id as id; its hospital is an `Organization` (ROROrganization, the FINESS établissement
géographique) whose id is the FINESS number. docs/interoperability.md has the full mapping.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fhir import terminology as t


@dataclass(frozen=True)
class UnitData:
    """What the resources of one unit are built from (see `fhir.selectors`)."""

    id: int
    label: str
    kind: str
    kind_label: str
    figures: Mapping[str, int]
    version: int
    updated_at: datetime | None
    created_at: datetime
    source: str | None  # of the unit's current report
    records: list[dict] | None  # the capacity records as last sent over FHIR, when current


@dataclass(frozen=True)
class HospitalData:
    finess: str
    name: str
    region: str
    lat: float
    lon: float
    address: str
    postcode: str
    city: str
    phone: str
    created_at: datetime
    commune: tuple[str, str] | None  # INSEE COG code and name


@dataclass
class Issue:
    """One problem with a request, located by a FHIRPath expression."""

    code: str  # OperationOutcome issue type: invalid, required, value, structure …
    message: str
    expression: str | None = None
    severity: str = "error"


def instant(value: datetime) -> str:
    return value.isoformat()


def concept(system: str, code_display: tuple[str, str]) -> dict[str, Any]:
    code, display = code_display
    return {"coding": [{"system": system, "code": code, "display": display}]}


def _meta(profile: str, *, version: int | None, last_updated: datetime, region: str) -> dict:
    meta: dict[str, Any] = {}
    if version is not None:
        meta["versionId"] = str(version)
    meta["lastUpdated"] = instant(last_updated)
    meta["profile"] = [profile]
    meta["tag"] = [{"system": t.REGION_OM, "code": region}]
    return meta


def last_updated(unit: UnitData) -> datetime:
    return unit.updated_at or unit.created_at


def capacity_extension(*, figure: str, value: int, updated_at: datetime, source: str) -> dict:
    """One `ror-location-supported-capacity` written by Bedwatch: one figure of one unit."""
    return {
        "url": t.SUPPORTED_CAPACITY,
        "extension": [
            {"url": "capacityType", "valueCodeableConcept": concept(t.NATURE_CAPACITE, t.BED)},
            {
                "url": "capacityStatus",
                "valueCodeableConcept": concept(t.STATUT_CAPACITE, t.STATUS_CODES[figure]),
            },
            {
                "url": "temporalityCapacity",
                "valueCodeableConcept": concept(t.TEMPORALITE, t.CURRENT),
            },
            {"url": "nbCapacity", "valueInteger": value},
            {
                "url": "capacitySourceType",
                "valueCodeableConcept": concept(
                    t.SOURCE_CAPACITE, t.SOURCE_TYPES.get(source, t.SOURCE_TYPES["web"])
                ),
            },
            {"url": "capacityUpdateDate", "valueDateTime": instant(updated_at)},
            {
                "url": "temporaryAssignement",
                "valueCodeableConcept": concept(t.AFFECTATION, t.NO_ASSIGNMENT),
            },
        ],
    }


def capacity_records(unit: UnitData) -> list[dict]:
    """The unit's capacity extensions: as its software last sent them while they are current,
    else one per figure. A unit that never reported has none (zeros with an invented date
    would read as an observation)."""
    if unit.records is not None:
        return unit.records
    if unit.updated_at is None:
        return []
    return [
        capacity_extension(
            figure=name,
            value=unit.figures[name],
            updated_at=unit.updated_at,
            source=unit.source or "web",
        )
        for name in t.STATUS_CODES
    ]


def location(unit: UnitData, hospital: HospitalData) -> dict[str, Any]:
    """A unit as a RORLocation."""
    extensions: list[dict] = []
    if hospital.commune is not None:
        extensions.append(
            {"url": t.COMMUNE_COG, "valueCodeableConcept": concept(t.COMMUNE_OM, hospital.commune)}
        )
    extensions += capacity_records(unit)
    extensions.append({"url": t.META_CREATION_DATE, "valueDateTime": instant(unit.created_at)})
    resource: dict[str, Any] = {
        "resourceType": "Location",
        "id": str(unit.id),
        "meta": _meta(
            t.PROFILE_LOCATION,
            version=unit.version,
            last_updated=last_updated(unit),
            region=hospital.region,
        ),
        "extension": extensions,
        "identifier": [
            {
                "type": concept(t.TYPE_ID_RESSOURCE, t.ID_LOCATION),
                "system": t.UNIT_ID_SYSTEM,
                "value": str(unit.id),
            }
        ],
        "status": "active",
        "name": unit.label,
        "mode": "instance",
        "type": [
            {
                "coding": [
                    {"system": t.FONCTION_LIEU, "code": t.HOSTING[0], "display": t.HOSTING[1]},
                    {"system": t.UNIT_KIND_SYSTEM, "code": unit.kind, "display": unit.kind_label},
                ]
            }
        ],
        "address": _address(hospital),
        "position": {"longitude": hospital.lon, "latitude": hospital.lat},
        "managingOrganization": {
            "reference": f"Organization/{hospital.finess}",
            "display": hospital.name,
        },
    }
    return resource


def healthcare_service(unit: UnitData, hospital: HospitalData) -> dict[str, Any]:
    """A unit's activity as a RORHealthcareService, provided by its hospital, at its Location."""
    code, display = t.ACTIVITY_OF_KIND[unit.kind]
    specialty = []
    if code is not None:
        specialty.append(concept(t.ACTIVITE_OPERATIONNELLE, (code, display)))
    specialty.append(
        {
            "coding": [
                {"system": t.UNIT_KIND_SYSTEM, "code": unit.kind, "display": unit.kind_label}
            ],
            "text": display,
        }
    )
    return {
        "resourceType": "HealthcareService",
        "id": str(unit.id),
        "meta": _meta(
            t.PROFILE_HEALTHCARE_SERVICE,
            version=unit.version,
            last_updated=last_updated(unit),
            region=hospital.region,
        ),
        "extension": [
            {"url": t.SENSITIVE_UNIT, "valueBoolean": False},
            # ROR requires the patient type; Bedwatch records no age range, so the kind's is
            # given (neonates, children, else adults).
            {"url": t.PATIENT_TYPE, "extension": _patient_type(unit.kind)},
            {"url": t.META_CREATION_DATE, "valueDateTime": instant(unit.created_at)},
        ],
        "identifier": [
            {
                "type": concept(t.TYPE_ID_OFFRE, t.ID_OFFER),
                "system": t.UNIT_ID_SYSTEM,
                "value": str(unit.id),
            }
        ],
        "active": True,
        "providedBy": {"reference": f"Organization/{hospital.finess}", "display": hospital.name},
        "type": [concept(t.CHAMP_ACTIVITE, t.MCO)],
        "specialty": specialty,
        "location": [{"reference": f"Location/{unit.id}", "display": unit.label}],
        "name": unit.label,
        "characteristic": [concept(t.MODE_PRISE_EN_CHARGE, t.FULL_HOSPITALISATION)],
    }


# Age ranges in years (UCUM "a") that the kinds imply.
_AGE_RANGES: dict[str, tuple[int, int]] = {"REA_NEO": (0, 1), "REA_PED": (0, 18)}


def _patient_type(kind: str) -> list[dict]:
    low, high = _AGE_RANGES.get(kind, (18, 150))
    unit = {"system": "http://unitsofmeasure.org", "code": "a", "unit": "a"}
    return [
        {
            "url": "ageRange",
            "valueRange": {"low": {"value": low, **unit}, "high": {"value": high, **unit}},
        }
    ]


def organization(hospital: HospitalData, *, last_updated: datetime) -> dict[str, Any]:
    """A hospital (établissement géographique, FINESS ET) as a ROROrganization."""
    resource: dict[str, Any] = {
        "resourceType": "Organization",
        "id": hospital.finess,
        "meta": _meta(
            t.PROFILE_ORGANIZATION, version=None, last_updated=last_updated, region=hospital.region
        ),
        "extension": [{"url": t.META_CREATION_DATE, "valueDateTime": instant(hospital.created_at)}],
        "identifier": [
            {
                "use": "official",
                "type": concept(t.TYPE_ID_STRUCTURE, t.ID_FINESS),
                "system": t.FINESS_SYSTEM,
                "value": hospital.finess,
            }
        ],
        "active": True,
        "name": hospital.name,
        "address": [_address(hospital)],
    }
    if hospital.phone:
        resource["telecom"] = [{"system": "phone", "value": hospital.phone, "use": "work"}]
    return resource


def _address(hospital: HospitalData) -> dict[str, Any]:
    address: dict[str, Any] = {"use": "work", "type": "physical"}
    if hospital.address:
        address["line"] = [hospital.address]
    if hospital.city:
        address["city"] = hospital.city
    if hospital.postcode:
        address["postalCode"] = hospital.postcode
    address["country"] = "FR"
    return address


def unit_kind_code_system(kinds: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Bedwatch's unit kinds as a CodeSystem, with each kind's ROR activity in its definition."""
    concepts = []
    for code, label in kinds:
        activity_code, activity = t.ACTIVITY_OF_KIND[code]
        concepts.append(
            {
                "code": code,
                "display": label,
                "definition": f"ROR activity (TRE_R211): {activity}"
                + (f" ({activity_code})" if activity_code else ""),
            }
        )
    return {
        "resourceType": "CodeSystem",
        "id": t.UNIT_KIND_ID,
        "url": t.UNIT_KIND_SYSTEM,
        "name": "BedwatchUnitKind",
        "title": "Bedwatch unit kinds",
        "status": "active",
        "experimental": False,
        "publisher": "Bedwatch",
        "description": "The kinds of critical-care unit Bedwatch reports on.",
        "caseSensitive": True,
        "content": "complete",
        "count": len(concepts),
        "concept": concepts,
    }


def bundle(
    *,
    kind: str,
    entries: list[dict],
    base_url: str,
    timestamp: datetime,
    total: int | None = None,
    links: list[dict] | None = None,
) -> dict[str, Any]:
    """A Bundle of `kind` (searchset …); each entry is `{"resource": …, "mode": …}`."""
    result: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": kind,
        "timestamp": instant(timestamp),
    }
    if total is not None:
        result["total"] = total
    if links:
        result["link"] = links
    result["entry"] = [
        {
            "fullUrl": f"{base_url}/{e['resource']['resourceType']}/{e['resource']['id']}",
            "resource": e["resource"],
            **({"search": {"mode": e["mode"]}} if e.get("mode") else {}),
        }
        for e in entries
    ]
    return result


def operation_outcome(issues: Iterable[Issue]) -> dict[str, Any]:
    """An `OperationOutcome` with one issue per problem."""
    body = []
    for issue in issues:
        entry: dict[str, Any] = {
            "severity": issue.severity,
            "code": issue.code,
            "diagnostics": issue.message,
        }
        if issue.expression:
            entry["expression"] = [issue.expression]
        body.append(entry)
    return {"resourceType": "OperationOutcome", "issue": body}
