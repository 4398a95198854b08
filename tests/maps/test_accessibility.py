"""axe-core (static/vendor/axe-core, vendored for the tests) finds no critical or serious
violation on the pages people use, on a control-room screen and on a phone."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone

from beds.models import UnitKind
from regions.models import Department
from tests.factories import HospitalFactory, UnitFactory
from tests.helpers import logged_in_page, settle, track_requests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
VIEWPORTS = [(1366, 768), (390, 844)]
PAGES = [
    ("dave", "/maps/"),
    ("dave", "/maps/regions/84/"),
    ("dave", "/regions/84/table/"),
    ("dave", "/dispatch/"),
    ("dave", "/dispatch/?place=45.75%2C+4.85&kind=REA&min_available=1&radius_km=50"),
    ("alice", "/beds/"),
    ("erin", "/admin/"),
    ("erin", "/admin/regions/region/"),
    ("erin", "/admin/regions/region/84/change/"),
    (None, "/accounts/login/"),
]


def serious_violations(page) -> list[str]:  # noqa: ANN001
    # Evaluated by the browser's debugger, not as an inline <script> the page's CSP would block.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations
              .filter(v => v.impact === "critical" || v.impact === "serious")
              .map(v => v.id + " (" + v.impact + "): " +
                   v.nodes.slice(0, 3).map(n => n.target.join(" ") + " " +
                     (n.failureSummary || "").split("\\n").slice(1, 2).join(" ")).join(" | "));
        }"""
    )
    return found


@pytest.fixture
def some_figures(unit_lyon):  # noqa: ANN001, ANN201
    rhone = Department.objects.get(code="69")
    stale = HospitalFactory(name="Ancien", lat=45.70, lon=4.80, department=rhone)
    UnitFactory(
        hospital=stale,
        kind=UnitKind.USIC,
        available=0,
        occupied=10,
        updated_at=timezone.now() - timezone.timedelta(hours=30),
    )
    UnitFactory(hospital=unit_lyon.hospital, kind=UnitKind.BURN, available=1, occupied=9)
    return unit_lyon


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["1366", "390"])
def test_no_serious_accessibility_violation(
    chromium, live_server, request, some_figures, alice, dave, erin, viewport
):
    failures = {}
    for who, path in PAGES:
        if who is None:
            page = track_requests(
                chromium.new_page(
                    viewport={"width": viewport[0], "height": viewport[1]}, locale="fr-FR"
                )
            )
        else:
            page = logged_in_page(
                chromium, live_server.url, request.getfixturevalue(who), viewport=viewport
            )
        page.goto(f"{live_server.url}{path}")
        settle(page)
        found = serious_violations(page)
        if found:
            failures[path] = found
        page.context.close()
    assert failures == {}, "\n".join(f"{p}: {v}" for p, vs in failures.items() for v in vs)
