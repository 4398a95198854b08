"""The maps live in a real browser against the production layout (web: and ws: workers): a report posted through the API changes the
marker, the popup and the table without a reload, and a hospital drops out of the dispatcher's
results when its last free bed of the kind is taken."""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from tests.helpers import settle, track_requests
from tests.servers import PASSWORD, create_account, free_port, manage, site, temp_database

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HERRIOT = "690783154"
CROIX_ROUSSE = "690784152"
# Every step below waits for the page at most this long; the measured delay is printed.
WAIT_MS = 5000


def hospital(server, token: str, finess: str) -> dict:  # noqa: ANN001
    status, body = server.request("GET", "/api/v1/hospitals/?page_size=200", token=token)
    assert status == 200, body
    return next(h for h in body["results"] if h["finess"] == finess)


def report(server, token: str, unit: dict, available: int) -> dict:  # noqa: ANN001
    status, body = server.report(unit, available, token=token)
    assert status == 201, body
    return body


def sign_in(browser, server, username: str):  # noqa: ANN001, ANN201
    page = track_requests(browser.new_page(viewport={"width": 1366, "height": 768}, locale="fr-FR"))
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    page.goto(server.url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")  # (the header has other submit buttons: language, log out)
    settle(page)
    return page


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):  # noqa: ANN001, ANN201
    """One site (web: and ws: workers) on the demo data for the module (each test reports on its own hospital):
    setting it up is most of these tests' time."""
    tmp = tmp_path_factory.mktemp("live")
    with temp_database(tmp) as db:
        manage(db, "seed_demo")
        create_account(db, "coord", "coordinator", region="84", password=PASSWORD)
        create_account(db, "samu", "dispatcher", region="84", password=PASSWORD)
        token = create_account(db, "robot", "admin")
        env = {
            "DATABASE_URL": db,
            "REDIS_URL": settings.REDIS_URL or None,
            "BEDWATCH_TILES_URL": "",
        }
        with site(env, port=free_port(), log_dir=tmp) as server:
            server.token = token
            yield server


def wait_live(page) -> None:  # noqa: ANN001
    page.wait_for_selector('#live-status[data-live-state="live"]', timeout=10000)


def test_a_report_changes_marker_popup_and_table_without_reload(chromium, demo_server):
    from playwright.sync_api import expect

    server = demo_server
    herriot = hospital(server, server.token, HERRIOT)
    rea = next(u for u in herriot["units"] if u["kind"] == "REA")
    new_available = 7 if rea["available"] != 7 else 6
    expected_total = (
        sum(u["available"] for u in herriot["units"]) - rea["available"] + new_available
    )

    page = sign_in(chromium, server, "coord")
    page.goto(server.url + "/maps/regions/84/")
    wait_live(page)
    page.evaluate("window.bwSamePage = true")
    page.click(f'[data-bw-focus="{HERRIOT}"]')  # the hospital's popup is open
    popup_cell = page.locator(
        f'.leaflet-popup-content [data-unit-id="{rea["id"]}"] [data-figure="available"]'
    )
    expect(popup_cell).to_have_text(str(rea["available"]))

    started = time.monotonic()
    report(server, server.token, rea, new_available)
    pin = page.locator(f'.leaflet-marker-icon.bw-pin[data-finess="{HERRIOT}"]')
    expect(pin).to_have_text(str(expected_total), timeout=WAIT_MS)
    elapsed = time.monotonic() - started
    expect(popup_cell).to_have_text(str(new_available), timeout=WAIT_MS)
    chip = page.locator(f'tr[data-finess="{HERRIOT}"] [data-unit-id="{rea["id"]}"]')
    expect(chip).to_have_attribute("data-available", str(new_available), timeout=WAIT_MS)
    expect(chip.locator('[data-figure="available"]')).to_have_text(str(new_available))
    assert "bw-f-fresh" in chip.get_attribute("class")
    expect(page.locator(f'tr[data-finess="{HERRIOT}"] [data-hospital-available]')).to_have_text(
        str(expected_total)
    )
    assert page.evaluate("window.bwSamePage === true")  # no reload
    assert page.js_errors == []
    print(f"\nreport → marker updated in {elapsed * 1000:.0f} ms")


def test_a_hospital_drops_out_of_dispatch_results_when_its_last_bed_is_taken(chromium, demo_server):
    from playwright.sync_api import expect

    server = demo_server
    croix_rousse = hospital(server, server.token, CROIX_ROUSSE)
    rea = next(u for u in croix_rousse["units"] if u["kind"] == "REA")
    report(server, server.token, rea, 1)  # one free bed before the search

    page = sign_in(chromium, server, "samu")
    page.goto(server.url + "/dispatch/?place=45.78,4.83&kind=REA&min_available=1&radius_km=30")
    wait_live(page)
    page.evaluate("window.bwSamePage = true")
    row = page.locator(f'[data-bw-results] tr[data-finess="{CROIX_ROUSSE}"]')
    expect(row).to_be_visible()
    expect(row.locator("[data-bw-rank]")).to_have_text("1")  # the nearest, 0.3 km away
    others = page.locator("[data-bw-results] tbody tr:visible").count()

    started = time.monotonic()
    report(server, server.token, rea, 0)  # its last free bed is taken
    expect(row).to_be_hidden(timeout=WAIT_MS)
    elapsed = time.monotonic() - started
    expect(page.locator("[data-bw-results] tbody tr:visible")).to_have_count(others - 1)
    expect(page.locator("[data-bw-results] tbody tr:visible [data-bw-rank]").first).to_have_text(
        "1"
    )
    assert "bw-out" in page.evaluate(
        f"window.bedwatchMap.markers['{CROIX_ROUSSE}'].options.icon.options.className"
    )

    # A bed frees up again: it comes back, first.
    report(server, server.token, rea, 2)
    expect(row).to_be_visible(timeout=WAIT_MS)
    expect(row.locator("[data-bw-rank]")).to_have_text("1")
    assert page.evaluate("window.bwSamePage === true")
    assert page.js_errors == []
    print(f"\nreport → dispatch row hidden in {elapsed * 1000:.0f} ms")
