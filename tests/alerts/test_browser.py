"""Chromium: a coordinator's open page shows a new alert within the second, and a reminder's
link opens its unit's card and records once."""

from __future__ import annotations

import pytest

from tests import servers
from tests.servers import PASSWORD, create_account, make_run, manage, seed_nurse_and_watcher

pytestmark = [pytest.mark.browser, pytest.mark.slow]
server_database = servers.server_database  # the fixture, for this module


def test_an_alert_shows_on_the_open_page_within_a_second_then_a_link_reports_once(
    browser, server_database, tmp_path
):
    db = server_database
    nurse_token, _watcher = seed_nurse_and_watcher(db)
    create_account(db, "coord", "coordinator", region="84", password=PASSWORD)
    create_account(db, "coord2", "coordinator", region="84", password=PASSWORD)
    # `make run` as a fresh clone runs it: one process, no Redis; its scheduler's threads judge
    # the alerts and hand them to its sockets.
    env = {"DATABASE_URL": db, "REDIS_URL": None}
    with make_run(env, log_dir=tmp_path) as server:
        page = browser.new_page(locale="fr-FR")
        page.goto(server.url + "/accounts/login/?next=/regions/84/table/")
        page.fill("#id_username", "coord")
        page.fill("#id_password", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_url("**/regions/84/table/")
        page.wait_for_selector('#live-status[data-live-state="live"]')
        saturated = (
            '[data-alerts-list] .bw-alert--saturated[data-state="open"]:has-text("Grands brûlés")'
        )
        status, hospitals = server.request("GET", "/api/v1/hospitals/", token=nurse_token)
        burns = [u for h in hospitals["results"] for u in h["units"] if u["kind"] == "BURN"]

        # The demo leaves the burns unit, the only one of the région, full: its alerts are open.
        # The nurse frees beds: they resolve, and leave the open page by themselves …
        page.wait_for_selector(saturated)
        for unit in burns:
            status, body = server.report(unit, unit["installed"], token=nurse_token)
            assert status == 201, body
        page.wait_for_selector(saturated, state="detached")

        # … then fills it again: saturated, shown on the open page within the second.
        for unit in burns:
            status, body = server.report(unit, 0, token=nurse_token)
            assert status == 201, body
        page.wait_for_selector(saturated, timeout=1000)

        # Another coordinator of the région has the alerts page open …
        other = browser.new_page(locale="fr-FR")
        other.goto(server.url + "/accounts/login/?next=/regions/84/alerts/")
        other.fill("#id_username", "coord2")
        other.fill("#id_password", PASSWORD)
        other.click("main form button[type=submit]")
        other.wait_for_url("**/regions/84/alerts/")
        other.wait_for_selector('#live-status[data-live-state="live"]')
        item = page.locator(saturated).first
        alert_id = item.get_attribute("data-alert-id")
        other.wait_for_selector(f'[data-alerts-list] [data-alert-id="{alert_id}"]')
        # … and sees the first one acknowledge it, live, with who did.
        item.locator("button[type=submit]").click()
        seen = other.wait_for_selector(
            f'[data-alerts-list] [data-alert-id="{alert_id}"][data-state="acknowledged"]',
            timeout=1000,
        )
        assert "acquittée par coord" in seen.inner_text()
        page.wait_for_selector(f'[data-alert-id="{alert_id}"][data-state="acknowledged"]')
        assert page.url.endswith("/regions/84/table/")  # acknowledged in place, no reload

        # A reminder's link, made the scheduler's way, opens that unit's card only.
        unit = burns[0]
        token = manage(
            db,
            "shell",
            "-c",
            "from alerts.services import unit_link_issue; from accounts.models import User; "
            f"from beds.models import Unit; print(unit_link_issue(user=User.objects.get("
            f"username='nurse'), unit=Unit.objects.get(pk={unit['id']})))",
        ).split()[-1]
        card = browser.new_page(locale="fr-FR")
        card.goto(f"{server.url}/alerts/link/{token}/")
        assert card.url.endswith("/alerts/link/")
        card.wait_for_selector("[data-link-card]")
        p = f"#id_unit-{unit['id']}"
        card.fill(f"{p}-available", "1")
        card.fill(f"{p}-occupied", str(unit["installed"] - 1))
        card.fill(f"{p}-reserved", "0")
        card.fill(f"{p}-closed", "0")
        card.fill(f"{p}-extra", "0")
        card.click("[data-link-card] button[value=save]")
        card.wait_for_selector("[data-link-done]")
        status, detail = server.request("GET", f"/api/v1/units/{unit['id']}/", token=nurse_token)
        assert detail["available"] == 1
        # Once.
        card.goto(f"{server.url}/alerts/link/{token}/")
        card.wait_for_selector('[data-link-refused="used"]')
        assert "déjà été utilisé" in card.inner_text("main")
