"""The map builders take plain data (the API's hospital dicts): no database, no browser."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from beds.models import FIGURES_BY_USE
from maps import builders
from maps.builders import MapAssets, Outline, Thresholds, Tiles

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
ASSETS = MapAssets(
    leaflet_js="/static/vendor/leaflet/leaflet.js",
    leaflet_css="/static/l.css",
    cluster_js="/static/vendor/leaflet.markercluster/leaflet.markercluster.js",
    cluster_css=("/static/vendor/leaflet.markercluster/MarkerCluster.css",),
)
GEO = Path(__file__).resolve().parents[2] / "maps" / "geo"


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
    m = builders.regional_map(hospitals, assets=ASSETS, **kwargs)
    return builders.render_map(m)


def data_of(hospitals, **kwargs) -> dict:  # noqa: ANN001, ANN003
    kwargs.setdefault("kind", None)
    builders.with_tensions(hospitals, thresholds={"84": Thresholds(90, 2)})
    kwargs.setdefault("freshness_hours", {"fresh": 4, "ageing": 12, "stale": 24})
    return builders.page_data(hospitals, **kwargs)


def shipped(name: str, codes: set[str] | None = None) -> Outline:
    geo = json.loads((GEO / name).read_text())
    features = [f for f in geo["features"] if codes is None or f["properties"]["code"] in codes]
    return Outline(name.split(".")[0], {"type": "FeatureCollection", "features": features})


def expand(data: dict) -> list[dict]:
    """The page data's hospitals as maps.js expands them (the API's objects)."""
    fields = data["fields"]
    out = []
    for row in data["hospitals"]:
        h = dict(zip(fields["hospital"], row, strict=True))
        h["units"] = [dict(zip(fields["unit"], u, strict=True)) for u in h["units"]]
        out.append(h)
    return out


def test_page_data_sends_each_hospital_with_units_once_in_compact_form():
    hospitals = [
        hospital("690000001", [unit(1), unit(2, kind="USIC", hours=13)], lat=45.7, name="A"),
        hospital("690000002", [unit(3, hours=None)], lat=45.8, name="B"),
        hospital("690000003", []),  # no critical-care unit: not on the map
    ]
    data = data_of(hospitals, kind="REA", extra={"page": "map"})
    # Field names once; every value an array in that order (no key repeated per unit).
    assert data["fields"]["hospital"] == [
        "finess", "name", "lat", "lon", "department", "region", "postcode", "city", "phone",
        "units",
    ]  # fmt: skip
    assert data["fields"]["unit"] == [
        "id", "kind", "label", "installed", "available", "occupied", "reserved", "closed",
        "extra", "version", "updated_at", "freshness", "tension", "hospital_tension",
        "hospital_tension_all", "department_tension", "department_tension_all",
    ]  # fmt: skip
    assert all(isinstance(row, list) for row in data["hospitals"])
    a, b = expand(data)
    # The API's values, unchanged: what the live feed's units are merged into.
    assert (a["finess"], a["name"], a["lat"], a["region"], a["phone"]) == (
        "690000001", "A", 45.7, "84", "04 72 11 73 11",
    )  # fmt: skip
    source = hospitals[0]["units"][1]
    assert a["units"][1] == {name: source[name] for name in data["fields"]["unit"]}
    assert a["units"][1]["freshness"] == "stale" and b["units"][0]["updated_at"] is None
    assert b["finess"] == "690000002" and len(data["hospitals"]) == 2
    # The tensions judged on the server (no rule is sent to the page), and its words.
    assert data["kind"] == "REA" and data["page"] == "map"
    assert "thresholds" not in data and "freshnessHours" not in data
    assert a["units"][0]["tension"] == "normal"  # 3 free > 2 (the région's available_max)
    assert a["units"][0]["hospital_tension"] == "normal"
    assert a["units"][1]["department_tension"] == "normal"
    assert data["freshnessSteps"][1] == [12 * 3600, "stale"]
    assert data["text"]["popupFigures"] == list(FIGURES_BY_USE)
    assert data["text"]["kinds"]["REA"] == "Réanimation adulte"
    assert data["text"]["tensions"]["saturated"] == "saturé"


def test_page_data_survives_json_and_markers_are_folium_geojson_in_a_cluster():
    hospitals = [hospital("690000001", [unit(1, available=4)], name="{{ 7 * 7 }} </script>")]
    data = json.loads(json.dumps(data_of(hospitals)))
    assert expand(data)[0]["name"] == "{{ 7 * 7 }} </script>"
    # Folium draws the markers: points from GeoJSON, each with the class and text judged
    # here, inside a cluster layer; the names of its layers go to the page's script.
    out = render(hospitals)
    assert "L.markerClusterGroup(" in out.script and "L.geoJson(" in out.script
    assert '"finess": "690000001"' in out.script
    assert '"className": "bw-pin bw-t-normal bw-f-fresh", "html": "4"' in out.script
    assert "</script>" not in out.script  # names travel in the page data only
    assert set(out.layers) == {"map", "cluster", "markers"}
    assert f"var {out.layers['markers']} = L.geoJson(" in out.script


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
    assert look.css_class == f"bw-pin bw-t-{tension} bw-f-fresh"


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
    # …and the style sheet draws those classes greyed and dashed.
    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "maps.css").read_text()
    assert re.search(r"\.bw-pin\.bw-f-stale \{[^}]*grayscale[^}]*dashed", css)
    assert re.search(r"\.bw-pin\.bw-f-expired \{[^}]*background: var\(--bw-stale\)[^}]*dashed", css)


def test_outlines_from_geojson(shared_dir):
    geo = json.loads((shared_dir / "data" / "geo" / "regions-simplified.geojson").read_text())
    ara = {
        "type": "FeatureCollection",
        "features": [f for f in geo["features"] if f["properties"]["code"] == "84"],
    }
    out = render([hospital("690000001", [unit(1)])], outlines=[Outline("region", ara)])
    assert out.script.count("L.geoJson(") == 2  # the outline and the markers
    assert '"code": "84"' in out.script
    assert '"fill": false' in out.script
    # No outline given: the markers only, the map still works.
    assert render([hospital("690000001", [unit(1)])]).script.count("L.geoJson(") == 1


def test_kind_choices_and_legend():
    h = hospital("690000001", [unit(1, kind="REA"), unit(2, kind="BURN")])
    assert builders.kind_choices([h]) == [("REA", "Réanimation adulte"), ("BURN", "Grands brûlés")]
    legend = builders.legend_items()
    assert ("bw-pin bw-t-saturated bw-f-fresh", "0", "Saturé : aucun lit libre") in legend[
        "markers"
    ]
    assert [css for css, _ in legend["departments"]] == [
        "bw-dt-normal", "bw-dt-tension", "bw-dt-saturated", "bw-dt-none",
    ]  # fmt: skip
    assert builders.legend_items(dispatch=True)["departments"] == []


def test_departments_are_shaded_by_the_tension_of_the_chosen_kind():
    full = hospital(
        "690000001", [unit(1, kind="REA", available=0), unit(2, kind="USIC", available=8)]
    )
    rhone = shipped("departements.geojson", {"69", "01"})
    # Ain (01) has no unit: shaded as such.
    out = render([full], departments=rhone, kind="REA")
    assert '"className": "bw-dept bw-dt-saturated"' in out.script
    assert '"className": "bw-dept bw-dt-none"' in out.script
    assert "departments" in out.layers
    usic = render([full], departments=rhone, kind="USIC")
    assert '"className": "bw-dept bw-dt-normal"' in usic.script
    assert "bw-dt-saturated" not in usic.script
    # Every kind together: 8 free of 20.
    tensions = builders.department_tensions([full], kind=None, thresholds={})
    assert tensions == {"69": "normal"}


def test_shipped_outlines_cover_every_region_and_department_overseas_included():
    regions = json.loads((GEO / "regions.geojson").read_text())["features"]
    departments = json.loads((GEO / "departements.geojson").read_text())["features"]
    assert {"01", "02", "03", "04", "06", "84", "94"} <= {f["properties"]["code"] for f in regions}
    assert len(regions) == 18 and len(departments) == 101
    assert {"971", "972", "973", "974", "976", "2A"} <= {
        f["properties"]["code"] for f in departments
    }
    # Small enough for a national page (maps/geo/README.md).
    assert (GEO / "regions.geojson").stat().st_size + (
        GEO / "departements.geojson"
    ).stat().st_size < 300_000


def test_builders_override_no_private_folium_template():
    source = Path(builders.__file__).read_text()
    assert not re.search(r"\b_template\b", source)
    assert not re.search(r"^class \w+\((folium|MacroElement|Element|Layer)", source, re.M)


def test_no_outside_url_when_tiles_are_blank():
    hospitals = [hospital("690000001", [unit(1)])]
    out = render(hospitals, departments=shipped("departements.geojson", {"69"}))
    page = out.html + out.script
    assert not re.search(r"(https?:)?//[\w.-]+\.\w", page), re.findall(r"https?://\S+", page)
    for cdn in ("jsdelivr", "jquery", "bootstrap", "cloudflare", "fontawesome", "googleapis"):
        assert cdn not in page
    assert "L.tileLayer" not in out.script


def test_tiles_come_from_the_setting_only():
    tiles = Tiles(url="https://tiles.example.org/{z}/{x}/{y}.png", attribution="© OSM")
    out = render([hospital("690000001", [unit(1)])], tiles=tiles)
    urls = set(re.findall(r"https?://[^\s\"']+", out.html + out.script))
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


def test_dispatch_rows_keep_order():
    a = hospital("690000001", [unit(1, available=1)], name="A")
    b = hospital("690000002", [unit(2, available=6)], name="B")
    near_first = builders.dispatch_rows([a, b], kind="REA", thresholds={})
    assert [r.hospital["finess"] for r in near_first] == ["690000001", "690000002"]


def test_dispatch_markers_below_the_minimum_are_dimmed():
    m = builders.dispatch_map(
        [
            hospital("690000001", [unit(1, available=1)]),
            hospital("690000002", [unit(2, available=5)]),
        ],
        point=(45.75, 4.85),
        radius_km=30,
        kind="REA",
        min_available=2,
        assets=ASSETS,
    )
    script = builders.render_map(m).script
    assert '"className": "bw-pin bw-t-tension bw-f-fresh bw-out", "html": "1"' in script
    assert '"className": "bw-pin bw-t-normal bw-f-fresh", "html": "5"' in script


def test_dispatch_map_shows_point_radius_and_candidates():
    m = builders.dispatch_map(
        [hospital("690000001", [unit(1)])],
        point=(45.75, 4.85),
        radius_km=30,
        kind="REA",
        assets=ASSETS,
    )
    out = builders.render_map(m)
    assert "L.circle(" in out.script and '"radius": 30000' in out.script
    assert f"var {out.layers['point']} = L.marker(" in out.script
    assert '"className": "bw-point"' in out.script


def test_a_layer_control_hides_the_shading_the_outlines_or_the_hospitals():
    out = render(
        [hospital("690000001", [unit(1)])],
        departments=shipped("departements.geojson", {"69"}),
        outlines=[shipped("regions.geojson", {"84"})],
    )
    assert "L.control.layers(" in out.script
    control = out.script[out.script.index("L.control.layers(") - 600 :]
    for name in ("tension du type choisi", "gions", "tablissements"):
        assert name in control, name
