"""Reads for the map and dispatch pages: hospitals as the API shows them, thresholds, outlines,
communes. Access is decided by the caller through `accounts.scopes`."""

from __future__ import annotations

import json
import logging
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet
from django.templatetags.static import static

from accounts.scopes import AnyUser, regions_readable
from beds.models import Hospital, Unit
from beds.scopes import hospitals_readable
from beds.selectors import hospital_hits_with_units, hospital_search, units_for_audience
from maps.builders import MapAssets, Outline, Thresholds, Tiles
from regions.models import Department, Region

logger = logging.getLogger(__name__)


def map_assets() -> MapAssets:
    return MapAssets(
        leaflet_js=static("vendor/leaflet/leaflet.js"),
        leaflet_css=static("vendor/leaflet/leaflet.css"),
        cluster_js=static("vendor/leaflet.markercluster/leaflet.markercluster.js"),
        cluster_css=(
            static("vendor/leaflet.markercluster/MarkerCluster.css"),
            static("vendor/leaflet.markercluster/MarkerCluster.Default.css"),
        ),
    )


def map_tiles() -> Tiles:
    return Tiles(
        url=settings.BEDWATCH_TILES_URL.strip(),
        attribution=settings.BEDWATCH_TILES_ATTRIBUTION.strip(),
    )


def freshness_hours() -> dict[str, float]:
    return {
        "fresh": settings.BEDWATCH_FRESH_HOURS,
        "ageing": settings.BEDWATCH_AGEING_HOURS,
        "stale": settings.BEDWATCH_STALE_HOURS,
    }


def region_thresholds() -> dict[str, Thresholds]:
    return {
        r.code: Thresholds(r.tension_occupancy_pct, r.tension_available_max)
        for r in Region.objects.only("code", "tension_occupancy_pct", "tension_available_max")
    }


def map_hospitals(*, user: AnyUser, region: Region | None, now: datetime) -> list[dict]:
    """Active hospitals with critical-care units that the map of `region` (None: every région
    the user reads) shows, as the API shows them, by name: the hospitals list's search over the
    hospitals of those régions that have units. A reader of a région sees all of its hospitals,
    not only their own."""
    hospitals = Hospital.objects.filter(
        department__region__in=regions_readable(user), pk__in=Unit.objects.values("hospital_id")
    )
    hits = hospital_search(hospitals=hospitals, region=region.code if region else None, now=now)
    return hospital_hits_with_units(hits, now=now)


def map_regions(*, user: AnyUser) -> QuerySet[Region]:
    return regions_readable(user).order_by("code")


# --- outlines ---------------------------------------------------------------------------------


def _round(coords: object) -> object:
    if isinstance(coords, list):
        return [_round(c) for c in coords]
    return round(coords, 4) if isinstance(coords, float) else coords


@lru_cache(maxsize=8)
def _load_geojson(path: str, mtime: float) -> dict | None:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        features = data["features"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        logger.warning("outline file %s is not usable GeoJSON: %s", path, exc)
        return None
    for feature in features:
        geometry = feature.get("geometry") or {}
        geometry["coordinates"] = _round(geometry.get("coordinates"))
    return data


def outline(
    *, path: str, name: str, codes: set[str] | None = None, weight: float = 1.0
) -> Outline | None:
    """Features of an operator-provided GeoJSON file (a `code` property each), optionally only
    those with one of `codes`; None when no file is configured or it cannot be read."""
    if not path:
        return None
    try:
        mtime = Path(path).stat().st_mtime
    except OSError as exc:
        logger.warning("outline file %s cannot be read: %s", path, exc)
        return None
    data = _load_geojson(path, mtime)
    if data is None:
        return None
    features = [
        f
        for f in data["features"]
        if codes is None or str((f.get("properties") or {}).get("code")) in codes
    ]
    if not features:
        return None
    return Outline(
        name=name, geojson={"type": "FeatureCollection", "features": features}, weight=weight
    )


# Shipped with the project (maps/geo/README.md: source, licence, simplification); an operator
# may point BEDWATCH_REGIONS_GEOJSON / BEDWATCH_DEPARTMENTS_GEOJSON at other files.
GEO_DIR = Path(__file__).resolve().parent / "geo"


def _regions_path() -> str:
    return settings.BEDWATCH_REGIONS_GEOJSON.strip() or str(GEO_DIR / "regions.geojson")


def _departments_path() -> str:
    return settings.BEDWATCH_DEPARTMENTS_GEOJSON.strip() or str(GEO_DIR / "departements.geojson")


def region_outlines(*, regions: set[str] | None = None, weight: float = 1.5) -> list[Outline]:
    """The régions' outlines (`regions`: only those), drawn over the départements."""
    found = outline(path=_regions_path(), name="regions", codes=regions, weight=weight)
    return [found] if found else []


def department_outline(*, regions: set[str] | None = None) -> Outline | None:
    """The départements of `regions` (None: all), shaded by tension on the maps."""
    codes = None
    if regions is not None:
        codes = set(Department.objects.filter(region__in=regions).values_list("code", flat=True))
    return outline(path=_departments_path(), name="departments", codes=codes, weight=0.8)


# --- dispatch ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Commune:
    name: str
    postcode: str
    lat: float
    lon: float

    @property
    def label(self) -> str:
        return f"{self.name} ({self.postcode})" if self.postcode else self.name


def fold(text: str) -> str:
    """Case- and accent-insensitive form of a place name ("Saint-Étienne" = "saint etienne")."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(plain.lower().replace("-", " ").replace("'", " ").split())


def communes(*, user: AnyUser) -> list[Commune]:
    """The communes of the hospitals the user reads, each at the mean of its hospitals."""
    points: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for city, postcode, lat, lon in (
        hospitals_readable(user)
        .filter(active=True)
        .exclude(city="")
        .values_list("city", "postcode", "lat", "lon")
    ):
        points.setdefault((city.strip(), postcode.strip()), []).append((lat, lon))
    return sorted(
        (
            Commune(
                name=city,
                postcode=postcode,
                lat=sum(p[0] for p in pts) / len(pts),
                lon=sum(p[1] for p in pts) / len(pts),
            )
            for (city, postcode), pts in points.items()
        ),
        key=lambda c: (fold(c.name), c.postcode),
    )


def communes_matching(query: str, *, choices: list[Commune]) -> list[Commune]:
    """Communes whose postcode, name or "name (postcode)" label is `query`."""
    wanted = fold(query)
    return [
        c for c in choices if wanted in (fold(c.postcode), fold(c.name), fold(c.label)) and wanted
    ]


def dispatch_search(
    *,
    user: AnyUser,
    near: tuple[float, float],
    kind: str,
    min_available: int,
    radius_km: float,
    now: datetime,
) -> tuple[list[dict], list[dict]]:
    """(results, candidates): the API's search (`/api/v1/hospitals/?near=…&kind=…&min_available=…`)
    and, for live updates, every hospital with a unit of `kind` in the radius, nearest first."""
    hospitals = hospitals_readable(user)
    results = hospital_search(
        hospitals=hospitals,
        kind=kind,
        min_available=min_available,
        near=near,
        radius_km=radius_km,
        now=now,
    )
    candidates = hospital_search(
        hospitals=hospitals, kind=kind, near=near, radius_km=radius_km, now=now
    )
    return (
        hospital_hits_with_units(results, now=now),
        hospital_hits_with_units(candidates, now=now),
    )


def overseas_views(*, regions: QuerySet[Region]) -> list[dict]:
    """The overseas régions among `regions`, each with the view the national map flies to
    (one tap, `builders.OVERSEAS_VIEWS`) and its own map's URL (without script)."""
    from django.urls import reverse

    from maps.builders import OVERSEAS_VIEWS

    names = dict(regions.values_list("code", "name"))
    return [
        {
            "code": code,
            "name": names[code],
            "bounds": json.dumps([list(corner) for corner in bounds]),
            "url": reverse("maps:regional", kwargs={"code": code}),
        }
        for code, bounds in OVERSEAS_VIEWS
        if code in names
    ]


def region_units(*, region: Region, now: datetime) -> list[dict]:
    """Every unit of a région's active hospitals as the live feed shows it (with tensions),
    and its hospital's name, by hospital name, kind and label."""
    from beds.events import units_with_tensions

    units = units_for_audience(region=region.code)
    payloads = units_with_tensions(units, now=now)
    for unit, data in zip(units, payloads, strict=True):
        data["hospital_name"] = unit.hospital.name
        data["updated"] = unit.updated_at
    return sorted(payloads, key=lambda u: (u["hospital_name"], u["kind"], u["label"]))
