"""Security headers: a strict Content-Security-Policy on every page, no cache for what an
authenticated caller receives, `Vary: Authorization` on the API."""

from __future__ import annotations

import pytest
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.template import engines

from config.settings import tile_origin
from tests.helpers import session_client
from tests.test_settings import run_settings

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:  # noqa: ANN001
    policy = response["Content-Security-Policy"]
    parts = [p.strip().split() for p in policy.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def test_pages_carry_a_strict_policy(alice, unit_lyon):
    client = session_client(alice)
    response = client.get("/beds/")
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    for name in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in policy[name] and "'unsafe-eval'" not in policy[name]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_the_login_page_has_the_policy_too(client):
    assert "default-src 'self'" in client.get("/accounts/login/")["Content-Security-Policy"]


def test_a_nonce_used_by_a_template_is_in_the_header(rf):
    request = rf.get("/")
    middleware = CSPMiddleware(lambda r: None)
    middleware.process_request(request)
    html = engines["django"].from_string("{{ request.csp_nonce }}").render(request=request)
    response = middleware.process_response(request, HttpResponse(html))
    assert f"'nonce-{html}'" in response["Content-Security-Policy"]


def test_tiles_origin_is_allowed_for_images_when_configured():
    assert tile_origin("") is None
    assert tile_origin("https://{s}.tile.example.org/{z}/{x}/{y}.png") == (
        "https://*.tile.example.org"
    )
    result = run_settings(
        "settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']",
        BEDWATCH_TILES_URL="https://tiles.example.org:8443/{z}/{x}/{y}.png",
    )
    assert result.returncode == 0, result.stderr
    assert "https://tiles.example.org:8443" in result.stdout


def test_a_tiles_url_that_is_not_http_stops_start_up():
    result = run_settings("settings.DEBUG", BEDWATCH_TILES_URL="javascript:alert(1)")
    assert result.returncode != 0 and "BEDWATCH_TILES_URL" in result.stderr


@pytest.mark.parametrize(
    "path", ["/beds/", "/api/v1/hospitals/", "/api/v1/exports/capacity.csv", "/healthz"]
)
def test_authenticated_answers_are_not_stored_by_any_cache(alice, unit_lyon, path):
    client = session_client(alice)
    assert client.get(path)["Cache-Control"] == "no-store, private"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/hospitals/",
        "/api/v1/exports/capacity.csv",
        "/api/v1/exports/edxl-have.xml",
        "/api/v1/exports/fhir/Location",
    ],
)
def test_token_answers_are_private_and_vary_on_authorization(api, carol, unit_lyon, path):
    response = api(carol).get(path)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"
    assert "Authorization" in response["Vary"]


def test_a_refused_token_answer_is_private_too(api, unit_lyon):
    response = api(key="not-a-real-key").get("/api/v1/hospitals/")
    assert response.status_code == 401
    assert response["Cache-Control"] == "no-store, private"
    assert "Authorization" in response["Vary"]
