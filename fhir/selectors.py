"""Reads for the FHIR server: units and hospitals in the caller's scope, as the plain data
`fhir.builders` builds resources from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Q, QuerySet

from beds import selectors as beds_selectors
from beds.models import Hospital, Unit, UnitKind
from fhir.builders import HospitalData, UnitData
from fhir.models import LocationCapacity


def commune_of(hospital: Hospital) -> tuple[str, str] | None:
    """The commune (INSEE COG code, name) of a hospital, from its postcode and city, when the
    gazetteer knows it."""
    try:
        from regions.gazetteer import commune_for
    except ImportError:  # the gazetteer is not installed in this build
        return None
    if not hospital.postcode and not hospital.city:
        return None
    place = commune_for(postcode=hospital.postcode, city=hospital.city)
    if place is None:
        return None
    # ROR's communes (TRE_R13) are communes: a municipal arrondissement counts as its commune.
    if place.parent:
        return place.parent, hospital.city
    return place.insee, place.name


def hospital_data(hospital: Hospital) -> HospitalData:
    return HospitalData(
        finess=hospital.finess,
        name=hospital.name,
        region=hospital.department.region_id,
        lat=hospital.lat,
        lon=hospital.lon,
        address=hospital.address,
        postcode=hospital.postcode,
        city=hospital.city,
        phone=hospital.phone,
        created_at=hospital.created_at,
        commune=commune_of(hospital),
    )


def unit_data(unit: Unit, *, source: str | None, records: list[dict] | None) -> UnitData:
    return UnitData(
        id=unit.pk,
        label=unit.label,
        kind=unit.kind,
        kind_label=str(UnitKind(unit.kind).label),
        figures=unit.figures(),
        version=unit.version,
        updated_at=unit.updated_at,
        created_at=unit.created_at,
        source=source,
        records=records,
    )


@dataclass
class UnitRow:
    unit: UnitData
    hospital: HospitalData


def units_in(units: QuerySet[Unit]) -> list[UnitRow]:
    """`units` with what their resources need, in id order: three queries whatever the count."""
    units = list(units.select_related("hospital__department").order_by("pk"))
    ids = [u.pk for u in units]
    sources = beds_selectors.latest_report_sources(unit_ids=ids)
    records = dict(
        LocationCapacity.objects.filter(unit_id__in=ids, version=F("unit__version")).values_list(
            "unit_id", "records"
        )
    )
    hospitals: dict[int, HospitalData] = {}
    rows = []
    for unit in units:
        if unit.hospital_id not in hospitals:
            hospitals[unit.hospital_id] = hospital_data(unit.hospital)
        rows.append(
            UnitRow(
                unit=unit_data(unit, source=sources.get(unit.pk), records=records.get(unit.pk)),
                hospital=hospitals[unit.hospital_id],
            )
        )
    return rows


def readable_units(hospitals: QuerySet[Hospital]) -> QuerySet[Unit]:
    return Unit.objects.filter(hospital__in=hospitals, hospital__active=True)


def readable_hospitals(hospitals: QuerySet[Hospital]) -> QuerySet[Hospital]:
    return hospitals.filter(active=True).select_related("department")


def unit_search(
    units: QuerySet[Unit],
    *,
    ids: Iterable[str] | None = None,
    regions: Iterable[str] | None = None,
    updated: Iterable[tuple[str, datetime]] = (),
) -> QuerySet[Unit]:
    """Filter units by id, région (the codeRegion tag) and meta.lastUpdated comparisons; a
    never-reported unit's lastUpdated is its creation."""
    if ids is not None:
        units = units.filter(pk__in=[int(i) for i in ids])
    if regions is not None:
        units = units.filter(hospital__department__region_id__in=list(regions))
    for prefix, when in updated:
        units = units.filter(
            _compare("updated_at", prefix, when) | _never_and("created_at", prefix, when)
        )
    return units


def hospital_search(
    hospitals: QuerySet[Hospital],
    *,
    finess: Iterable[str] | None = None,
    regions: Iterable[str] | None = None,
    updated: Iterable[tuple[str, datetime]] = (),
) -> QuerySet[Hospital]:
    if finess is not None:
        hospitals = hospitals.filter(finess__in=list(finess))
    if regions is not None:
        hospitals = hospitals.filter(department__region_id__in=list(regions))
    for prefix, when in updated:
        hospitals = hospitals.filter(_compare("created_at", prefix, when))
    return hospitals


_LOOKUPS = {"gt": "gt", "ge": "gte", "lt": "lt", "le": "lte", "eq": "exact"}


def _compare(field: str, prefix: str, when: datetime) -> Q:
    return Q(**{f"{field}__{_LOOKUPS[prefix]}": when})


def _never_and(field: str, prefix: str, when: datetime) -> Q:
    return Q(updated_at=None) & _compare(field, prefix, when)


def hospitals_of(rows: Iterable[UnitRow]) -> dict[str, HospitalData]:
    return {row.hospital.finess: row.hospital for row in rows}


def organization_last_updated(hospital: Hospital) -> datetime:
    """An Organization changes when its hospital is created; Bedwatch keeps no other date for
    it, and its units' figures are their own resources' changes."""
    return hospital.created_at
