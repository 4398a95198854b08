"""The map builders take plain data (the API's hospital dicts): no database, no browser."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from maps import builders
from maps.builders import MapAssets, Outline, Thresholds, Tiles

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
ASSETS = MapAssets(leaflet_js="/static/vendor/leaflet/leaflet.js", leaflet_css="/static/l.css")


def unit(uid: int, *, kind: str = "REA", available: int = 3, hours: float | None = 1, **figures):  # noqa: ANN003, ANN201
    installed = figures.pop("installed", 10)
    data = {
        "id": uid,
        "hospital": "",
        "kind": kind,
        "label": f"Unité {uid}",
        "ecmo": False,
        "installed": installed,
        "available": available,
        "occupied": figures.pop("occupied", installed - available),
        "reserved": figures.pop("reserved", 0),
        "closed": figures.pop("closed", 0),
        "extra": figures.pop("extra", 0),
        "version": 1,
        "updated_at": None if hours is None else (NOW - timedelta(hours=hours)).isoformat(),
    }
    if hours is None or hours > 24:
        data["freshness"] = "expired"
    elif hours >= 12:
        data["freshness"] = "stale"
    elif hours >= 4:
        data["freshness"] = "ageing"
    else:
        data["freshness"] = "fresh"
    return data


def hospital(finess: str, units: list[dict], *, lat: float = 45.75, lon: float = 4.85, **extra):  # noqa: ANN003, ANN201
    for u in units:
        u["hospital"] = finess
    return {
        "finess": finess,
        "name": extra.get("name", f"Hôpital {finess}"),
        "lat": lat,
        "lon": lon,
        "department": "69",
        "region": "84",
        "address": "",
        "postcode": "69003",
        "city": extra.get("city", "Lyon"),
        "phone": extra.get("phone", "04 72 11 73 11"),
        "units": units,
    }


def render(hospitals, **kwargs) -> builders.RenderedMap:  # noqa: ANN001, ANN003
    kwargs.setdefault("kind", None)
    kwargs.setdefault("thresholds", {"84": Thresholds()})
    m = builders.regional_map(hospitals, now=NOW, assets=ASSETS, **kwargs)
    return builders.render_map(m)


def marker_rows(script: str) -> list[list]:
    """The hospital layer's rows in a rendered script: [finess, lat, lon, name, icon, popup]."""
    found = re.search(r"var rows = (\[.*?\]);\n", script)
    return json.loads(found[1]) if found else []


def registered(script: str) -> list[str]:
    return [row[0] for row in marker_rows(script)]


def test_one_marker_per_hospital_with_units():
    hospitals = [
        hospital("690000001", [unit(1), unit(2, kind="USIC")], lat=45.7),
        hospital("690000002", [unit(3)], lat=45.8),
        hospital("690000003", []),  # no critical-care unit: not on the map
    ]
    m = builders.regional_map(hospitals, kind=None, thresholds={}, now=NOW, assets=ASSETS)
    assert [marker.finess for marker in builders.hospital_layer(m).markers] == [
        "690000001",
        "690000002",
    ]
    out = builders.render_map(m)
    assert registered(out.script) == ["690000001", "690000002"]
    # Each is registered by FINESS for the live code.
    assert "window.bedwatchMap.markers[r[0]] = marker" in out.script


@pytest.mark.parametrize(
    ("figures", "tension"),
    [
        ({"available": 6}, "normal"),
        ({"available": 1}, "tension"),  # at or below available_max
        ({"available": 2, "installed": 20, "occupied": 18}, "tension"),  # 90 % occupied
        ({"available": 0}, "saturated"),
    ],
)
def test_marker_colour_follows_tension(figures, tension):
    h = hospital("690000001", [unit(1, **figures)])
    look = builders.hospital_look(h, kind=None, thresholds=Thresholds(90, 1))
    assert look.tension == tension
    assert f"bw-t-{tension}" in builders.icon_html(look)
    assert f"bw-t-{tension}" in render([h]).script


def test_colour_is_that_of_the_selected_kind():
    h = hospital("690000001", [unit(1, kind="REA", available=0), unit(2, kind="USIC", available=8)])
    assert builders.hospital_look(h, kind="REA", thresholds=Thresholds()).tension == "saturated"
    assert builders.hospital_look(h, kind="USIC", thresholds=Thresholds()).tension == "normal"
    burn = builders.hospital_look(h, kind="BURN", thresholds=Thresholds())
    assert not burn.has_units and burn.css_class == "bw-pin bw-none"
    # The region's own thresholds count: with 3 beds left, a stricter région is in tension.
    h2 = hospital("690000002", [unit(3, available=3)])
    assert builders.hospital_look(h2, kind=None, thresholds=Thresholds(90, 1)).tension == "normal"
    assert builders.hospital_look(h2, kind=None, thresholds=Thresholds(90, 3)).tension == "tension"


def test_stale_and_expired_figures_are_greyed():
    fresh = hospital("690000001", [unit(1, hours=1)])
    stale = hospital("690000002", [unit(2, hours=1), unit(3, hours=13)])
    expired = hospital("690000003", [unit(4, hours=None)])
    looks = {
        h["finess"]: builders.hospital_look(h, kind=None, thresholds=Thresholds())
        for h in (fresh, stale, expired)
    }
    # A hospital's total is only as fresh as its oldest unit.
    assert looks["690000001"].freshness == "fresh" and not looks["690000001"].is_stale
    assert looks["690000002"].freshness == "stale" and looks["690000002"].is_stale
    assert looks["690000003"].freshness == "expired"
    script = render([fresh, stale, expired]).script
    assert "bw-f-stale" in script and "bw-f-expired" in script
    # …and the style sheet draws those classes greyed and dashed.
    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "maps.css").read_text()
    assert re.search(r"\.bw-pin\.bw-f-stale \{[^}]*grayscale[^}]*dashed", css)
    assert re.search(r"\.bw-pin\.bw-f-expired \{[^}]*background: var\(--bw-stale\)[^}]*dashed", css)


def test_popup_shows_each_units_figures_age_and_admissions_phone():
    h = hospital(
        "690000001",
        [
            unit(11, kind="REA", available=4, hours=2.5),
            unit(12, kind="USIC", available=0, hours=None),
        ],
        name="Hôpital <Test>",
        phone="04 72 11 73 11",
    )
    html = builders.popup_html(h, now=NOW, thresholds=Thresholds())
    assert "Hôpital &lt;Test&gt;" in html  # escaped
    assert 'href="tel:0472117311"' in html and "04 72 11 73 11" in html
    row = re.search(r'<tr data-unit-id="11" data-available="4"[^>]*>(.*?)</tr>', html)
    assert row, html
    assert '<td data-figure="available">4</td>' in row[1]
    assert '<td data-figure="occupied">6</td>' in row[1]
    assert '<td data-figure="installed">10</td>' in row[1]
    assert "2 h 30" in row[1]
    assert re.search(
        r'data-unit-id="12" data-available="0"[^>]*class="bw-t-saturated bw-f-expired"', html
    )
    assert "jamais" in html  # never reported
    # The popup is in the map's script, bound to the marker registered under its FINESS.
    rows = marker_rows(render([h]).script)
    assert rows[0][0] == "690000001" and rows[0][5] == html
    assert "</" not in re.search(r"var rows = .*", render([h]).script)[0]  # cannot close <script>


def test_names_are_text_not_templates():
    h = hospital("690000001", [unit(1)], name="{{ 7 * 7 }} {% if x %}</script>")
    script = render([h]).script
    assert "{{ 7 * 7 }}" in marker_rows(script)[0][3]
    assert "</script>" not in script


def test_marker_carries_finess_and_available():
    h = hospital("690000001", [unit(1, available=2), unit(2, kind="USIC", available=5)])
    icon = builders.icon_html(builders.hospital_look(h, kind=None, thresholds=Thresholds()))
    assert 'data-finess="690000001"' in icon and 'data-available="7"' in icon


def test_outlines_from_geojson(shared_dir):
    geo = json.loads((shared_dir / "data" / "geo" / "regions-simplified.geojson").read_text())
    ara = {
        "type": "FeatureCollection",
        "features": [f for f in geo["features"] if f["properties"]["code"] == "84"],
    }
    out = render([hospital("690000001", [unit(1)])], outlines=[Outline("region", ara)])
    assert "L.geoJson(" in out.script
    assert '"code": "84"' in out.script
    assert '"fill": false' in out.script
    # No outline configured: none drawn, the map still works.
    assert "L.geoJson(" not in render([hospital("690000001", [unit(1)])]).script


def test_kind_selector_and_legend():
    h = hospital("690000001", [unit(1, kind="REA"), unit(2, kind="BURN")])
    out = render([h], kind="BURN")
    assert "data-bw-kind-select" in out.script
    assert re.search(r'option value=\\"BURN\\" selected', out.script)
    assert "USIC" not in re.search(r"bw-kind-select.*?/select", out.script).group(0)
    assert "bw-legend" in out.script and "Satur\\u00e9" in out.script  # JSON-escaped


def test_no_outside_url_when_tiles_are_blank():
    hospitals = [hospital("690000001", [unit(1)])]
    out = render(hospitals)
    page = out.header + out.html + out.script
    assert not re.search(r"(https?:)?//[\w.-]+\.\w", page), re.findall(r"https?://\S+", page)
    for cdn in ("jsdelivr", "jquery", "bootstrap", "cloudflare", "fontawesome", "googleapis"):
        assert cdn not in page
    assert '<script src="/static/vendor/leaflet/leaflet.js"></script>' in out.header
    assert "L.tileLayer" not in out.script


def test_tiles_come_from_the_setting_only():
    tiles = Tiles(url="https://tiles.example.org/{z}/{x}/{y}.png", attribution="© OSM")
    out = render([hospital("690000001", [unit(1)])], tiles=tiles)
    urls = set(re.findall(r"https?://[^\s\"']+", out.header + out.html + out.script))
    assert urls == {"https://tiles.example.org/{z}/{x}/{y}.png"}


def test_building_a_map_leaves_folium_defaults_alone():
    import folium

    before = list(folium.Map.default_js)
    render([hospital("690000001", [unit(1)])])
    assert folium.Map.default_js == before
    assert any("jsdelivr" in url for _name, url in folium.Map.default_js)


def test_area_totals_per_kind_and_stale_count():
    hospitals = [
        hospital(
            "690000001",
            [unit(1, available=2, hours=1), unit(2, kind="USIC", available=1, hours=13)],
        ),
        hospital("690000002", [unit(3, available=5, hours=30), unit(4, available=0, hours=None)]),
    ]
    totals = builders.area_totals(hospitals)
    rea = next(k for k in totals["kinds"] if k["kind"] == "REA")
    assert rea["units"] == 3 and rea["available"] == 7 and rea["stale"] == 2
    assert [k["kind"] for k in totals["kinds"]] == ["REA", "USIC"]
    assert totals["stale"] == 1 and totals["expired"] == 2 and totals["units"] == 4


def test_table_rows_most_free_beds_first_and_dispatch_rows_keep_order():
    a = hospital("690000001", [unit(1, available=1)], name="A")
    b = hospital("690000002", [unit(2, available=6)], name="B")
    rows = builders.table_rows([a, b], kind=None, thresholds={})
    assert [r.hospital["finess"] for r in rows] == ["690000002", "690000001"]
    near_first = builders.dispatch_rows([a, b], kind="REA", thresholds={})
    assert [r.hospital["finess"] for r in near_first] == ["690000001", "690000002"]


def test_dispatch_map_shows_point_radius_and_candidates():
    m = builders.dispatch_map(
        [hospital("690000001", [unit(1)])],
        point=(45.75, 4.85),
        radius_km=30,
        kind="REA",
        thresholds={},
        now=NOW,
        assets=ASSETS,
    )
    script = builders.render_map(m).script
    assert "L.circle(" in script and '"radius": 30000' in script
    assert "window.bedwatchMap.point" in script
    assert registered(script) == ["690000001"]
