"""Every page under the Content-Security-Policy in Chromium: nothing is blocked (no inline
script or style without the request's nonce, no `style="…"` in server HTML, nothing from
another origin)."""

from __future__ import annotations

import pytest

from beds.models import UnitKind
from tests.factories import UnitFactory
from tests.helpers import logged_in_page, settle, track_requests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Filled by the page itself before any of its scripts runs.
LISTEN = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""

# (who, path): one row per page; `who` names a fixture of tests/conftest.py, None = anonymous.
PAGES = [
    pytest.param(None, "/accounts/login/", id="login"),
    pytest.param("alice", "/beds/", id="staff-page"),
    pytest.param("erin", "/admin/", id="admin-index"),
    pytest.param("erin", "/admin/beds/unit/", id="admin-units"),
    pytest.param("erin", "/admin/beds/unit/{unit}/change/", id="admin-unit-change"),
    pytest.param("erin", "/api/v1/hospitals/", id="api-browsable"),
    pytest.param("erin", "/api/v1/regions/84/?format=api", id="api-browsable-form"),
    pytest.param("dave", "/maps/", id="national-map"),
    pytest.param("carol", "/maps/regions/84/", id="regional-map"),
    pytest.param("carol", "/regions/84/table/", id="region-table"),
    pytest.param(
        "dave", "/dispatch/?place=Lyon&kind=REA&min_available=1&radius_km=50", id="dispatch"
    ),
]


@pytest.mark.parametrize(("who", "path"), PAGES)
def test_page_raises_no_csp_violation(request, live_server, chromium, unit_lyon, who, path):
    UnitFactory(hospital=unit_lyon.hospital, label="USIC", kind=UnitKind.USIC)
    if who is None:
        page = track_requests(chromium.new_context().new_page())
    else:
        page = logged_in_page(chromium, live_server.url, request.getfixturevalue(who))
    page.add_init_script(LISTEN)
    console = []
    page.on("console", lambda m: console.append(m.text))

    response = page.goto(live_server.url + path.format(unit=unit_lyon.pk))
    settle(page)

    assert response.status == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    violations = page.evaluate("window.__violations")
    blocked = [m for m in console if "Content Security Policy" in m]
    assert violations == [] and blocked == [], (violations, blocked)
