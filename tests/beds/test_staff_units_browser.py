"""The staff page in Chromium: log in, update a unit in two interactions or confirm it in one,
errors next to the field, keyboard only, a 360 px phone, French and English.

Screenshots go to test-artifacts/ (or to $BEDWATCH_SCREENSHOTS, e.g. docs/screenshots)."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest
from django.core.management import call_command
from django.db import connections

from beds.models import CapacityReport, Source, Unit

# Transactional (the live server reads over its own connection); tests/conftest.py puts the
# régions and départements back after each flush.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"  # tests/factories.py
REPO = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def orm(query: Callable[[], T]) -> T:
    """Run ORM code while Playwright runs: in a thread of its own, outside Playwright's event
    loop, on a connection closed afterwards (a leftover one stops PostgreSQL from dropping the
    test database)."""

    def run() -> T:
        try:
            return query()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


@pytest.fixture
def demo_data() -> None:
    call_command("seed_demo", stdout=io.StringIO())


def new_page(browser, *, width: int = 1280, height: int = 800, locale: str = "fr-FR"):  # noqa: ANN001, ANN201
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
    return context.new_page()


def log_in(page, base: str, username: str, password: str = PASSWORD) -> None:  # noqa: ANN001
    page.goto(f"{base}/beds/")
    assert "/accounts/login/" in page.url  # anonymous: sent to the login page first
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]:below(#id_password)")
    page.wait_for_url(f"{base}/beds/")


def no_horizontal_scroll(page) -> bool:  # noqa: ANN001
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def artifacts() -> Path:
    folder = Path(os.getenv("BEDWATCH_SCREENSHOTS") or REPO / "test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_staff_updates_a_unit_in_two_interactions(live_server, alice, unit_lyon, browser):
    page = new_page(browser)
    log_in(page, live_server.url, "alice")
    card = page.locator(f'[data-unit-id="{unit_lyon.pk}"]')
    assert card.get_attribute("data-available") == "3"

    # 1: one less available bed (the large − button); 2: save.
    card.get_by_role("button", name="Disponibles : un de moins").click()
    card.get_by_role("button", name="Enregistrer").click()

    page.wait_for_url(f"**/beds/?saved={unit_lyon.pk}#unit-{unit_lyon.pk}")
    assert page.locator(f'[data-unit-id="{unit_lyon.pk}"]').get_attribute("data-available") == "2"
    report = orm(lambda: CapacityReport.objects.get(unit=unit_lyon))
    assert report.source == Source.WEB and report.reporter_username == "alice"
    assert report.available == 2 and report.occupied == 7


def test_nothing_changed_is_one_click(live_server, alice, unit_lyon, browser):
    page = new_page(browser)
    log_in(page, live_server.url, "alice")

    page.locator(f'[data-unit-id="{unit_lyon.pk}"]').get_by_role(
        "button", name="Rien n’a changé : confirmer"
    ).click()

    page.wait_for_url(f"**/beds/?saved={unit_lyon.pk}#unit-{unit_lyon.pk}")
    report = orm(lambda: CapacityReport.objects.get(unit=unit_lyon))
    unit = orm(lambda: Unit.objects.get(pk=unit_lyon.pk))
    assert report.source == Source.WEB
    assert report.figures() == unit.figures() == unit_lyon.figures()
    assert unit.version == 2


def test_nothing_changed_is_disabled_once_a_figure_is_edited(
    live_server, alice, unit_lyon, browser
):
    # Issue 13 item 3: 0 available / 8 occupied typed, then "Nothing changed" must not
    # record the old "3 available".
    page = new_page(browser, width=390, height=844)
    log_in(page, live_server.url, "alice")
    card = page.locator(f'[data-unit-id="{unit_lyon.pk}"]')
    unchanged = card.get_by_role("button", name="Rien n’a changé : confirmer")
    hint = card.locator(".unit__hint")
    assert unchanged.is_enabled() and not hint.is_visible()

    page.fill(f"#id_unit-{unit_lyon.pk}-available", "0")
    page.fill(f"#id_unit-{unit_lyon.pk}-occupied", "8")
    assert unchanged.is_disabled()
    assert "Vous avez modifié des chiffres" in hint.inner_text()
    page.screenshot(path=str(artifacts() / "beds-unchanged-disabled-phone.png"))
    # Pressing it does nothing: no report, still on the page.
    unchanged.click(force=True)
    assert not orm(CapacityReport.objects.exists)

    # The − / + buttons count as edits too; putting every figure back offers it again.
    card.get_by_role("button", name="Disponibles : un de plus").click()
    card.get_by_role("button", name="Disponibles : un de plus").click()
    card.get_by_role("button", name="Disponibles : un de plus").click()
    assert unchanged.is_disabled()  # occupied is still 8
    page.fill(f"#id_unit-{unit_lyon.pk}-occupied", "7")
    assert unchanged.is_enabled() and not hint.is_visible()

    # The typed figures are what "Enregistrer" records.
    page.fill(f"#id_unit-{unit_lyon.pk}-available", "2")
    page.fill(f"#id_unit-{unit_lyon.pk}-occupied", "8")
    card.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(f"**/beds/?saved={unit_lyon.pk}#unit-{unit_lyon.pk}")
    report = orm(lambda: CapacityReport.objects.get(unit=unit_lyon))
    assert (report.available, report.occupied) == (2, 8)


def test_wrong_value_shows_error_next_to_field_and_stores_nothing(
    live_server, alice, unit_lyon, browser
):
    page = new_page(browser)
    log_in(page, live_server.url, "alice")
    field = f"#id_unit-{unit_lyon.pk}-occupied"

    page.fill(field, "1000")
    page.locator(f'[data-unit-id="{unit_lyon.pk}"]').get_by_role(
        "button", name="Enregistrer"
    ).click()

    error = page.locator(f"{field}_error")
    error.wait_for()
    assert "de 0 à 999" in error.inner_text()
    # Next to the field: in the same figure block, and announced with it.
    figure = page.locator(".figure", has=page.locator(field))
    assert figure.locator(".field-error").count() == 1
    assert page.get_attribute(field, "aria-invalid") == "true"
    assert f"{field[1:]}_error" in page.get_attribute(field, "aria-describedby")
    assert page.input_value(field) == "1000"  # what was typed stays, to be corrected
    # The cursor is in the field to correct (set once the page's script has run).
    page.wait_for_function(f"document.activeElement.id === '{field[1:]}'", timeout=5000)
    assert not orm(CapacityReport.objects.exists)


def test_keyboard_only_update(live_server, alice, unit_lyon, browser):
    page = new_page(browser)
    log_in(page, live_server.url, "alice")
    target = f"id_unit-{unit_lyon.pk}-available"

    for _ in range(40):  # tab through the header to the first figure
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == target:
            break
    assert page.evaluate("document.activeElement.id") == target
    page.keyboard.press("ArrowDown")  # 3 → 2
    page.keyboard.press("Enter")

    page.wait_for_url(f"**/beds/?saved={unit_lyon.pk}#unit-{unit_lyon.pk}")
    assert orm(lambda: CapacityReport.objects.get(unit=unit_lyon)).available == 2


def test_phone_width_has_no_horizontal_scroll(live_server, alice, unit_lyon, browser):
    page = new_page(browser, width=360, height=740)
    log_in(page, live_server.url, "alice")
    assert no_horizontal_scroll(page)
    # Also with an error and the sharp-change warning showing.
    page.fill(f"#id_unit-{unit_lyon.pk}-available", "999")
    page.get_by_role("button", name="Enregistrer").click()
    page.locator(f"#id_unit-{unit_lyon.pk}-available_error").wait_for()
    assert no_horizontal_scroll(page)
    # Touch targets of the steppers are at least 44 px.
    box = page.get_by_role("button", name="Disponibles : un de plus").bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44


def test_page_renders_in_french_then_english(live_server, alice, unit_lyon, browser):
    page = new_page(browser)
    log_in(page, live_server.url, "alice")
    assert page.get_attribute("html", "lang") == "fr"
    assert page.locator("h1").inner_text() == "Mes unités"

    page.get_by_role("button", name="English").click()
    page.wait_for_selector("html[lang=en]")
    assert page.locator("h1").inner_text() == "My units"
    assert page.get_by_role("button", name="Save figures").count() == 1


def test_screenshots_of_the_staff_page(live_server, demo_data, browser):
    for name, width, height in (("phone", 390, 844), ("desktop", 1366, 768)):
        page = new_page(browser, width=width, height=height)
        log_in(page, live_server.url, "staff-aphp", "demo-staff-2026")
        assert page.locator("[data-unit-id]").count() == 5
        assert no_horizontal_scroll(page)
        page.screenshot(path=str(artifacts() / f"beds-{name}.png"))
        page.screenshot(path=str(artifacts() / f"beds-{name}-full.png"), full_page=True)
        page.context.close()
