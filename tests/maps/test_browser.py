"""The map pages in Chromium: what a coordinator and a dispatcher see, and that nothing is
fetched from another host. Live updates through the realtime feed are in test_live.py."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from beds.events import add_tensions
from beds.models import FIGURES, UnitKind
from regions.models import Department
from tests.factories import HospitalFactory, UnitFactory
from tests.helpers import logged_in_page, settle
from tests.maps.conftest import host_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def marker_class(page, finess: str) -> str:  # noqa: ANN001
    """A marker's icon class, whether it is drawn or inside a cluster."""
    return page.evaluate(f"window.bedwatchMap.markers['{finess}'].options.icon.options.className")


def classes(locator) -> set[str]:  # noqa: ANN001
    return set((locator.get_attribute("class") or "").split())


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
    page.wait_for_selector(".leaflet-marker-icon.bw-pin")

    # One marker per hospital of the page data (sent once, as JSON), registered by FINESS.
    registered = page.evaluate("Object.keys(window.bedwatchMap.markers).sort()")
    assert registered == sorted([a.finess, b.finess, c.finess])
    assert page.evaluate("JSON.parse(document.getElementById('bw-map-data').textContent)"
                         ".hospitals.length") == 3  # fmt: skip
    pins = page.locator(".leaflet-marker-icon.bw-pin")
    assert pins.count() == 3
    assert {"bw-pin", "bw-t-saturated", "bw-f-fresh"} <= classes(
        page.locator(f'.bw-pin[data-finess="{b.finess}"]')
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
    row = popup.locator(f'[data-unit-id="{units["a"].pk}"]')
    assert row.get_attribute("data-available") == "5"
    assert row.get_attribute("class") == "bw-t-normal bw-f-fresh"
    assert row.locator('[data-figure="available"]').inner_text() == "5"
    assert row.locator('[data-figure="occupied"]').inner_text() == "5"
    assert row.locator("abbr").get_attribute("title") == "Réanimation adulte"
    assert row.locator("time.bw-age").inner_text() == "0 min"
    assert popup.locator("h3").inner_text() == "Alpha"
    assert popup.locator(f'a[href="tel:{a.phone.replace(" ", "")}"]').inner_text() == a.phone
    assert "Admissions" in popup.inner_text()
    # Charlie's figures are 14 h old: its popup says so.
    page.click(f'[data-bw-focus="{c.finess}"]')
    aged = page.locator(f'.leaflet-popup-content [data-unit-id="{units["c"].pk}"]')
    assert "bw-f-stale" in aged.get_attribute("class")
    assert aged.locator("time.bw-age").inner_text() == "14 h 00"
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
    from playwright.sync_api import expect

    page.select_option("select[data-bw-kind-select]", "USIC")
    # Only Charlie has a cardiology unit; the others show "no unit of this kind". The pins are
    # redrawn after the change event: wait for them (a slow machine read the old class).
    expect(page.locator(f'.bw-pin[data-finess="{a.finess}"]')).to_have_class(
        re.compile(r"\bbw-none\b")
    )
    expect(page.locator(f'.bw-pin[data-finess="{c.finess}"]')).to_have_text("2")
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
        settle(page)
    # A click on the dispatch map searches from that point; the results page loads too.
    page.click(".folium-map", position={"x": 300, "y": 300})
    page.wait_for_url("**/dispatch/?place=*")
    settle(page)
    page.click(".leaflet-marker-icon >> nth=0", force=True)
    settle(page)
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
    assert "bw-out" in marker_class(page, full.finess)  # (it may sit in a cluster)
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
    assert unit.kind == "REA"
    dispatch_units(page, unit_event(unit, installed=10, available=9, occupied=1))
    pin = page.locator(f'.leaflet-marker-icon.bw-pin[data-finess="{b.finess}"]')
    assert {"bw-pin", "bw-t-normal", "bw-f-fresh"} <= classes(pin)
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


@pytest.mark.parametrize("viewport", [(1366, 768), (1024, 768), (768, 1024)])
def test_map_and_figures_fit_control_room_screens_and_tablets(
    chromium, live_server, carol, region_84_hospitals, viewport
):
    page = logged_in_page(chromium, live_server.url, carol, viewport=viewport)
    page.goto(f"{live_server.url}/maps/regions/84/")
    width, height = viewport
    # Nothing wider than the screen; the map and the totals are on the first screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    box = page.locator(".folium-map").bounding_box()
    assert box["width"] >= min(width * 0.45, 600) and box["height"] >= 320
    totals = page.locator(".bw-totals-table").bounding_box()
    if width >= 900:  # side by side: everything on one screen
        assert totals["x"] >= box["x"] + box["width"] - 1
        assert box["y"] + box["height"] <= height
        phone = page.locator(".bw-c-phone a").first.bounding_box()
        assert phone["x"] + phone["width"] <= width  # the phone column is in view
    else:  # stacked: the figures follow the map
        assert totals["y"] >= box["y"] + box["height"] - 1
    assert page.js_errors == []


def unit_event(unit, **figures) -> dict:  # noqa: ANN001
    """A unit as the live feed sends it, one version on, with `figures` changed."""
    data = {
        "id": unit.pk,
        "hospital": unit.hospital.finess,
        "kind": unit.kind,
        "label": unit.label,
        "ecmo": False,
        "installed": unit.installed,
        "available": unit.available,
        "occupied": unit.occupied,
        "reserved": 0,
        "closed": 0,
        "extra": 0,
        "version": unit.version + 1,
        "updated_at": timezone.now().isoformat(),
        "freshness": "fresh",
    } | figures
    # The tensions the server adds to each unit it sends (beds/events.py), judged here on this
    # unit alone (région 84's default thresholds).
    add_tensions(
        [data],
        rows=[
            (data["hospital"], unit.hospital.department_id, 90, 1, data["kind"])
            + tuple(data[name] for name in FIGURES)
        ],
    )
    return data


def dispatch_units(page, *units: dict) -> None:  # noqa: ANN001
    page.evaluate(
        """units => document.dispatchEvent(new CustomEvent("bedwatch:units",
             {detail: {kind: "changed", units: units, seq: 2}}))""",
        list(units),
    )


def test_a_popup_opened_after_a_live_change_shows_the_current_figures(
    chromium, live_server, carol, region_84_hospitals
):
    """Popups are built when they open: one never opened, or opened and closed, shows the
    figures of the latest change, and a unit opened since the page loaded."""
    (a, b, c), units = region_84_hospitals
    page = logged_in_page(chromium, live_server.url, carol)
    page.goto(f"{live_server.url}/maps/regions/84/")
    page.wait_for_selector(".leaflet-marker-icon.bw-pin")
    assert page.evaluate("Object.keys(window.bedwatchMap.popups).length") == 0  # none built
    dispatch_units(page, unit_event(units["a"], available=1, occupied=9))
    page.click(f'[data-bw-focus="{a.finess}"]')
    cell = page.locator(
        f'.leaflet-popup-content [data-unit-id="{units["a"].pk}"] [data-figure="available"]'
    )
    assert cell.inner_text() == "1"
    assert "bw-t-tension" in page.locator(
        f'.leaflet-popup-content [data-unit-id="{units["a"].pk}"]'
    ).get_attribute("class")
    # Closed, changed, opened again: the new figures.
    page.click(f'[data-bw-focus="{b.finess}"]')
    dispatch_units(page, unit_event(units["a"], available=4, occupied=6, version=3))
    page.click(f'[data-bw-focus="{a.finess}"]')
    assert cell.inner_text() == "4"
    # A unit opened since the page loaded joins the open popup, the marker and the row.
    newcomer = unit_event(units["a"], id=units["a"].pk + 1000, kind="USIC", label="Nouvelle",
                          available=2, occupied=0, installed=2, version=1)  # fmt: skip
    dispatch_units(page, newcomer)
    added = page.locator(f'.leaflet-popup-content [data-unit-id="{newcomer["id"]}"]')
    assert added.get_attribute("data-available") == "2"
    assert page.locator(f'.bw-pin[data-finess="{a.finess}"]').first.inner_text() == "6"
    chip = page.locator(f'tr[data-finess="{a.finess}"] [data-unit-id="{newcomer["id"]}"]')
    assert chip.get_attribute("data-available") == "2"
    assert page.js_errors == []


def test_names_are_shown_as_text(chromium, live_server, carol, db):
    rhone = Department.objects.get(code="69")
    odd = HospitalFactory(name="<b>Gras</b> & {{ x }}", city="<i>Lyon</i>", department=rhone)
    UnitFactory(hospital=odd, label="<script>alert(1)</script>")
    page = logged_in_page(chromium, live_server.url, carol)
    page.goto(f"{live_server.url}/maps/regions/84/")
    link = page.locator(f'[data-bw-focus="{odd.finess}"]')
    assert link.inner_text() == "<b>Gras</b> & {{ x }}"
    link.click()
    popup = page.locator(".leaflet-popup-content")
    assert popup.locator("h3").inner_text() == "<b>Gras</b> & {{ x }}"
    assert "<script>alert(1)</script>" in popup.inner_text()
    assert page.locator("b:has-text('Gras'), i:has-text('Lyon')").count() == 0
    assert page.js_errors == []


def test_a_long_table_shows_the_first_rows_then_more_with_current_figures(
    chromium, live_server, dave, db
):
    """The national table draws its first 60 rows in the chosen order, more when scrolled;
    a hospital that enters the rows shown through a live change shows its new figures."""
    rhone = Department.objects.get(code="69")
    units = []
    for n in range(70):
        hospital = HospitalFactory(
            name=f"H{n:02d}", lat=45 + n / 100, lon=4.5 + n / 100, department=rhone
        )
        units.append(UnitFactory(hospital=hospital, available=n % 10, occupied=10 - n % 10))
    page = logged_in_page(chromium, live_server.url, dave)
    page.goto(f"{live_server.url}/maps/")
    rows = page.locator("table[data-bw-sortable] tbody tr")
    assert rows.count() == 60
    assert page.evaluate("Object.keys(window.bedwatchMap.markers).length") == 70
    free = rows.evaluate_all("rows => rows.map(r => Number(r.dataset.sortFree))")
    assert free == sorted(free, reverse=True) and free[0] == 9
    # H00 (no free bed) is not shown; a change gives it 10: it comes first, as it is now.
    last = units[0]
    assert page.locator(f'tr[data-finess="{last.hospital.finess}"]').count() == 0
    dispatch_units(page, unit_event(last, available=10, occupied=0))
    first = rows.first
    assert first.get_attribute("data-finess") == last.hospital.finess
    chip = first.locator(f'[data-unit-id="{last.pk}"]')
    assert chip.get_attribute("data-available") == "10"
    assert chip.locator('[data-figure="available"]').inner_text() == "10"
    assert rows.count() == 60
    # Scrolled to the bottom: the rest of the rows.
    more = page.locator("[data-bw-more]")
    assert more.is_visible()
    page.locator(".bw-hospitals .bw-table-scroll").evaluate("el => el.scrollTop = el.scrollHeight")
    page.wait_for_function(
        "() => document.querySelectorAll('table[data-bw-sortable] tbody tr').length === 70"
    )
    assert more.is_hidden()
    # Sorted by name: every hospital in order.
    page.click('th[data-sort="name"] button')
    names = rows.evaluate_all("rows => rows.map(r => r.dataset.sortName)")
    assert names == sorted(names) and len(names) == 70
    assert page.js_errors == []


def test_a_regions_table_shows_all_its_hospitals_at_once(chromium, live_server, carol, db):
    """Only the national table starts with its first rows: a région's has them all, so every
    unit of the région carries `data-unit-id` in the page as soon as it is drawn."""
    rhone = Department.objects.get(code="69")
    units = [
        UnitFactory(
            hospital=HospitalFactory(
                name=f"H{n:02d}", lat=45 + n / 100, lon=4.5 + n / 100, department=rhone
            ),
            available=n % 10,
            occupied=10 - n % 10,
        )
        for n in range(70)
    ]
    page = logged_in_page(chromium, live_server.url, carol)
    page.goto(f"{live_server.url}/maps/regions/84/")
    assert page.locator("table[data-bw-sortable] tbody tr").count() == 70
    assert page.locator("[data-bw-more]").is_hidden()
    chip = page.locator(f'table[data-bw-sortable] [data-unit-id="{units[0].pk}"]')
    assert chip.get_attribute("data-available") == "0"
    # The no-script copy is not drawn by a browser that runs the page's script.
    assert page.locator("table.bw-fallback").count() == 0
    assert page.js_errors == []


def test_no_map_page_is_wider_than_a_phone(chromium, live_server, dave, region_84_hospitals):
    page = logged_in_page(chromium, live_server.url, dave, viewport=(390, 844))
    for path in (
        "/maps/",
        "/maps/regions/84/",
        "/regions/84/table/",
        "/dispatch/",
        "/dispatch/?place=45.75%2C+4.85&kind=REA&min_available=1&radius_km=50",
    ):
        page.goto(f"{live_server.url}{path}")
        settle(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        # The legend is outside the map: it covers no marker.
        legend = page.locator(".bw-legend")
        if legend.count():
            box = legend.bounding_box()
            pane = page.locator(".bw-map-pane").bounding_box()
            assert box["y"] >= pane["y"] + pane["height"] - 1, path
    assert page.js_errors == []


def test_the_national_map_shows_outlines_and_the_overseas_regions_one_tap_away(
    chromium, live_server, dave, region_84_hospitals
):
    page = logged_in_page(chromium, live_server.url, dave)
    page.goto(f"{live_server.url}/maps/")
    # Départements (shaded) and régions drawn with no setting.
    assert page.locator("path.bw-dept").count() == 101
    assert page.locator("path.bw-dt-normal").count() >= 1  # the Rhône
    # Functions, not expressions: Playwright evaluates an expression with eval, which the CSP
    # refuses.
    page.wait_for_function("() => !!window.BedwatchMaps")
    page.click("[data-bw-view] >> text=La Réunion")
    page.wait_for_function("() => window.bedwatchMap.map.getCenter().lat < 0")
    center = page.evaluate("window.bedwatchMap.map.getCenter()")
    assert page.url.endswith("/maps/")  # the same page, another view
    assert -21.5 < center["lat"] < -20.8 and 55.1 < center["lng"] < 55.9
    assert page.js_errors == []


def test_a_live_change_reshades_the_departement(chromium, live_server, carol, region_84_hospitals):
    (a, b, c), units = region_84_hospitals
    page = logged_in_page(chromium, live_server.url, carol)
    page.goto(f"{live_server.url}/maps/regions/84/?kind=REA")
    rhone = "path.bw-dept.bw-dt-normal"
    assert page.locator(rhone).count() == 1  # 5 free of 20 REA beds in the Rhône
    dispatch_units(page, unit_event(units["a"], available=0, occupied=10) | {
        "department_tension": "saturated", "department_tension_all": "tension",
    })  # fmt: skip
    assert page.locator("path.bw-dept.bw-dt-saturated").count() == 1
    assert page.js_errors == []
