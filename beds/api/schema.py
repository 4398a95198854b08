"""The OpenAPI schema tells what the API answers: pages as `{count, next, previous, results}`,
and every error an operation can give, in the shapes `beds.api.errors` and DRF send.

`tests/conftest.py` checks every API response of the test suite against this schema, and
`tests/test_schemathesis.py` fuzzes a live server with it.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

# `{"field": ["why", …]}`: beds.api.errors names the field (`body` for the request as a whole).
FIELD_ERRORS = {
    "type": "object",
    "description": "the fields refused, each with its reasons (`body`: the request as a whole)",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}

ERRORS: dict[int, OpenApiResponse] = {
    400: OpenApiResponse(FIELD_ERRORS, description="a bad parameter or body, named"),
    401: OpenApiResponse(DETAIL, description="no credentials, or a token that is not valid"),
    403: OpenApiResponse(DETAIL, description="outside your scope (docs/api.md)"),
    404: OpenApiResponse(DETAIL, description="no such object, page or format"),
    429: OpenApiResponse(DETAIL, description="too many requests: wait for Retry-After seconds"),
}

PAGE_PARAMETERS = [
    OpenApiParameter("page", int, description="1-based"),
    OpenApiParameter("page_size", int, description="default 100, at most 1000"),
]

_PAGES: dict[str, serializers.Serializer] = {}


def paginated(child: type[serializers.Serializer]) -> serializers.Serializer:
    """The page `beds.api.pagination.Pagination` answers, of `child` results."""
    name = "Paginated" + child.__name__.removesuffix("Serializer") + "List"
    if name not in _PAGES:
        _PAGES[name] = inline_serializer(
            name,
            {
                "count": serializers.IntegerField(help_text="results on every page"),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": child(many=True),
            },
        )
    return _PAGES[name]


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's, with the errors every operation can answer added where the view did
    not describe them itself."""

    def _get_response_bodies(self, direction: str = "response") -> dict:
        responses = super()._get_response_bodies(direction)
        # A view whose errors are not DRF's (FHIR's OperationOutcome) names their media types.
        media_types = getattr(self.view, "error_media_types", None)
        for code in self._error_codes():
            error = ERRORS[code]
            if media_types:
                error = OpenApiResponse(OpenApiTypes.OBJECT, description=error.description)
            responses.setdefault(
                str(code), self._get_response_for_code(error, str(code), media_types=media_types)
            )
        return dict(sorted(responses.items()))

    def _error_codes(self) -> list[int]:
        # Any query parameter may be refused (control characters, beds.api middleware); any
        # page, object or format may not exist; throttles answer 429.
        codes = [400, 404, 429]
        if self.get_auth():
            codes.append(401)
        # Refused by scope where the path names something, and a browser session's write
        # without its CSRF token.
        if "{" in self.path or self.method != "GET":
            codes.append(403)
        return codes
