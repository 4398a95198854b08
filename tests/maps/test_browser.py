"""The map pages in Chromium: what a coordinator and a dispatcher see, and that nothing is
fetched from another host. Live updates through the realtime feed are in test_live.py."""

from __future__ import annotations

import pytest
from django.utils import timezone

from beds.models import UnitKind
from regions.models import Department
from tests.factories import HospitalFactory, UnitFactory
from tests.maps.conftest import host_of, logged_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def region_84_hospitals(db):  # noqa: ANN001, ANN201
    """Three Rhône hospitals with units, one without, and one in Paris."""
    rhone = Department.objects.get(code="69")
    a = HospitalFactory(name="Alpha", lat=45.75, lon=4.85, department=rhone)
    b = HospitalFactory(name="Bravo", lat=45.70, lon=4.80, department=rhone)
    c = HospitalFactory(name="Charlie", lat=45.80, lon=4.95, department=rhone)
    HospitalFactory(name="Sans unité", lat=45.72, lon=4.90, department=rhone)
    paris = HospitalFactory(
        finess="750000001",
        name="Paris",
        lat=48.85,
        lon=2.35,
        department=Department.objects.get(code="75"),
    )
    units = {
        "a": UnitFactory(hospital=a, kind=UnitKind.REA, available=5, occupied=5),
        "b": UnitFactory(hospital=b, kind=UnitKind.REA, available=0, occupied=10),
        "c": UnitFactory(
            hospital=c,
            kind=UnitKind.USIC,
            available=2,
            occupied=8,
            updated_at=timezone.now() - timezone.timedelta(hours=14),
        ),
    }
    UnitFactory(hospital=paris, kind=UnitKind.REA)
    return (a, b, c), units


def test_coordinators_regional_map_shows_every_hospital_with_units(
    chromium,
    live_server,
    carol,
    region_84_hospitals,
):
    (a, b, c), units = region_84_hospitals
    page = logged_in_page(chromium, live_server.url, carol)
    page.goto(f"{live_server.url}/maps/regions/84/")
    page.wait_for_selector(".leaflet-marker-icon .bw-pin")

    registered = page.evaluate("Object.keys(window.bedwatchMap.markers).sort()")
    assert registered == sorted([a.finess, b.finess, c.finess])
    pins = page.locator(".leaflet-marker-icon .bw-pin")
    assert pins.count() == 3
    assert page.locator(f'.bw-pin[data-finess="{b.finess}"]').get_attribute("class") == (
        "bw-pin bw-t-saturated bw-f-fresh"
    )
    assert "bw-f-stale" in page.locator(f'.bw-pin[data-finess="{c.finess}"]').get_attribute("class")
    # Every hospital is in the table too, most free beds first.
    assert page.locator("table[data-bw-sortable] tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.finess)"
    ) == [a.finess, c.finess, b.finess]
    # The popup shows the unit's figures and the admissions phone.
    page.click(f'[data-bw-focus="{a.finess}"]')
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert (
        popup.locator(f'[data-unit-id="{units["a"].pk}"] [data-figure="available"]').inner_text()
        == "5"
    )
    assert a.phone in popup.inner_text()
    assert page.js_errors == []


def test_kind_selector_recolours_markers_and_sorting_works(
    chromium,
    live_server,
    carol,
    region_84_hospitals,
):
    (a, b, c), _units = region_84_hospitals
    page = logged_in_page(chromium, live_server.url, carol)
    page.goto(f"{live_server.url}/maps/regions/84/")
    page.select_option("select[data-bw-kind-select]", "USIC")
    # Only Charlie has a cardiology unit; the others show "no unit of this kind".
    assert "bw-none" in page.locator(f'.bw-pin[data-finess="{a.finess}"]').get_attribute("class")
    assert page.locator(f'.bw-pin[data-finess="{c.finess}"]').inner_text() == "2"
    assert page.url.endswith("?kind=USIC")
    # Sort by name.
    page.click('th[data-sort="name"] button')
    names = page.locator("table[data-bw-sortable] tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.sortName)"
    )
    assert names == sorted(names)
    assert page.js_errors == []


def test_no_request_leaves_the_app_when_tiles_are_blank(
    chromium,
    live_server,
    dave,
    region_84_hospitals,
    settings,
):
    settings.BEDWATCH_TILES_URL = ""
    page = logged_in_page(chromium, live_server.url, dave)
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(host_of(request.url)))
    for path in ("/maps/", "/maps/regions/84/", "/dispatch/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    # A click on the dispatch map searches from that point; the results page loads too.
    page.click(".bw-map", position={"x": 300, "y": 300})
    page.wait_for_url("**/dispatch/?place=*")
    page.wait_for_load_state("networkidle")
    page.click(".leaflet-marker-icon >> nth=0", force=True)
    page.wait_for_load_state("networkidle")
    assert hosts == {host_of(live_server.url)}
    assert page.js_errors == []


def test_dispatchers_search_lists_the_nearest_free_beds_in_order(
    chromium,
    live_server,
    dave,
):
    rhone = Department.objects.get(code="69")
    # Due east of the point: 2 km, 10 km, 30 km; one full, one with another kind only.
    near = HospitalFactory(name="Près", lat=45.75, lon=4.8757, department=rhone, city="Lyon")
    mid = HospitalFactory(name="Moyen", lat=45.75, lon=4.9786, department=rhone, city="Bron")
    far = HospitalFactory(name="Loin", lat=45.75, lon=5.2357, department=rhone, city="Meyzieu")
    full = HospitalFactory(name="Plein", lat=45.75, lon=4.86, department=rhone, city="Lyon")
    other = HospitalFactory(name="Autre", lat=45.75, lon=4.87, department=rhone, city="Lyon")
    for hospital, available in ((near, 1), (mid, 4), (far, 2), (full, 0)):
        UnitFactory(
            hospital=hospital, kind=UnitKind.REA, available=available, occupied=10 - available
        )
    UnitFactory(hospital=other, kind=UnitKind.USIC, available=6, occupied=4)

    page = logged_in_page(chromium, live_server.url, dave)
    page.goto(f"{live_server.url}/dispatch/")
    page.fill("#id_place", "45.75, 4.85")
    page.select_option("#id_kind", "REA")
    page.fill("#id_min_available", "1")
    page.fill("#id_radius_km", "50")
    page.click("form[data-bw-dispatch-form] button[type=submit]")
    page.wait_for_url("**/dispatch/?place=*")

    rows = page.locator("[data-bw-results] tbody tr:visible")
    assert rows.evaluate_all("rows => rows.map(r => r.dataset.finess)") == [
        near.finess,
        mid.finess,
        far.finess,
    ]
    first = rows.nth(0).inner_text()
    assert "Près" in first and "2,0 km" in first and near.phone in first
    assert rows.nth(0).locator("[data-bw-rank]").inner_text() == "1"
    # The point and the hospitals are on the map; the full one is dimmed there.
    assert page.evaluate("!!window.bedwatchMap.point")
    assert "bw-out" in page.locator(f'.bw-pin[data-finess="{full.finess}"]').get_attribute("class")
    assert page.js_errors == []


def test_a_live_change_updates_marker_popup_table_and_totals(
    chromium,
    live_server,
    carol,
    region_84_hospitals,
):
    """The page's half of the live contract: a `bedwatch:units` event (as the realtime module
    dispatches it) recolours the marker, refreshes the popup, re-sorts the table, updates the
    totals — without reload."""
    (a, b, c), units = region_84_hospitals
    page = logged_in_page(chromium, live_server.url, carol)
    page.goto(f"{live_server.url}/maps/regions/84/")
    page.click(f'[data-bw-focus="{b.finess}"]')  # open Bravo's popup
    page.locator(".leaflet-popup-content").wait_for()
    page.evaluate("window.bwMarkerBefore = document.querySelector('.leaflet-popup')")
    unit = units["b"]
    changed = {
        "id": unit.pk,
        "hospital": b.finess,
        "kind": "REA",
        "label": unit.label,
        "ecmo": False,
        "installed": 10,
        "available": 9,
        "occupied": 1,
        "reserved": 0,
        "closed": 0,
        "extra": 0,
        "version": unit.version + 1,
        "updated_at": timezone.now().isoformat(),
        "freshness": "fresh",
    }
    page.evaluate(
        """unit => document.dispatchEvent(new CustomEvent("bedwatch:units",
             {detail: {kind: "changed", units: [unit], seq: 2}}))""",
        changed,
    )
    pin = page.locator(f'.leaflet-marker-icon .bw-pin[data-finess="{b.finess}"]')
    assert pin.get_attribute("class") == "bw-pin bw-t-normal bw-f-fresh"
    assert pin.inner_text() == "9"
    popup_cell = page.locator(
        f'.leaflet-popup-content [data-unit-id="{unit.pk}"] [data-figure="available"]'
    )
    assert popup_cell.inner_text() == "9"
    # Bravo now has the most free beds: first row.
    first = page.locator("table[data-bw-sortable] tbody tr").first
    assert first.get_attribute("data-finess") == b.finess
    assert page.locator('tr[data-total-kind="REA"] [data-total="available"]').inner_text() == "14"
    assert page.evaluate("window.bwMarkerBefore === document.querySelector('.leaflet-popup')")
    assert page.js_errors == []
