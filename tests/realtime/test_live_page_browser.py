"""A real browser on the live table of a région: figures change without a reload after a
report, and the page says it is reconnecting when the server goes away."""

from __future__ import annotations

import re

import pytest

from tests.servers import PASSWORD, create_account, free_port, seed_nurse_and_watcher, site

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_table_updates_live_and_says_reconnecting_when_server_goes(
    browser, server_database, tmp_path, settings
):
    db = server_database
    nurse_token, _watcher_token = seed_nurse_and_watcher(db)
    create_account(db, "coord", "coordinator", region="84", password=PASSWORD)
    env = {"DATABASE_URL": db, "REDIS_URL": settings.REDIS_URL or None}
    port = free_port()

    with site(env, port=port, log_dir=tmp_path) as server:
        page = browser.new_page(locale="fr-FR", timezone_id="Europe/Paris")
        # Sign in as the coordinator of région 84 and open its live table.
        page.goto(server.url + "/accounts/login/?next=/regions/84/table/")
        page.fill("#id_username", "coord")
        page.fill("#id_password", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_url("**/regions/84/table/")
        page.wait_for_selector('#live-status[data-live-state="live"]')
        assert page.inner_text("#live-status") == "en direct"

        # One of the nurse's units, shown in the table.
        status, hospitals = server.request("GET", "/api/v1/hospitals/", token=nurse_token)
        assert status == 200
        unit = hospitals["results"][0]["units"][0]
        unit_id = str(unit["id"])
        assert page.locator(f'tr[data-unit-id="{unit_id}"]').count() == 1
        new_available = 0 if unit["available"] else 1
        page.evaluate(
            """() => {
                window.__notReloaded = true;
                window.__events = [];
                document.addEventListener("bedwatch:units", (e) => window.__events.push(e.detail));
            }"""
        )

        # A nurse reports through the API …
        status, body = server.report(unit, new_available, token=nurse_token)
        assert status == 201, body

        # … and the row changes in place, without a reload.
        selector = f'tr[data-unit-id="{unit_id}"][data-available="{new_available}"]'
        page.wait_for_selector(selector)
        cells = page.locator(f'tr[data-unit-id="{unit_id}"]')
        assert cells.locator('[data-figure="available"]').inner_text() == str(new_available)
        assert cells.locator('[data-figure="occupied"]').inner_text() == str(
            unit["installed"] - new_available
        )
        assert page.evaluate("window.__notReloaded") is True
        # Pages (the map) hear of it through a DOM event carrying the units and the seq.
        events = page.evaluate("window.__events")
        assert [e["kind"] for e in events] == ["changed"]
        assert events[0]["units"][0]["id"] == unit["id"]
        assert events[0]["units"][0]["available"] == new_available
        assert isinstance(events[0]["seq"], int)

    # The server went away: the page says so, then how old its figures are.
    page.wait_for_selector('#live-status[data-live-state="reconnecting"]')
    assert page.inner_text("#live-status") == "reconnexion…"
    page.wait_for_selector('#live-status[data-live-state="offline"]', timeout=60000)
    assert re.fullmatch(r"chiffres de \d\d:\d\d", page.inner_text("#live-status"))

    # It comes back on the same port: the page is live again by itself.
    with site(env, port=port, log_dir=tmp_path):
        page.wait_for_selector('#live-status[data-live-state="live"]', timeout=60000)
        assert page.evaluate("window.__notReloaded") is True
    page.close()
