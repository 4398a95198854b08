"""The dispatch page in Chromium: a dispatcher searches from any commune, postcode, INSEE code,
arrondissement or point, with suggestions as they type; phones get the results first.

Screenshots go to test-artifacts/ (or to $BEDWATCH_SCREENSHOTS)."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.helpers import logged_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[2]
PHONE = (390, 844)


@pytest.fixture
def demo_data() -> None:
    """The demo's hospitals: five in and around Lyon, one by Saint-Étienne, …"""
    call_command("seed_demo", stdout=io.StringIO())


def artifacts() -> Path:
    folder = Path(os.getenv("BEDWATCH_SCREENSHOTS") or REPO / "test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def search(page, base: str, text: str) -> None:  # noqa: ANN001
    page.goto(f"{base}/dispatch/")
    # The place field has the focus on load: typing goes straight into it.
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.id === 'id_place'"
    )
    page.select_option("#id_kind", "REA")  # (leaves the focus where it is)
    page.keyboard.type(text)
    page.keyboard.press("Enter")  # searches from what was typed, suggestions open or not
    page.wait_for_url("**/dispatch/?place=*")


def shown_rows(page) -> list[dict]:  # noqa: ANN001
    return page.locator("[data-bw-results] tbody tr:visible").evaluate_all(
        """rows => rows.map(r => ({
            name: r.querySelector('.bw-c-name a').textContent,
            km: parseFloat(r.querySelector('.bw-distance').textContent.replace(',', '.')),
        }))"""
    )


@pytest.mark.parametrize(
    ("text", "heading"),
    [
        ("Villeurbanne", "Depuis Villeurbanne (69100, Rhône)"),
        ("69003", "Depuis Lyon 3e Arrondissement (69003, Rhône)"),
        ("Saint-Étienne", "Depuis Saint-Étienne (42000, Loire)"),
        ("Lyon 3e", "Depuis Lyon 3e Arrondissement (69003, Rhône)"),
        ("45.76, 4.84", "Depuis 45.76000, 4.84000"),
    ],
)
def test_a_dispatcher_gets_the_nearest_hospitals_from_any_place(
    chromium, live_server, dave, demo_data, text, heading
):
    page = logged_in_page(chromium, live_server.url, dave)
    search(page, live_server.url, text)

    assert page.locator("#bw-results-title").inner_text() == heading
    rows = shown_rows(page)
    distances = [r["km"] for r in rows]
    assert rows and distances == sorted(distances) and distances[0] < 15
    # The same hospitals, in the same order, as the API's search from the same text.
    api = page.request.get(
        f"{live_server.url}/api/v1/hospitals/",
        params={"near": text, "kind": "REA", "min_available": 1, "radius_km": 50},
    ).json()["results"]
    assert [r["name"] for r in rows] == [h["name"] for h in api]
    assert distances == [round(h["distance_km"], 1) for h in api]
    if text == "Saint-Étienne":
        assert "CHU de Saint-Étienne" in rows[0]["name"]
    assert "à vol d’oiseau" in page.locator(".bw-results").inner_text()
    assert page.evaluate("!!window.bedwatchMap.point")
    assert page.js_errors == []


def test_suggestions_appear_as_one_types_each_with_its_department(
    chromium, live_server, dave, demo_data
):
    page = logged_in_page(chromium, live_server.url, dave)
    page.goto(f"{live_server.url}/dispatch/")
    field = page.locator("#id_place")
    options = page.locator("#bw-place-suggestions [role=option]")

    page.keyboard.type("v")  # one character: nothing asked
    page.wait_for_timeout(400)
    assert options.count() == 0 and field.get_attribute("aria-expanded") == "false"

    page.keyboard.type("illeu")
    options.first.wait_for()
    assert field.get_attribute("aria-expanded") == "true"
    assert 1 <= options.count() <= 8
    assert options.first.inner_text().split("\n") == ["Villeurbanne", "69100 · Rhône (69)"]
    page.screenshot(path=str(artifacts() / "dispatch-suggestions-desktop.png"))

    # Keyboard: ↓ then Enter picks, without searching yet; the pick resolves to that commune.
    page.keyboard.press("ArrowDown")
    assert field.get_attribute("aria-activedescendant") == "bw-place-option-0"
    page.keyboard.press("Enter")
    assert field.input_value() == "Villeurbanne (69100)"
    assert options.count() == 0 and "/dispatch/?" not in page.url
    page.click("form[data-bw-dispatch-form] button[type=submit]")
    page.wait_for_url("**/dispatch/?place=Villeurbanne*")
    assert "Villeurbanne" in page.locator("#bw-results-title").inner_text()

    # A click picks too; "st eti" finds Saint-Étienne.
    field.fill("")
    field.focus()
    page.keyboard.type("st eti")
    page.locator("#bw-place-suggestions [role=option]", has_text="Saint-Étienne").first.click()
    assert field.input_value().startswith("Saint-Étienne")
    assert page.js_errors == []


def test_unknown_place_gets_a_french_message_with_examples(chromium, live_server, dave):
    page = logged_in_page(chromium, live_server.url, dave)
    search(page, live_server.url, "Zzzville")
    error = page.locator("#place-errors").inner_text()
    assert "« Zzzville » : aucune commune" in error
    assert "Villeurbanne, 69003, Saint-Étienne, Lyon 3e, 45.76, 4.84" in error
    assert page.input_value("#id_place") == "Zzzville"
    # A typo gets the places it probably meant.
    search(page, live_server.url, "Saint-Etiene")
    assert "Vouliez-vous dire : Saint-Étienne (42000)" in page.locator("#place-errors").inner_text()


def test_an_ambiguous_name_offers_the_other_places(chromium, live_server, dave, demo_data):
    page = logged_in_page(chromium, live_server.url, dave)
    search(page, live_server.url, "Saint-Martin")
    heading = page.locator("#bw-results-title").inner_text()
    others = page.locator(".bw-alternatives a")
    assert others.count() >= 3
    other = others.first.inner_text()
    assert other not in heading
    others.first.click()
    page.wait_for_url(re.compile(r".*/dispatch/\?place=Saint-Martin\+%28\d{5}%29&kind=REA.*"))
    assert page.locator("#bw-results-title").inner_text() == f"Depuis {other}"


@pytest.mark.parametrize("viewport", [PHONE, (1366, 768)], ids=["phone", "desktop"])
def test_dispatch_page_fits_the_screen_with_results_before_the_map_on_phones(
    chromium, live_server, dave, demo_data, viewport
):
    name = "phone" if viewport == PHONE else "desktop"
    page = logged_in_page(chromium, live_server.url, dave, viewport=viewport)
    page.goto(f"{live_server.url}/dispatch/")
    page.screenshot(path=str(artifacts() / f"dispatch-empty-{name}.png"))
    search(page, live_server.url, "Lyon 3e")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    results = page.locator(".bw-results").bounding_box()
    map_box = page.locator(".bw-map-pane").bounding_box()
    if viewport == PHONE:
        assert results["y"] < map_box["y"]  # results first, then the map
        assert results["y"] < viewport[1]  # and they start on the first screen
    else:
        assert map_box["x"] < results["x"]  # map on the left, results beside it
    page.screenshot(path=str(artifacts() / f"dispatch-{name}.png"))
    page.screenshot(path=str(artifacts() / f"dispatch-{name}-full.png"), full_page=True)
    assert page.js_errors == []
