"""Model instances as the API and the live feed show them (docs/api.md): plain dicts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from beds.capacity import freshness_of
from beds.models import FIGURES, CapacityReport, Hospital, Unit


def unit_to_dict(unit: Unit, *, now: datetime) -> dict:
    """A unit as the API and the live feed show it (docs/api.md, docs/realtime.md)."""
    data = {
        "id": unit.pk,
        "hospital": unit.hospital.finess,
        "kind": unit.kind,
        "label": unit.label,
        "ecmo": unit.ecmo,
    }
    for name in FIGURES:
        data[name] = getattr(unit, name)
    data["version"] = unit.version
    data["updated_at"] = unit.updated_at.isoformat() if unit.updated_at else None
    data["freshness"] = freshness_of(unit.updated_at, now=now)
    return data


def hospital_to_dict(hospital: Hospital, *, now: datetime, units: Iterable[Unit]) -> dict:
    department = hospital.department
    return {
        "finess": hospital.finess,
        "name": hospital.name,
        "lat": hospital.lat,
        "lon": hospital.lon,
        "department": department.code,
        "region": department.region_id,
        "address": hospital.address,
        "postcode": hospital.postcode,
        "city": hospital.city,
        "phone": hospital.phone,
        "units": [unit_to_dict(u, now=now) for u in units],
    }


def report_to_dict(report: CapacityReport) -> dict:
    data = {"id": report.pk, "unit": report.unit_id, "version": report.version}
    for name in FIGURES:
        data[name] = getattr(report, name)
    data.update(
        {
            "observed_at": report.observed_at.isoformat(),
            "received_at": report.received_at.isoformat(),
            "source": report.source,
            "reported_by": report.reporter_username,
            "reporter_role": report.reporter_role,
            "on_behalf": report.on_behalf,
            "note": report.note,
        }
    )
    return data
