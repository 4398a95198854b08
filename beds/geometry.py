"""Distances on the Earth's mean sphere, and the box a search asks the database for. Pure:
no database access."""

from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0088
# The near search's radius when none is given.
DEFAULT_RADIUS_KM = 50.0


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing the circle; cheap SQL prefilter."""
    # Widened by ~1 cm: float rounding must never drop a hospital the exact distance keeps.
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM) + 1e-7
    cos_lat = math.cos(math.radians(lat))
    if cos_lat < 1e-6 or abs(lat) + dlat >= 90:
        return lat - dlat, lat + dlat, -180.0, 180.0
    dlon = min(180.0, math.degrees(radius_km / (EARTH_RADIUS_KM * cos_lat)) + 1e-7)
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon
