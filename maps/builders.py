"""Folium maps, tables and totals built from plain data (the API's hospital and unit dicts).

Nothing here queries the database or reads settings: callers pass the hospitals, thresholds,
asset URLs and tile settings, so a map can be tested without a database or a browser.

A page embeds a built map with `render_map()` (header, html and script of folium's root),
not `_repr_html_()`, whose iframe page scripts cannot reach. Folium draws the base map (tiles,
outlines, controls, the dispatcher's point); the hospitals go to the page once, as compact
JSON (`page_data`), and `static/maps/maps.js` creates their markers in one loop, registered in
`window.bedwatchMap.markers[finess]`, builds a popup when it opens and the table's rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from html import escape

import folium
from branca.element import MacroElement
from django.utils.dateparse import parse_datetime
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from folium.template import Template

from beds.capacity import tension_of_totals
from beds.models import FIGURES, FIGURES_BY_USE, UnitKind

FRESHNESS_ORDER: tuple[str, ...] = ("fresh", "ageing", "stale", "expired")
STALE: frozenset[str] = frozenset({"stale", "expired"})
# Metropolitan France: the national map opens on it (overseas régions are listed beside it).
FRANCE_BOUNDS: tuple[tuple[float, float], tuple[float, float]] = ((41.3, -5.2), (51.1, 9.6))


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
    """URLs of the app's own copies of Leaflet (no CDN)."""

    leaflet_js: str
    leaflet_css: str


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
class RenderedMap:
    """The parts of folium's root figure to put in a page: header (links, styles), the map
    element, and the script that builds it (to run after the header's scripts)."""

    header: str
    html: str
    script: str


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
    totals = {name: sum(u[name] for u in units) for name in FIGURES}
    return Look(
        finess=hospital["finess"],
        has_units=True,
        available=totals["available"],
        tension=unit_tension(totals, thresholds),
        freshness=worst_freshness(units),
    )


@lru_cache(maxsize=8)
def _texts(language: str | None) -> dict[str, str]:
    """The words of ages and the popup's table head, translated once per language."""
    columns = [
        ("available", _("Free"), _("Available beds")),
        ("occupied", _("Occ."), _("Occupied beds")),
        ("reserved", _("Res."), _("Reserved beds (within 24 h)")),
        ("closed", _("Clo."), _("Closed beds")),
        ("installed", _("Inst."), _("Installed beds")),
        ("extra", _("Ext."), _("Extra beds opened")),
    ]
    unit_title, age_title = _("Unit"), _("Age")
    head = ['<table class="bw-popup-units"><thead><tr>', f"<th>{escape(unit_title)}</th>"]
    head += [
        f'<th data-col="{name}" title="{escape(title)}">{escape(label)}</th>'
        for name, label, title in columns
    ]
    head.append(f"<th>{escape(age_title)}</th></tr></thead><tbody>")
    return {
        "never": _("never"),
        "min": _("%(m)d min"),
        "hours": _("%(h)d h %(m)02d"),
        "days": _("%(d)d d"),
        "table_head": "".join(head),
    }


def texts() -> dict[str, str]:
    return _texts(get_language())


def age_text(updated_at: str | datetime | None, *, now: datetime) -> str:
    """A short age ("12 min", "3 h 05", "2 j"); the page's script keeps it current."""
    words = texts()
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


# --- HTML fragments ---------------------------------------------------------------------------


def legend_html(*, dispatch: bool = False) -> str:
    items = [
        ("bw-pin bw-t-normal bw-f-fresh", "5", _("Free beds")),
        ("bw-pin bw-t-tension bw-f-fresh", "1", _("Under strain")),
        ("bw-pin bw-t-saturated bw-f-fresh", "0", _("Saturated: no free bed")),
        ("bw-pin bw-t-normal bw-f-stale", "5", _("Old figures (> 12 h)")),
        ("bw-pin bw-t-normal bw-f-expired", "5", _("Expired figures (> 24 h)")),
        ("bw-pin bw-none", "–", _("No unit of this kind")),
    ]
    if dispatch:
        items[-1] = (
            "bw-pin bw-t-saturated bw-f-fresh bw-out",
            "0",
            _("Below the minimum asked for"),
        )
    rows = "".join(
        f'<li><span class="{cls}"><span>{text}</span></span> {escape(label)}</li>'
        for cls, text, label in items
    )
    title = _("Free beds of the chosen kind")
    return (
        # A <details>: one tap folds it away from the markers beneath.
        f'<details class="bw-legend" open><summary>{escape(title)}'
        f"</summary><ul>{rows}</ul></details>"
    )


def kind_select_html(kinds: Sequence[str], selected: str | None) -> str:
    # Outside the f-strings, so that makemessages finds them.
    all_kinds, unit_kind = _("All kinds"), _("Unit kind")
    options = [f'<option value=""{"" if selected else " selected"}>{escape(all_kinds)}</option>']
    for kind in kinds:
        mark = " selected" if kind == selected else ""
        options.append(
            f'<option value="{kind}"{mark}>{escape(kind)} — {escape(kind_name(kind))}</option>'
        )
    return (
        f'<label class="bw-kind-select">{escape(unit_kind)} '
        f'<select name="kind" data-bw-kind-select>{"".join(options)}</select></label>'
    )


# --- folium elements --------------------------------------------------------------------------


class BedwatchMap(folium.Map):
    """A folium map that loads Leaflet from the app and nothing else.

    Folium's class-level defaults (Leaflet, jQuery, Bootstrap, awesome-markers, fonts from
    CDNs) are replaced per instance, never on the class; none of our elements needs jQuery.
    The header keeps only the map element's size: the page owns `html`, `body` and viewport.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>
                #{{ this.get_name() }} { position: relative; width: 100%; height: 100%; }
            </style>
        {% endmacro %}

        {% macro html(this, kwargs) %}
            <div class="folium-map bw-map" id={{ this.get_name()|tojson }}></div>
        {% endmacro %}

        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.map(
                {{ this.get_name()|tojson }},
                {
                    center: {{ this.location|tojson }},
                    crs: L.CRS.{{ this.crs }},
                    ...{{ this.options|tojavascript }}
                }
            );
            {%- if this.control_scale %}
            L.control.scale({imperial: false}).addTo({{ this.get_name() }});
            {%- endif %}
            window.bedwatchMap = {map: {{ this.get_name() }}, markers: {}, popups: {}};
        {% endmacro %}
        """
    )

    def __init__(self, *, assets: MapAssets, **kwargs: object) -> None:
        super().__init__(tiles=None, **kwargs)  # type: ignore[arg-type]
        self.default_js = [("leaflet", assets.leaflet_js)]
        self.default_css = [("leaflet_css", assets.leaflet_css)]


class HtmlControl(MacroElement):
    """A Leaflet control holding some HTML (legend, kind selector)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
            {{ this.get_name() }}.onAdd = function () {
                var div = L.DomUtil.create("div", {{ this.css_class|tojson }});
                div.innerHTML = {{ this.content|tojson }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, *, content: str, position: str, css_class: str) -> None:
        super().__init__()
        self._name = "HtmlControl"
        self.content = content
        self.position = position
        self.css_class = f"leaflet-control {css_class}"


class PointMarker(MacroElement):
    """The dispatcher's search point."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.marker({{ this.location|tojson }}, {
                icon: L.divIcon({html: '<div class="bw-point"></div>', className: "bw-marker",
                                 iconSize: [22, 22], iconAnchor: [11, 11]}),
                title: {{ this.title|tojson }}, interactive: false, zIndexOffset: 1000
            }).addTo({{ this._parent.get_name() }});
            window.bedwatchMap.point = {{ this.get_name() }};
        {% endmacro %}
        """
    )

    def __init__(self, *, location: tuple[float, float], title: str) -> None:
        super().__init__()
        self._name = "PointMarker"
        self.location = list(location)
        self.title = title


# --- maps -------------------------------------------------------------------------------------


def _bounds_of(hospitals: Sequence[Mapping]) -> list[list[float]] | None:
    if not hospitals:
        return None
    lats = [h["lat"] for h in hospitals]
    lons = [h["lon"] for h in hospitals]
    pad_lat = max((max(lats) - min(lats)) * 0.08, 0.05)
    pad_lon = max((max(lons) - min(lons)) * 0.08, 0.05)
    return [[min(lats) - pad_lat, min(lons) - pad_lon], [max(lats) + pad_lat, max(lons) + pad_lon]]


def _base_map(
    *,
    assets: MapAssets,
    tiles: Tiles,
    bounds: Sequence[Sequence[float]],
    outlines: Sequence[Outline],
) -> BedwatchMap:
    center = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    m = BedwatchMap(
        assets=assets,
        location=center,
        zoom_start=6,
        control_scale=True,
        min_zoom=3,
        max_zoom=18,
        zoom_snap=0.25,
    )
    if tiles.url:
        folium.TileLayer(tiles=tiles.url, attr=tiles.attribution or " ", name="tiles").add_to(m)
    for outline in outlines:
        folium.GeoJson(
            dict(outline.geojson),
            name=outline.name,
            interactive=False,
            style_function=lambda _f, o=outline: {
                "color": o.color,
                "weight": o.weight,
                "fill": False,
                "opacity": 0.8,
            },
        ).add_to(m)
    # Keep markers clear of the kind selector (top right) and the legend (bottom left).
    m.fit_bounds(
        [list(bounds[0]), list(bounds[1])], padding_top_left=(60, 70), padding_bottom_right=(30, 30)
    )
    return m


def _add_controls(m: folium.Map, *, kinds: Sequence[str], kind: str | None) -> None:
    HtmlControl(
        content=kind_select_html(kinds, kind), position="topright", css_class="bw-control"
    ).add_to(m)
    HtmlControl(content=legend_html(), position="bottomleft", css_class="bw-control").add_to(m)


def kinds_present(hospitals: Iterable[Mapping]) -> list[str]:
    present = {u["kind"] for h in hospitals for u in h["units"]}
    return [k.value for k in UnitKind if k.value in present]


def area_map(
    hospitals: Sequence[Mapping],
    *,
    kind: str | None,
    assets: MapAssets,
    tiles: Tiles = Tiles(),
    outlines: Sequence[Outline] = (),
    bounds: Sequence[Sequence[float]] | None = None,
) -> BedwatchMap:
    """A map of hospitals with critical-care units (those without units are left out), a kind
    selector and a legend; it opens on `bounds`, else on the hospitals, else on France."""
    shown = [h for h in hospitals if h["units"]]
    m = _base_map(
        assets=assets,
        tiles=tiles,
        bounds=bounds or _bounds_of(shown) or FRANCE_BOUNDS,
        outlines=outlines,
    )
    _add_controls(m, kinds=kinds_present(shown) or [k.value for k in UnitKind], kind=kind)
    return m


def national_map(hospitals: Sequence[Mapping], **kwargs: object) -> BedwatchMap:
    """The country (metropolitan France in view), région outlines when provided."""
    kwargs.setdefault("bounds", FRANCE_BOUNDS)
    return area_map(hospitals, **kwargs)  # type: ignore[arg-type]


def regional_map(hospitals: Sequence[Mapping], **kwargs: object) -> BedwatchMap:
    """One région, opened on its hospitals, département outlines when provided."""
    return area_map(hospitals, **kwargs)  # type: ignore[arg-type]


def dispatch_map(
    candidates: Sequence[Mapping],
    *,
    point: tuple[float, float] | None,
    radius_km: float | None,
    kind: str | None,
    assets: MapAssets,
    tiles: Tiles = Tiles(),
    outlines: Sequence[Outline] = (),
) -> BedwatchMap:
    """The dispatcher's map: the search point and radius, and the hospitals around it."""
    if point is not None:
        bounds = _bounds_of([{"lat": point[0], "lon": point[1]}, *candidates]) or FRANCE_BOUNDS
    else:
        bounds = FRANCE_BOUNDS
    m = _base_map(assets=assets, tiles=tiles, bounds=bounds, outlines=outlines)
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
        PointMarker(location=point, title=_("Search point")).add_to(m)
    HtmlControl(
        content=legend_html(dispatch=True), position="bottomleft", css_class="bw-control"
    ).add_to(m)
    return m


def render_map(m: folium.Map) -> RenderedMap:
    root = m.get_root()
    root.render()  # collects the header links and the script of every element
    return RenderedMap(
        header=root.header.render(), html=root.html.render(), script=root.script.render()
    )


# The page's JSON sends each hospital and unit as an array of these fields, named once in
# `fields` (a national map has ~1,800 hospitals and ~3,600 units): the API's names, and only
# what markers, popups, the table and live updates use.
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
)


def compact_hospitals(hospitals: Iterable[Mapping]) -> list[list]:
    """Hospitals with units as arrays of `HOSPITAL_FIELDS`, their units as arrays of
    `UNIT_FIELDS`, in the order given."""
    return [
        [h[name] for name in HOSPITAL_FIELDS[:-1]]
        + [[[u[name] for name in UNIT_FIELDS] for u in h["units"]]]
        for h in hospitals
        if h["units"]
    ]


def page_data(
    hospitals: Sequence[Mapping],
    *,
    kind: str | None,
    thresholds: Mapping[str, Thresholds],
    freshness_hours: Mapping[str, float],
    extra: Mapping | None = None,
) -> dict:
    """Everything the page's script draws from (`static/maps/maps.js`): the hospitals once, in
    compact form, the rules to colour them and the words of popups and table rows."""
    words = texts()
    return {
        "kind": kind or None,
        "fields": {"hospital": list(HOSPITAL_FIELDS), "unit": list(UNIT_FIELDS)},
        "hospitals": compact_hospitals(hospitals),
        "thresholds": {
            code: {"occupancy_pct": t.occupancy_pct, "available_max": t.available_max}
            for code, t in thresholds.items()
        },
        "freshnessHours": dict(freshness_hours),
        "labels": {"never": _("never"), "min": _("min"), "h": _("h"), "d": _("d")},
        "text": {
            "popupHead": words["table_head"],  # HTML, escaped here
            "popupFigures": list(FIGURES_BY_USE),  # the popup's columns
            "admissions": _("Admissions"),
            "unitsTitle": _("Units: free / installed beds"),
            "kinds": {k.value: kind_name(k.value) for k in UnitKind},
        },
        **(extra or {}),
    }


def units_fallback_html(hospitals: Iterable[Mapping], *, now: datetime) -> SafeString:
    """Every unit of the page as a plain table, for clients that run no script (a SAMU
    centre's tool reading the page, a text browser): each row carries `data-unit-id` and
    `data-available` (DESIGN §5). Served inside `<noscript>`, so a browser running the page's
    script neither builds nor lays it out. Built with plain string joins: a national page has
    thousands of units, and Django's template engine took ~1 s for them."""
    head = "".join(
        f'<th scope="col">{escape(label)}</th>'
        for label in (
            _("Hospital"),
            _("Unit"),
            _("Free"),
            _("Occupied"),
            _("Capacity"),
            _("Age"),
            _("Admissions"),
        )
    )
    rows = []
    for hospital in hospitals:
        name = escape(hospital["name"])
        phone = escape(hospital.get("phone") or "")
        for unit in hospital["units"]:
            rows.append(
                f'<tr data-unit-id="{int(unit["id"])}" data-available="{int(unit["available"])}">'
                f"<td>{name}</td><td>{escape(unit['kind'])} — {escape(unit['label'])}</td>"
                f'<td data-figure="available">{int(unit["available"])}</td>'
                f'<td data-figure="occupied">{int(unit["occupied"])}</td>'
                f"<td>{int(unit['installed']) + int(unit['extra'])}</td>"
                f"<td>{escape(age_text(unit['updated_at'], now=now))}</td><td>{phone}</td></tr>"
            )
    return mark_safe(  # noqa: S308 (every value escaped above)
        f'<table class="bw-table bw-fallback"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def page_json(data: object) -> SafeString:
    """JSON to put inside `<script type="application/json">`, as Django's `json_script` escapes
    it (no `<`, `>` or `&` can close the element) but compact and ~4× faster on a national
    map's half megabyte (`str.translate` against three `str.replace`)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return mark_safe(text)  # noqa: S308 (escaped above)
