"""A live page never shows frozen figures as live: in Chromium, on the région table served by
the production layout, with a private Redis stopped and restarted and a ws: worker frozen."""

from __future__ import annotations

import re
import signal
import time

import pytest

from tests.servers import (
    PASSWORD,
    create_account,
    private_redis,
    seed_nurse_and_watcher,
    site,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BANNER = re.compile(r"Connexion perdue — chiffres figés à \d\d:\d\d")


def sign_in(browser, server, path: str, *, locale: str = "fr-FR"):  # noqa: ANN001, ANN201
    page = browser.new_page(locale=locale, timezone_id="Europe/Paris")
    page.goto(f"{server.url}/accounts/login/?next={path}")
    page.fill("#id_username", "coord")
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**{path}")
    page.wait_for_selector('html[data-live-state="live"]')
    return page


def greyed(page, unit_id: str) -> bool:  # noqa: ANN001
    opacity = page.eval_on_selector(
        f'tr[data-unit-id="{unit_id}"] [data-figure="available"]',
        "el => getComputedStyle(el).opacity",
    )
    return float(opacity) < 1


def test_banner_within_5_s_of_redis_stopping_and_gone_within_2_s_of_its_return(
    browser, server_database, tmp_path
):
    db = server_database
    nurse_token, _watcher = seed_nurse_and_watcher(db)
    create_account(db, "coord", "coordinator", region="84", password=PASSWORD)
    with private_redis() as redis:
        env = {"DATABASE_URL": db, "REDIS_URL": redis.url}
        with site(env, log_dir=tmp_path) as server:
            page = sign_in(browser, server, "/regions/84/table/")
            status, hospitals = server.request("GET", "/api/v1/hospitals/", token=nurse_token)
            unit = hospitals["results"][0]["units"][0]
            unit_id = str(unit["id"])
            assert page.is_hidden("#live-banner") and not greyed(page, unit_id)

            # Redis stops: within 5 s the page says its figures are frozen, and greys them.
            redis.stop()
            stopped = time.monotonic()
            page.wait_for_selector("#live-banner", state="visible", timeout=5000)
            assert time.monotonic() - stopped < 5
            assert BANNER.fullmatch(page.inner_text("#live-banner")), page.inner_text(
                "#live-banner"
            )
            assert page.get_attribute("html", "data-live-state") == "degraded"
            assert greyed(page, unit_id)

            # A report is stored meanwhile; the page cannot know it yet.
            new_available = 0 if unit["available"] else 1
            status, body = server.report(unit, new_available, token=nurse_token)
            assert status == 201, body

            # Redis returns: within 2 s the page is live again, with that report's figures.
            redis.start()
            back = time.monotonic()
            page.wait_for_selector('html[data-live-state="live"]', timeout=2000)
            assert time.monotonic() - back < 2, server.log()
            assert page.is_hidden("#live-banner") and not greyed(page, unit_id)
            cell = f'tr[data-unit-id="{unit_id}"] [data-figure="available"]'
            assert page.inner_text(cell) == str(new_available)

            # The ws: worker stops answering without closing anything (no heartbeat): the page
            # gives up on it within 5 s, then is live again once the worker answers.
            server.ws.process.send_signal(signal.SIGSTOP)
            try:
                frozen = time.monotonic()
                page.wait_for_selector("#live-banner", state="visible", timeout=5000)
                assert time.monotonic() - frozen < 5
                assert page.get_attribute("html", "data-live-state") in ("reconnecting", "offline")
            finally:
                server.ws.process.send_signal(signal.SIGCONT)
            page.wait_for_selector('html[data-live-state="live"]', timeout=15000)
            assert page.is_hidden("#live-banner")
            page.close()


def test_banner_is_english_on_an_english_page_and_times_name_a_foreign_zone(
    browser, server_database, tmp_path
):
    db = server_database
    seed_nurse_and_watcher(db)
    create_account(db, "coord", "coordinator", region="84", password=PASSWORD)
    with private_redis() as redis:
        env = {"DATABASE_URL": db, "REDIS_URL": redis.url}
        with site(env, log_dir=tmp_path) as server:
            page = sign_in(browser, server, "/regions/84/table/", locale="en-GB")
            redis.stop()
            page.wait_for_selector("#live-banner", state="visible", timeout=5000)
            assert re.fullmatch(
                r"Connection lost — figures frozen at \d\d:\d\d", page.inner_text("#live-banner")
            )
            # Times follow <html data-time-zone>, named when it is not the viewer's (Paris).
            noon_utc = "new Date('2026-01-15T12:00:00Z')"
            assert page.evaluate(f"BedwatchLive.formatTime({noon_utc})") == "13:00"
            page.evaluate(
                "document.documentElement.setAttribute('data-time-zone', 'America/Cayenne')"
            )
            assert page.evaluate(f"BedwatchLive.formatTime({noon_utc})") == "09:00 (UTC−3)"
            page.close()
