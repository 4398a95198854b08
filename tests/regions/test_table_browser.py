"""The région table in Chromium on a phone: wide tables scroll in their own box, the page
does not scroll sideways."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import report_received
from tests.helpers import logged_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_on_a_phone_the_tables_scroll_in_their_own_box(live_server, carol, unit_lyon, chromium):
    report_received(unit_lyon, 1, timezone.now() - timedelta(hours=30), available=3)
    page = logged_in_page(chromium, live_server.url, carol, viewport=(390, 844))

    page.goto(f"{live_server.url}/regions/84/table/")

    assert page.locator(f'tr[data-unit-id="{unit_lyon.pk}"]').count() == 1
    assert page.locator(".trend-table td[data-tension]").count() == 7
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # Each table is wider than the screen and scrolls inside its box.
    widths = page.evaluate(
        "[...document.querySelectorAll('.table-scroll')].map(b => [b.scrollWidth, b.clientWidth])"
    )
    assert len(widths) == 2 and all(scroll > client for scroll, client in widths), widths


def test_on_a_phone_free_beds_stand_next_to_the_unit_and_live_changes_reword_the_row(
    live_server, carol, unit_lyon, chromium
):
    page = logged_in_page(chromium, live_server.url, carol, viewport=(390, 844))
    page.goto(f"{live_server.url}/regions/84/table/")
    row = page.locator(f'tr[data-unit-id="{unit_lyon.pk}"]')
    free = row.locator('[data-figure="available"]').bounding_box()
    assert free["x"] + free["width"] <= 390  # on the first screen, beside the name
    assert row.locator('[data-bw-word="tension"]').inner_text() == "normal"

    # The live feed's change (as live.js dispatches it, with the server's judgement).
    page.evaluate(
        """unit => document.dispatchEvent(new CustomEvent("bedwatch:units",
             {detail: {kind: "changed", units: [unit], seq: 2}}))""",
        {
            "id": unit_lyon.pk,
            "available": 0,
            "tension": "saturated",
            "freshness": "stale",
            "updated_at": "2026-11-20T23:30:00+00:00",
        },
    )

    assert row.locator('[data-bw-word="tension"]').inner_text() == "saturé"
    assert row.locator('[data-bw-word="freshness"]').inner_text() == "ancien"
    assert {"bw-t-saturated", "bw-f-stale"} <= set(row.get_attribute("class").split())
    assert (
        row.locator("time[data-bw-clock]").inner_text() == "21/11 00:30"
    )  # Paris time, whatever the browser's zone
    assert page.js_errors == []
