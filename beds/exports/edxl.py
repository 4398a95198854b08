"""OASIS EDXL-HAVE 1.0 `HospitalStatus` from plain hospital dicts (`selectors.hospital_to_dict`).

Mapping (docs/interoperability.md): one `Hospital` per hospital, one `BedCapacity` per unit with
the standard `BedType` and our kind in `SubCategoryBedType`; `CapacityStatus` Vacant/Available
only when beds are available (never NotAvailable beside a sub-category); `AvailableCount` is
`available`, `BaselineCount` is `installed`. Element order follows the schema, which requires it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from lxml import etree

from config.text import xml_text

HAVE = "urn:oasis:names:tc:emergency:EDXL:HAVE:1.0"
XNL = "urn:oasis:names:tc:ciq:xnl:3"
XPIL = "urn:oasis:names:tc:ciq:xpil:3"
GML = "http://www.opengis.net/gml"
NSMAP = {"have": HAVE, "xnl": XNL, "xpil": XPIL, "gml": GML}

# EDXL-HAVE's BedType enumeration has no French intensive-care subtypes: réanimation and the
# soins intensifs units are AdultICU ("critically ill … ventilator support … includes all major
# subtypes of ICU beds, including neuro, cardiac"), told apart by SubCategoryBedType. USC
# (surveillance continue) is step-down care for patients who may become critical, without
# ventilation as a rule: counting it as AdultICU would inflate the ICU beds anyone reads. EDXL
# has no intermediate-care type; MedicalSurgical ("ward beds … may include cardiac telemetry")
# is the closest that claims no more than USC offers, and SubCategoryBedType=USC keeps it found.
BED_TYPES: dict[str, str] = {
    "REA": "AdultICU",
    "USIP": "AdultICU",
    "USIC": "AdultICU",
    "USINV": "AdultICU",
    "USI_HEMATO": "AdultICU",
    "USC": "MedicalSurgical",
    "REA_PED": "PediatricICU",
    "REA_NEO": "NeonatalICU",
    "BURN": "Burn",
}

# A hospital none of whose units ever reported has no last update; the schema requires one.
NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def _sub(parent: etree._Element, ns: str, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ns}}}{tag}")
    if text is not None:
        element.text = xml_text(text)  # what was stored before the input rules, too
    return element


def _xml_time(value: str | datetime | None) -> str:
    if value is None:
        return NEVER.isoformat()
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _unit_comment(unit: dict) -> str:
    """What the standard has no element for, in a stable `key=value; …` form."""
    parts = [
        f"id={unit['id']}",
        f"label={unit['label']}",
        f"occupied={unit['occupied']}",
        f"reserved={unit['reserved']}",
        f"closed={unit['closed']}",
        f"extra={unit['extra']}",
        f"version={unit['version']}",
        f"updated_at={unit['updated_at'] or 'never'}",
        f"freshness={unit['freshness']}",
    ]
    return "; ".join(parts)


def _organization(parent: etree._Element, hospital: dict) -> None:
    organization = _sub(parent, HAVE, "Organization")
    info = _sub(organization, HAVE, "OrganizationInformation")
    name = _sub(info, XNL, "OrganisationName")
    _sub(name, XNL, "NameElement", hospital["name"])
    if hospital.get("phone"):
        numbers = _sub(info, XPIL, "ContactNumbers")
        number = _sub(numbers, XPIL, "ContactNumber")
        number.set(f"{{{XPIL}}}CommunicationMediaType", "Telephone")
        element = _sub(number, XPIL, "ContactNumberElement", hospital["phone"])
        element.set(f"{{{XPIL}}}Type", "LocalNumber")
    identifiers = _sub(info, XPIL, "Identifiers")
    identifier = _sub(identifiers, XPIL, "Identifier")
    identifier.set(f"{{{XPIL}}}Type", "RegistrationID")
    element = _sub(identifier, XPIL, "IdentifierElement", hospital["finess"])
    element.set(f"{{{XPIL}}}Type", "Identifier")
    issuer = _sub(identifier, XPIL, "IssuerName")
    _sub(issuer, XNL, "NameElement", "FINESS")
    where = _sub(organization, HAVE, "OrganizationGeoLocation")
    point = _sub(where, GML, "Point")
    # WGS84, latitude first (geo-oasis profile of GML).
    _sub(point, GML, "pos", f"{hospital['lat']} {hospital['lon']}")


def _bed_capacity(parent: etree._Element, unit: dict) -> None:
    capacity = _sub(parent, HAVE, "BedCapacity")
    _sub(capacity, HAVE, "BedType", BED_TYPES[unit["kind"]])
    _sub(capacity, HAVE, "SubCategoryBedType", unit["kind"])
    figures = _sub(capacity, HAVE, "Capacity")
    # With a SubCategoryBedType the schema forbids a NotAvailable parent status: a full unit
    # gives no status, and its AvailableCount of 0 says it.
    if unit["available"] > 0:
        _sub(figures, HAVE, "CapacityStatus", "Vacant/Available")
    _sub(figures, HAVE, "AvailableCount", str(unit["available"]))
    _sub(figures, HAVE, "BaselineCount", str(unit["installed"]))
    _sub(capacity, HAVE, "CommentText", _unit_comment(unit))


def hospital_status(hospitals: Iterable[dict]) -> bytes:
    """The `HospitalStatus` document, UTF-8 with an XML declaration.

    The schema requires at least one `Hospital`: callers must not pass an empty list.
    """
    root = etree.Element(f"{{{HAVE}}}HospitalStatus", nsmap=NSMAP)
    count = 0
    for hospital in hospitals:
        count += 1
        element = _sub(root, HAVE, "Hospital")
        _organization(element, hospital)
        units = hospital["units"]
        if units:
            status = _sub(element, HAVE, "HospitalBedCapacityStatus")
            for unit in units:
                _bed_capacity(status, unit)
        times = [u["updated_at"] for u in units if u["updated_at"]]
        _sub(element, HAVE, "LastUpdateTime", _xml_time(max(times, key=_parse) if times else None))
    if not count:
        raise ValueError("EDXL-HAVE needs at least one hospital")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value)
