"""The OpenAPI schema tells the truth: pages, errors, formats (and tests/openapi.py checks every
API response of the suite against it)."""

from __future__ import annotations

import pytest
from django.http import HttpResponse, JsonResponse

from tests.openapi import openapi, validate_response

pytestmark = pytest.mark.django_db

PAGINATED = [
    "/api/v1/hospitals/",
    "/api/v1/units/{unit_id}/reports/",
    "/api/v1/regions/{code}/threshold-changes/",
]


def response_schema(path: str, method: str, status: str) -> dict:
    content = openapi()["paths"][path][method]["responses"][status]["content"]
    return next(iter(content.values()))["schema"]


@pytest.mark.parametrize("path", PAGINATED)
def test_paginated_lists_are_documented_as_pages(path):
    ref = response_schema(path, "get", "200")["$ref"].rsplit("/", 1)[1]
    page = openapi()["components"]["schemas"][ref]
    assert set(page["properties"]) == {"count", "next", "previous", "results"}
    assert page["properties"]["results"]["type"] == "array"
    params = {p["name"] for p in openapi()["paths"][path]["get"]["parameters"]}
    assert {"page", "page_size"} <= params


def test_every_operation_documents_its_errors():
    for path, item in openapi()["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in item.items():
            codes = set(operation["responses"])
            assert {"400", "401", "404", "429"} <= codes, (method, path, codes)
            if "{" in path or method != "get":
                assert "403" in codes, (method, path, codes)


def test_an_out_of_enum_format_is_refused_naming_it(api, carol, unit_lyon):
    response = api(carol).get("/api/v1/exports/capacity.csv", {"format": "xlsx"})
    assert response.status_code == 400
    assert "format" in response.json()
    assert api(carol).get("/api/v1/exports/edxl-have.xml", {"format": "pdf"}).status_code == 400
    assert api(carol).get("/api/v1/exports/capacity.csv", {"format": "json"}).status_code == 200


def test_the_check_refuses_an_undocumented_status():
    with pytest.raises(AssertionError, match="does not document"):
        validate_response("GET", "/api/v1/hospitals/", HttpResponse(status=418))


def test_the_check_refuses_a_body_unlike_its_schema():
    with pytest.raises(AssertionError, match="does not match its schema"):
        validate_response("GET", "/api/v1/hospitals/", JsonResponse([], safe=False))
    with pytest.raises(AssertionError, match="does not match its schema"):
        validate_response("GET", "/api/v1/units/1/", JsonResponse({"detail": 1}, status=404))


def test_the_check_accepts_what_the_schema_says():
    page = {"count": 0, "next": None, "previous": None, "results": []}
    validate_response("GET", "/api/v1/hospitals/", JsonResponse(page))
    validate_response("POST", "/api/v1/units/1/reports/", JsonResponse({"note": ["x"]}, status=400))


def test_a_path_no_api_route_matches_is_a_json_404(api, carol):
    response = api(carol).get("/api/v1/units/null,null/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()
