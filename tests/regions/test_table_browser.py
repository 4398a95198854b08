"""The région table in Chromium on a phone: wide tables scroll in their own box, the page
does not scroll sideways."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import report_received
from tests.maps.conftest import logged_in_page

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
