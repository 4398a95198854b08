"""A real browser on the live table of a région: figures change without a reload after a
report, and the page says it is reconnecting when the server goes away."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.conftest import service_missing
from tests.servers import daphne, free_port, manage

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LYON = "690783154"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser():  # noqa: ANN201
    chromium = os.getenv("BEDWATCH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(chromium) or os.getenv("BEDWATCH_BROWSER_TESTS") == "0":
        service_missing(f"Chromium at {chromium}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_table_updates_live_and_says_reconnecting_when_server_goes(
    browser, server_database, tmp_path, settings
):
    db = server_database
    manage(db, "seed_demo")
    manage(
        db,
        "create_account",
        "coord",
        "--role",
        "coordinator",
        "--region",
        "84",
        "--password",
        "x-Very-long-pass-9",
    )
    nurse = manage(db, "create_account", "nurse", "--role", "staff", "--hospital", LYON, "--token")
    nurse_token = nurse.split()[-1]
    env = {"DATABASE_URL": db, "REDIS_URL": settings.REDIS_URL or None}
    port = free_port()

    with daphne(env, port=port, log_dir=tmp_path) as server:
        page = browser.new_page(locale="fr-FR")
        # Sign in as the coordinator of région 84 and open its live table.
        page.goto(server.url + "/accounts/login/?next=/regions/84/table/")
        page.fill("#id_username", "coord")
        page.fill("#id_password", "x-Very-long-pass-9")
        page.click("button[type=submit]")
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
        page.evaluate("window.__notReloaded = true")

        # A nurse reports through the API …
        status, body = server.request(
            "POST",
            f"/api/v1/units/{unit_id}/reports/",
            token=nurse_token,
            body={
                "installed": unit["installed"],
                "available": new_available,
                "occupied": unit["installed"] - new_available,
                "reserved": 0,
                "closed": 0,
                "extra": 0,
            },
        )
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

    # The server went away: the page says so.
    page.wait_for_selector('#live-status[data-live-state="reconnecting"]')
    assert page.inner_text("#live-status") == "reconnexion…"

    # It comes back on the same port: the page is live again by itself.
    with daphne(env, port=port, log_dir=tmp_path):
        page.wait_for_selector('#live-status[data-live-state="live"]', timeout=60000)
        assert page.evaluate("window.__notReloaded") is True
    page.close()
