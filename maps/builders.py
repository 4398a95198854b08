"""Folium maps, tables and totals built from plain data (the API's hospital and unit dicts).

Nothing here queries the database or reads settings: callers pass the hospitals, thresholds,
asset URLs, outlines and tile settings, so a map can be tested without a database or a browser.

Folium builds the map: tiles (optional), the départements shaded by tension (`GeoJson` with a
`style_function`), the région outlines, the hospitals' markers (a point `GeoJson` with a
`DivIcon` per feature, inside a `MarkerCluster`), the dispatcher's point and radius. A page
embeds it with `render_map()` (folium's html and script; the page links Leaflet itself, so
folium's header, with its inline styles, is not used). The rules — a unit's, a hospital's and
a département's tension, freshness — are judged here, once; `static/maps/maps.js` only adds the
live behaviour (popups with current figures, the table, live updates) from `page_data`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import folium
import jinja2
from django.utils.dateparse import parse_datetime
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from folium.plugins import MarkerCluster

from beds.capacity import tension_of_totals
from beds.events import add_tensions
from beds.models import FIGURES, FIGURES_BY_USE, Freshness, Tension, UnitKind

FRESHNESS_ORDER: tuple[str, ...] = ("fresh", "ageing", "stale", "expired")
STALE: frozenset[str] = frozenset({"stale", "expired"})
# Metropolitan France: the national map opens on it (overseas régions one tap away).
FRANCE_BOUNDS: tuple[tuple[float, float], tuple[float, float]] = ((41.3, -5.2), (51.1, 9.6))
# The overseas régions' views on the national map: (région code, [[south, west], [north, east]]).
OVERSEAS_VIEWS: tuple[tuple[str, tuple[tuple[float, float], tuple[float, float]]], ...] = (
    ("01", ((15.8, -61.85), (16.55, -60.95))),
    ("02", ((14.35, -61.25), (14.9, -60.8))),
    ("03", ((2.1, -54.6), (5.8, -51.6))),
    ("04", ((-21.4, 55.2), (-20.85, 55.85))),
    ("06", ((-13.05, 44.95), (-12.6, 45.35))),
)


def kind_name(kind: str) -> str:
    return _kind_names(get_language()).get(kind, kind)


@lru_cache(maxsize=8)
def _kind_names(language: str | None) -> dict[str, str]:
    return {k.value: str(k.label) for k in UnitKind}


@dataclass(frozen=True)
class Thresholds:
    """A région's alert thresholds (see `regions.models.Region`)."""

    occupancy_pct: int = 90
    available_max: int = 1


@dataclass(frozen=True)
class MapAssets:
    """URLs of the app's own copies of Leaflet and Leaflet.markercluster (no CDN)."""

    leaflet_js: str
    leaflet_css: str
    cluster_js: str = ""
    cluster_css: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tiles:
    """Tile layer settings; a blank URL draws no tiles and makes no outside request."""

    url: str = ""
    attribution: str = ""


@dataclass(frozen=True)
class Outline:
    """A GeoJSON FeatureCollection drawn as outlines (régions or départements)."""

    name: str
    geojson: Mapping
    weight: float = 1.0
    color: str = "#5c6b7a"


@dataclass(frozen=True)
class Look:
    """How a hospital shows for one unit kind (None: all kinds together)."""

    finess: str
    has_units: bool
    available: int
    tension: str | None
    freshness: str | None

    @property
    def css_class(self) -> str:
        if not self.has_units:
            return "bw-pin bw-none"
        return f"bw-pin bw-t-{self.tension} bw-f-{self.freshness}"

    @property
    def is_stale(self) -> bool:
        return self.freshness in STALE


@dataclass
class BuiltMap:
    """A folium map and the JavaScript names of the layers the page's script adds to."""

    map: folium.Map
    layers: dict[str, str] = field(default_factory=dict)


@dataclass
class RenderedMap:
    """The parts of folium's root figure to put in a page: the map element and the script
    that builds it (to run after Leaflet), and the names of its layers."""

    html: str
    script: str
    layers: dict[str, str]


@dataclass
class TableRow:
    hospital: dict
    look: Look
    units: list[dict] = field(default_factory=list)
    oldest: str | None = None


# --- pure rules -------------------------------------------------------------------------------


def units_of_kind(hospital: Mapping, kind: str | None) -> list[dict]:
    return [u for u in hospital["units"] if kind is None or u["kind"] == kind]


def worst_freshness(units: Iterable[Mapping]) -> str | None:
    worst = None
    for unit in units:
        rank = FRESHNESS_ORDER.index(unit["freshness"])
        if worst is None or rank > worst:
            worst = rank
    return None if worst is None else FRESHNESS_ORDER[worst]


def unit_tension(unit: Mapping, thresholds: Thresholds) -> str:
    return tension_of_totals(
        unit, occupancy_pct=thresholds.occupancy_pct, available_max=thresholds.available_max
    )


def hospital_look(hospital: Mapping, *, kind: str | None, thresholds: Thresholds) -> Look:
    """Colour from the tension of the hospital's beds of `kind` taken together; look from the
    oldest of their figures (a total is only as fresh as its oldest part)."""
    units = units_of_kind(hospital, kind)
    if not units:
        return Look(hospital["finess"], False, 0, None, None)
    totals = dict.fromkeys(FIGURES, 0)
    for unit in units:
        for name in FIGURES:
            totals[name] += unit[name]
    return Look(
        finess=hospital["finess"],
        has_units=True,
        available=totals["available"],
        tension=unit_tension(totals, thresholds),
        freshness=worst_freshness(units),
    )


def department_tensions(
    hospitals: Iterable[Mapping], *, kind: str | None, thresholds: Mapping[str, Thresholds]
) -> dict[str, str]:
    """The tension of each département's beds of `kind` (None: every kind) taken together, by
    its région's thresholds; départements with no such unit are left out."""
    totals: dict[str, dict[str, int]] = {}
    region_of: dict[str, str] = {}
    for hospital in hospitals:
        for unit in units_of_kind(hospital, kind):
            sums = totals.setdefault(hospital["department"], dict.fromkeys(FIGURES, 0))
            region_of[hospital["department"]] = hospital["region"]
            for name in FIGURES:
                sums[name] += unit[name]
    return {
        code: unit_tension(sums, thresholds.get(region_of[code], Thresholds()))
        for code, sums in totals.items()
    }


def with_tensions(hospitals: Sequence[dict], *, thresholds: Mapping[str, Thresholds]) -> None:
    """Give each unit the tensions the live feed sends (`beds.events.add_tensions`): its own,
    its hospital's and its département's, for its kind and for every kind. Département
    tensions count the units given: pass every hospital of the départements shown."""
    rows = []
    payloads = []
    for hospital in hospitals:
        limits = thresholds.get(hospital["region"], Thresholds())
        for unit in hospital["units"]:
            payloads.append(unit)
            rows.append(
                (
                    hospital["finess"],
                    hospital["department"],
                    limits.occupancy_pct,
                    limits.available_max,
                    unit["kind"],
                    *(unit[name] for name in FIGURES),
                )
            )
    add_tensions(payloads, rows=rows)


@lru_cache(maxsize=8)
def _texts(language: str | None) -> dict[str, str]:
    return {
        "never": _("never"),
        "min": _("%(m)d min"),
        "hours": _("%(h)d h %(m)02d"),
        "days": _("%(d)d d"),
    }


def age_text(updated_at: str | datetime | None, *, now: datetime) -> str:
    """A short age ("12 min", "3 h 05", "2 j"); the page's script keeps it current."""
    words = _texts(get_language())
    if updated_at is None:
        return words["never"]
    when = parse_datetime(updated_at) if isinstance(updated_at, str) else updated_at
    if when is None:
        return words["never"]
    minutes = max(int((now - when).total_seconds() // 60), 0)
    if minutes < 60:
        return words["min"] % {"m": minutes}
    if minutes < 48 * 60:
        return words["hours"] % {"h": minutes // 60, "m": minutes % 60}
    return words["days"] % {"d": minutes // (24 * 60)}


def area_totals(hospitals: Iterable[Mapping]) -> dict:
    """Per-kind totals of an area and how many units have stale or expired figures."""
    per_kind: dict[str, dict] = {}
    stale = expired = units = 0
    for hospital in hospitals:
        for unit in hospital["units"]:
            units += 1
            totals = per_kind.get(unit["kind"])
            if totals is None:
                totals = per_kind[unit["kind"]] = {
                    "kind": unit["kind"],
                    "name": kind_name(unit["kind"]),
                    "units": 0,
                    "stale": 0,
                } | {name: 0 for name in FIGURES}
            totals["units"] += 1
            for name in FIGURES:
                totals[name] += unit[name]
            if unit["freshness"] in STALE:
                totals["stale"] += 1
                stale += unit["freshness"] == "stale"
                expired += unit["freshness"] == "expired"
    kinds = [per_kind[k.value] for k in UnitKind if k.value in per_kind]
    return {"kinds": kinds, "units": units, "stale": stale, "expired": expired}


def _row(hospital: Mapping, *, kind: str | None, limits: Thresholds, only_kind: bool) -> TableRow:
    shown = units_of_kind(hospital, kind) if only_kind else hospital["units"]
    units = [{**u, "name": kind_name(u["kind"]), "tension": unit_tension(u, limits)} for u in shown]
    dated = [u["updated_at"] for u in units_of_kind(hospital, kind) if u["updated_at"]]
    return TableRow(
        hospital=dict(hospital),
        look=hospital_look(hospital, kind=kind, thresholds=limits),
        units=units,
        oldest=min(dated) if dated else None,
    )


def dispatch_rows(
    candidates: Iterable[Mapping], *, kind: str | None, thresholds: Mapping[str, Thresholds]
) -> list[TableRow]:
    """One row per hospital with its units of `kind`, in the order given (nearest first)."""
    return [
        _row(h, kind=kind, limits=thresholds.get(h["region"], Thresholds()), only_kind=True)
        for h in candidates
    ]


def kinds_present(hospitals: Iterable[Mapping]) -> list[str]:
    present = {u["kind"] for h in hospitals for u in h["units"]}
    return [k.value for k in UnitKind if k.value in present]


def kind_choices(hospitals: Iterable[Mapping]) -> list[tuple[str, str]]:
    """The kind selector's choices: the kinds present (every kind on an empty map)."""
    kinds = kinds_present(hospitals) or [k.value for k in UnitKind]
    return [(k, kind_name(k)) for k in kinds]


def legend_items(*, dispatch: bool = False) -> dict:
    """What the legend shows (templates/maps/_legend.html): markers and départements."""
    markers = [
        ("bw-pin bw-t-normal bw-f-fresh", "5", _("Free beds")),
        ("bw-pin bw-t-tension bw-f-fresh", "1", _("Under strain")),
        ("bw-pin bw-t-saturated bw-f-fresh", "0", _("Saturated: no free bed")),
        ("bw-pin bw-t-normal bw-f-stale", "5", _("Old figures (> 12 h)")),
        ("bw-pin bw-t-normal bw-f-expired", "5", _("Expired figures (> 24 h)")),
    ]
    if dispatch:
        markers.append(
            ("bw-pin bw-t-saturated bw-f-fresh bw-out", "0", _("Below the minimum asked for"))
        )
    else:
        markers.append(("bw-pin bw-none", "–", _("No unit of this kind")))
    markers.append(("bw-pin bw-cluster-sample", "3", _("Hospitals grouped: zoom in or tap")))
    departments = [
        ("bw-dt-normal", _("normal")),
        ("bw-dt-tension", _("tension")),
        ("bw-dt-saturated", _("saturated")),
        ("bw-dt-none", _("No unit of this kind")),
    ]
    return {"markers": markers, "departments": [] if dispatch else departments}


# --- folium -----------------------------------------------------------------------------------


def _new_map(*, assets: MapAssets, bounds: Sequence[Sequence[float]]) -> folium.Map:
    center = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    m = folium.Map(
        location=center,
        tiles=None,
        zoom_start=6,
        control_scale=True,
        zoom_snap=0.25,
        # Leaflet's own options (folium's min_zoom/max_zoom are the tile layer's): the cluster
        # layer needs the map's maximum zoom.
        **{"minZoom": 2, "maxZoom": 18},
    )
    # Folium's class-level CDN defaults are replaced per instance (the page links these).
    m.default_js = [("leaflet", assets.leaflet_js)]
    m.default_css = [("leaflet_css", assets.leaflet_css)]
    return m


def _tension_class(tension: str | None) -> str:
    return f"bw-dept bw-dt-{tension or 'none'}"


def _departments_layer(outline: Outline, *, tensions: Mapping[str, str] | None) -> folium.GeoJson:
    """Départements drawn by folium, each shaded by its tension (a CSS class per tension, so
    that live updates only swap the class); None draws outlines only."""

    def style(feature: Mapping) -> dict:
        base = {"color": outline.color, "weight": outline.weight, "opacity": 0.7}
        if tensions is None:
            return base | {"fill": False, "className": "bw-dept"}
        code = str(feature["properties"]["code"])
        return base | {"fill": True, "className": _tension_class(tensions.get(code))}

    return folium.GeoJson(
        dict(outline.geojson),
        name=_("Départements: tension of the chosen kind")
        if tensions is not None
        else outline.name,
        control=tensions is not None,
        style_function=style,
        interactive=False,
    )


def _outline_layer(outline: Outline, *, control: bool = False) -> folium.GeoJson:
    return folium.GeoJson(
        dict(outline.geojson),
        name=_("Régions") if outline.name == "regions" else outline.name,
        control=control,
        interactive=False,
        style_function=lambda _f, o=outline: {
            "color": o.color,
            "weight": o.weight,
            "fill": False,
            "opacity": 0.9,
        },
    )


def marker_features(
    hospitals: Sequence[Mapping],
    *,
    kind: str | None,
    thresholds: Mapping[str, Thresholds],
    out: frozenset[str] = frozenset(),
) -> dict:
    """The hospitals as GeoJSON points, each with its marker's class and text (free beds of
    `kind`, coloured by tension, greyed by freshness; `out`: below the dispatcher's minimum)."""
    features = []
    for h in hospitals:
        look = hospital_look(h, kind=kind, thresholds=thresholds.get(h["region"], Thresholds()))
        css = look.css_class + (" bw-out" if h["finess"] in out else "")
        features.append(
            {
                "type": "Feature",
                "id": h["finess"],
                "properties": {
                    "finess": h["finess"],
                    "icon": {
                        "className": css,
                        "html": str(look.available) if look.has_units else "–",
                    },
                },
                "geometry": {"type": "Point", "coordinates": [h["lon"], h["lat"]]},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _markers_layer(
    features: dict, *, assets: MapAssets, parent: folium.Map, control: bool = False
) -> tuple[MarkerCluster, folium.GeoJson]:
    """Markers from GeoJSON inside a cluster layer: markers that would overlap (closer than
    a marker's width) merge into a count until the map is zoomed in; markers at one spot
    spread out on a click at the last zoom."""
    cluster = MarkerCluster(
        name=_("Hospitals"),
        control=control,
        options={
            "maxClusterRadius": 30,
            "spiderfyOnMaxZoom": True,
            "showCoverageOnHover": False,
        },
    )
    cluster.default_js = [("markercluster", assets.cluster_js)] if assets.cluster_js else []
    cluster.default_css = [(f"markercluster_{i}", url) for i, url in enumerate(assets.cluster_css)]
    cluster.add_to(parent)
    icon = folium.DivIcon(icon_size=(32, 32), icon_anchor=(16, 16), class_name="bw-pin")
    layer = folium.GeoJson(
        features,
        name="markers",
        marker=folium.Marker(icon=icon, keyboard=True, riseOnHover=True),
        # Each feature's icon class and text, as judged above.
        style_function=lambda feature: dict(feature["properties"]["icon"]),
    )
    layer.add_to(cluster)
    return cluster, layer


def _finish(m: folium.Map, *, bounds: Sequence[Sequence[float]], tiles: Tiles) -> None:
    if tiles.url:
        folium.TileLayer(tiles=tiles.url, attr=tiles.attribution or " ", name="tiles").add_to(m)
    m.fit_bounds([list(bounds[0]), list(bounds[1])], padding=(12, 12))


def _bounds_of(points: Sequence[Mapping]) -> list[list[float]] | None:
    if not points:
        return None
    lats = [h["lat"] for h in points]
    lons = [h["lon"] for h in points]
    pad_lat = max((max(lats) - min(lats)) * 0.08, 0.05)
    pad_lon = max((max(lons) - min(lons)) * 0.08, 0.05)
    return [[min(lats) - pad_lat, min(lons) - pad_lon], [max(lats) + pad_lat, max(lons) + pad_lon]]


def area_map(
    hospitals: Sequence[Mapping],
    *,
    kind: str | None,
    assets: MapAssets,
    thresholds: Mapping[str, Thresholds] | None = None,
    tiles: Tiles = Tiles(),
    departments: Outline | None = None,
    outlines: Sequence[Outline] = (),
    bounds: Sequence[Sequence[float]] | None = None,
) -> BuiltMap:
    """A map of hospitals with critical-care units (those without units are left out): the
    départements shaded by the tension of their beds of `kind`, outlines, the markers. It opens
    on `bounds`, else on the hospitals, else on metropolitan France."""
    thresholds = thresholds or {}
    shown = [h for h in hospitals if h["units"]]
    bounds = bounds or _bounds_of(shown) or FRANCE_BOUNDS
    m = _new_map(assets=assets, bounds=bounds)
    layers = {"map": m.get_name()}
    if departments is not None:
        tensions = department_tensions(shown, kind=kind, thresholds=thresholds)
        shaded = _departments_layer(departments, tensions=tensions)
        shaded.add_to(m)
        layers["departments"] = shaded.get_name()
    for outline in outlines:
        _outline_layer(outline, control=True).add_to(m)
    cluster, markers = _markers_layer(
        marker_features(shown, kind=kind, thresholds=thresholds),
        assets=assets,
        parent=m,
        control=True,
    )
    layers |= {"cluster": cluster.get_name(), "markers": markers.get_name()}
    _finish(m, bounds=bounds, tiles=tiles)
    # Folium's layer control: each layer can be hidden (the shading, to read the markers).
    folium.LayerControl(collapsed=True).add_to(m)
    return BuiltMap(m, layers)


def national_map(hospitals: Sequence[Mapping], **kwargs: object) -> BuiltMap:
    """The country (metropolitan France in view, overseas régions one tap away)."""
    kwargs.setdefault("bounds", FRANCE_BOUNDS)
    return area_map(hospitals, **kwargs)  # type: ignore[arg-type]


def regional_map(hospitals: Sequence[Mapping], **kwargs: object) -> BuiltMap:
    """One région, opened on its hospitals, its départements shaded."""
    return area_map(hospitals, **kwargs)  # type: ignore[arg-type]


def dispatch_map(
    candidates: Sequence[Mapping],
    *,
    point: tuple[float, float] | None,
    radius_km: float | None,
    kind: str | None,
    assets: MapAssets,
    min_available: int = 1,
    thresholds: Mapping[str, Thresholds] | None = None,
    tiles: Tiles = Tiles(),
    departments: Outline | None = None,
    outlines: Sequence[Outline] = (),
) -> BuiltMap:
    """The dispatcher's map: the search point and radius, and the hospitals around it (those
    below the minimum of free beds dimmed)."""
    thresholds = thresholds or {}
    if point is not None:
        bounds = _bounds_of([{"lat": point[0], "lon": point[1]}, *candidates]) or FRANCE_BOUNDS
    else:
        bounds = FRANCE_BOUNDS
    m = _new_map(assets=assets, bounds=bounds)
    layers = {"map": m.get_name()}
    if departments is not None:
        _departments_layer(departments, tensions=None).add_to(m)
    for outline in outlines:
        _outline_layer(outline).add_to(m)
    if point is not None:
        if radius_km:
            folium.Circle(
                location=list(point),
                radius=radius_km * 1000,
                color="#1565c0",
                weight=1,
                fill=False,
                dash_array="6 6",
                interactive=False,
            ).add_to(m)
        marker = folium.Marker(
            location=list(point),
            icon=folium.DivIcon(icon_size=(22, 22), icon_anchor=(11, 11), class_name="bw-point"),
            title=_("Search point"),
            interactive=False,
            z_index_offset=1000,
        )
        marker.add_to(m)
        layers["point"] = marker.get_name()
    out = frozenset(
        h["finess"]
        for h in candidates
        if not any(u["available"] >= min_available for u in units_of_kind(h, kind))
    )
    cluster, markers = _markers_layer(
        marker_features(candidates, kind=kind, thresholds=thresholds, out=out),
        assets=assets,
        parent=m,
    )
    layers |= {"cluster": cluster.get_name(), "markers": markers.get_name()}
    _finish(m, bounds=bounds, tiles=tiles)
    return BuiltMap(m, layers)


def render_map(built: BuiltMap) -> RenderedMap:
    root = built.map.get_root()
    root.render()  # collects the script of every element
    return RenderedMap(html=root.html.render(), script=root.script.render(), layers=built.layers)


# The page's JSON sends each hospital and unit as an array of these fields, named once in
# `fields` (a national map has ~1,800 hospitals and ~3,600 units): the API's names, and only
# what popups, the table and live updates use, with the tensions judged on the server.
HOSPITAL_FIELDS: tuple[str, ...] = (
    "finess",
    "name",
    "lat",
    "lon",
    "department",
    "region",
    "postcode",
    "city",
    "phone",
    "units",
)
UNIT_FIELDS: tuple[str, ...] = (
    "id",
    "kind",
    "label",
    *FIGURES,
    "version",
    "updated_at",
    "freshness",
    "tension",
    "hospital_tension",
    "hospital_tension_all",
    "department_tension",
    "department_tension_all",
)


def compact_hospitals(hospitals: Iterable[Mapping]) -> list[list]:
    """Hospitals with units as arrays of `HOSPITAL_FIELDS`, their units as arrays of
    `UNIT_FIELDS`, in the order given."""
    return [
        [h[name] for name in HOSPITAL_FIELDS[:-1]]
        + [[[u.get(name) for name in UNIT_FIELDS] for u in h["units"]]]
        for h in hospitals
        if h["units"]
    ]


def freshness_steps(freshness_hours: Mapping[str, float]) -> list[list]:
    """When figures change freshness as they age, in seconds after `updated_at`: the page
    restyles a unit whose figures age while it is open (the next report or snapshot brings
    the server's own judgement again)."""
    return [
        [freshness_hours["fresh"] * 3600, Freshness.AGEING.value],
        [freshness_hours["ageing"] * 3600, Freshness.STALE.value],
        [freshness_hours["stale"] * 3600, Freshness.EXPIRED.value],
    ]


def page_data(
    hospitals: Sequence[Mapping],
    *,
    kind: str | None,
    freshness_hours: Mapping[str, float],
    layers: Mapping[str, str] | None = None,
    time_zones: Mapping[str, str] | None = None,
    extra: Mapping | None = None,
) -> dict:
    """Everything the page's script draws from (`static/maps/maps.js`): the hospitals once, in
    compact form (units with their tensions, `with_tensions`), the names of folium's layers,
    and the words of popups and rows."""
    return {
        "kind": kind or None,
        "fields": {"hospital": list(HOSPITAL_FIELDS), "unit": list(UNIT_FIELDS)},
        "hospitals": compact_hospitals(hospitals),
        "layers": dict(layers or {}),
        "freshnessOrder": list(FRESHNESS_ORDER),
        "freshnessSteps": freshness_steps(freshness_hours),
        "timeZones": dict(time_zones or {}),
        "labels": {"never": _("never"), "min": _("min"), "h": _("h"), "d": _("d")},
        "text": {
            "popupFigures": list(FIGURES_BY_USE),
            "kinds": {k.value: kind_name(k.value) for k in UnitKind},
            "tensions": {t.value: str(t.label) for t in Tension},
            "freshness": {f.value: str(f.label) for f in Freshness},
            "noUnit": _("No unit of this kind"),
            "freeBeds": _("free beds"),
        },
        **(extra or {}),
    }


# The no-script table of a national page has ~3,600 rows: Django's template engine took
# ~0.8 s for them, Jinja2 (folium's own engine, autoescaping) a few tens of milliseconds.
_FALLBACK = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parents[1] / "templates" / "maps"),
    autoescape=True,
    auto_reload=False,
)


def units_fallback_html(hospitals: Iterable[Mapping], *, now: datetime) -> SafeString:
    """Every unit of the page as a plain table, for clients that run no script (a SAMU
    centre's tool reading the page, a text browser): each row carries `data-unit-id` and
    `data-available`. Served inside `<noscript>`, so a browser running the page's script
    neither builds nor lays it out (templates/maps/_fallback.jinja)."""
    heads = [
        _("Hospital"),
        _("Unit"),
        _("Free"),
        _("Occupied"),
        _("Capacity"),
        _("Age"),
        _("Admissions"),
    ]
    rows = [
        (hospital, unit, age_text(unit["updated_at"], now=now))
        for hospital in hospitals
        for unit in hospital["units"]
    ]
    html = _FALLBACK.get_template("_fallback.jinja").render(heads=heads, rows=rows)
    return mark_safe(html)  # noqa: S308 (Jinja2 escaped every value)


def page_json(data: object) -> SafeString:
    """JSON to put inside `<script type="application/json">`, as Django's `json_script` escapes
    it (no `<`, `>` or `&` can close the element) but compact and ~4× faster on a national
    map's half megabyte."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return mark_safe(text)  # noqa: S308 (escaped above)
