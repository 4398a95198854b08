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
    m = builders.regional_map(hospitals, assets=ASSETS, **kwargs)
    return builders.render_map(m)


def data_of(hospitals, **kwargs) -> dict:  # noqa: ANN001, ANN003
    kwargs.setdefault("kind", None)
    kwargs.setdefault("thresholds", {"84": Thresholds(90, 2)})
    kwargs.setdefault("freshness_hours", {"fresh": 4, "ageing": 12, "stale": 24})
    return builders.page_data(hospitals, **kwargs)


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
        "extra", "version", "updated_at", "freshness",
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
    # The rules and words the script needs, and the page's own values.
    assert data["kind"] == "REA" and data["page"] == "map"
    assert data["thresholds"]["84"] == {"occupancy_pct": 90, "available_max": 2}
    assert data["freshnessHours"]["stale"] == 24
    assert data["text"]["popupFigures"] == list(FIGURES_BY_USE)
    assert data["text"]["kinds"]["REA"] == "Réanimation adulte"
    assert 'data-col="available"' in data["text"]["popupHead"]
    assert data["text"]["admissions"] == "Admissions"


def test_page_data_survives_json_and_has_no_markers_in_the_map_script():
    hospitals = [hospital("690000001", [unit(1)], name="{{ 7 * 7 }} </script>")]
    data = json.loads(json.dumps(data_of(hospitals)))
    assert expand(data)[0]["name"] == "{{ 7 * 7 }} </script>"
    # Folium draws the base map only: markers come from the page data, in maps.js.
    script = render(hospitals).script
    assert "690000001" not in script and "L.marker(" not in script
    assert "window.bedwatchMap = {map:" in script


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


def test_dispatch_rows_keep_order():
    a = hospital("690000001", [unit(1, available=1)], name="A")
    b = hospital("690000002", [unit(2, available=6)], name="B")
    near_first = builders.dispatch_rows([a, b], kind="REA", thresholds={})
    assert [r.hospital["finess"] for r in near_first] == ["690000001", "690000002"]


def test_dispatch_map_shows_point_radius_and_candidates():
    m = builders.dispatch_map(
        [hospital("690000001", [unit(1)])],
        point=(45.75, 4.85),
        radius_km=30,
        kind="REA",
        assets=ASSETS,
    )
    script = builders.render_map(m).script
    assert "L.circle(" in script and '"radius": 30000' in script
    assert "window.bedwatchMap.point" in script
