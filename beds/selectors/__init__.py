"""Reads of capacity data, shaped as the API and the live feed publish them, by concern:
`shapes` (dicts), `search` (the hospitals list and the near search), `units`,
`region_totals` (summary and trend), `staff` (the staff page). Callers import from here."""

from beds.geometry import (
    DEFAULT_RADIUS_KM,
    EARTH_RADIUS_KM,
    bounding_box,
    haversine_km,
)
from beds.selectors.region_totals import region_summary, region_trend
from beds.selectors.search import (
    HospitalHit,
    hospital_hits_with_units,
    hospital_search,
    hospitals_for_export,
)
from beds.selectors.shapes import hospital_to_dict, report_to_dict, unit_to_dict
from beds.selectors.staff import StaffHospital, staff_hospitals
from beds.selectors.units import (
    latest_report_sources,
    unit_get,
    unit_hospital_id,
    unit_reports,
    units_for_audience,
)

__all__ = [
    "DEFAULT_RADIUS_KM",
    "EARTH_RADIUS_KM",
    "HospitalHit",
    "StaffHospital",
    "bounding_box",
    "haversine_km",
    "hospital_hits_with_units",
    "hospital_search",
    "hospital_to_dict",
    "hospitals_for_export",
    "latest_report_sources",
    "region_summary",
    "region_trend",
    "report_to_dict",
    "staff_hospitals",
    "unit_get",
    "unit_hospital_id",
    "unit_reports",
    "unit_to_dict",
    "units_for_audience",
]
