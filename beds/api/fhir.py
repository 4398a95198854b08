"""FHIR REST for hospitals' software: read a unit as a `Location`, and report its figures by
sending ROR's capacity extension back with PUT (all six) or PATCH (only what changed).

Same scopes, validation and optimistic concurrency as `POST /api/v1/units/{id}/reports/`
(source `fhir`); every error is an `OperationOutcome` naming the element at fault. The version
comes from `If-Match: W/"<version>"` (412 when stale) or else `meta.versionId` (409 when stale).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import APIException
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from beds import selectors, services
from beds.api.parsers import LimitedJSONParser
from beds.exports import fhir
from beds.models import FIGURES, Source, Unit
from beds.scopes import unit_can_read, unit_can_write

FHIR_JSON = "application/fhir+json"
ETAG_RE = re.compile(r'^\s*(?:W/)?"(\d+)"\s*$')

# HTTP status → OperationOutcome issue type, for errors raised by DRF itself.
ISSUE_TYPES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "conflict",
    412: "conflict",
    413: "too-costly",
    415: "not-supported",
    429: "throttled",
}


# What PUT and PATCH share in the OpenAPI description.
WRITE_PARAMETERS = [
    OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, description='W/"<version>"')
]
WRITE_RESPONSES = {
    (200, FHIR_JSON): OpenApiTypes.OBJECT,
    400: OpenApiResponse(description="OperationOutcome naming each bad element"),
    403: OpenApiResponse(),
    404: OpenApiResponse(),
    409: OpenApiResponse(description="meta.versionId is stale"),
    412: OpenApiResponse(description="If-Match is stale"),
}


class FHIRJSONRenderer(JSONRenderer):
    media_type = FHIR_JSON
    format = "fhir"


class FHIRJSONParser(LimitedJSONParser):
    media_type = FHIR_JSON


class MergePatchJSONParser(LimitedJSONParser):
    media_type = "application/merge-patch+json"


def fhir_base_url(request: Request) -> str:
    return request.build_absolute_uri("/fhir").rstrip("/")


class FHIRError(APIException):
    def __init__(self, code: int, issues: list[fhir.Issue], headers: dict | None = None) -> None:
        super().__init__("; ".join(i.message for i in issues))
        self.status_code = code
        self.issues = issues
        self.headers = headers or {}


def _etag(version: int) -> str:
    return f'W/"{version}"'


class LocationView(APIView):
    parser_classes = [FHIRJSONParser, LimitedJSONParser, MergePatchJSONParser]
    renderer_classes = [FHIRJSONRenderer, JSONRenderer]

    def perform_content_negotiation(self, request: Request, force: bool = False):  # noqa: ANN201
        return super().perform_content_negotiation(request, force=True)

    def handle_exception(self, exc: Exception) -> Response:
        """Every error as an OperationOutcome, keeping DRF's status and headers."""
        if isinstance(exc, FHIRError):
            response = Response(fhir.operation_outcome(exc.issues), status=exc.status_code)
            for key, value in exc.headers.items():
                response[key] = value
            return response
        response = super().handle_exception(exc)
        data = response.data
        if isinstance(data, dict) and "detail" in data:
            messages = [str(data["detail"])]
        elif isinstance(data, dict):
            messages = [
                f"{k}: {m}" for k, v in data.items() for m in (v if isinstance(v, list) else [v])
            ]
        else:
            messages = [str(data)]
        code = ISSUE_TYPES.get(response.status_code, "exception")
        response.data = fhir.operation_outcome(fhir.Issue(code, m) for m in messages)
        return response

    def _unit(self, location_id: str) -> Unit:
        unit = selectors.unit_get(unit_id=int(location_id)) if location_id.isdigit() else None
        if unit is None:
            raise FHIRError(
                404,
                [
                    fhir.Issue(
                        "not-found",
                        _(
                            "No Location/%(id)s: Locations you may write are units, with a numeric id."
                        )
                        % {"id": location_id},
                    )
                ],
            )
        return unit

    def _location(self, request: Request, unit: Unit) -> Response:
        data = selectors.unit_to_dict(unit, now=timezone.now())
        hospital = selectors.hospital_to_dict(unit.hospital, now=timezone.now(), units=[])
        source = selectors.latest_report_sources(unit_ids=[unit.pk]).get(unit.pk)
        resource = fhir.unit_location(
            hospital, data, base_url=fhir_base_url(request), source=source
        )
        response = Response(resource)
        response["ETag"] = _etag(unit.version)
        return response

    @extend_schema(
        operation_id="fhir_location_read",
        tags=["fhir"],
        summary="A unit as a FHIR Location with ROR's capacity extension",
        responses={
            (200, FHIR_JSON): OpenApiTypes.OBJECT,
            403: OpenApiResponse(),
            404: OpenApiResponse(),
        },
    )
    def get(self, request: Request, location_id: str) -> Response:
        unit = self._unit(location_id)
        if not unit_can_read(request.user, unit):
            raise FHIRError(403, [fhir.Issue("forbidden", _("This unit is outside your scope."))])
        return self._location(request, unit)

    @extend_schema(
        operation_id="fhir_location_update",
        tags=["fhir"],
        summary="Report all six figures of a unit (ROR capacity extension)",
        request={FHIR_JSON: OpenApiTypes.OBJECT, "application/json": OpenApiTypes.OBJECT},
        parameters=WRITE_PARAMETERS,
        responses=WRITE_RESPONSES,
    )
    def put(self, request: Request, location_id: str) -> Response:
        return self._report(request, location_id, partial=False)

    @extend_schema(
        operation_id="fhir_location_patch",
        tags=["fhir"],
        summary="Report the figures that changed (merge of ROR capacity extensions)",
        request={
            FHIR_JSON: OpenApiTypes.OBJECT,
            "application/merge-patch+json": OpenApiTypes.OBJECT,
        },
        parameters=WRITE_PARAMETERS,
        responses=WRITE_RESPONSES,
    )
    def patch(self, request: Request, location_id: str) -> Response:
        return self._report(request, location_id, partial=True)

    def _report(self, request: Request, location_id: str, *, partial: bool) -> Response:
        unit = self._unit(location_id)
        if not unit_can_write(request.user, unit):
            raise FHIRError(403, [fhir.Issue("forbidden", _("You may not report for this unit."))])
        header_version = _if_match(request, unit)
        try:
            update = fhir.capacity_from_location(request.data, location_id=location_id)
        except fhir.FHIRInputError as exc:
            raise FHIRError(400, exc.issues) from None
        version = header_version if header_version is not None else update.version
        try:
            services.unit_report_create(
                unit_id=unit.pk,
                user=request.user,
                figures=_figures(unit, update, partial=partial),
                source=Source.FHIR,
                version=version,
                observed_at=update.observed_at,
            )
        except services.VersionConflict as conflict:
            raise _conflict(
                conflict.unit, seen=version, header=header_version is not None
            ) from None
        except DjangoValidationError as exc:
            raise FHIRError(400, _validation_issues(exc, update)) from None
        return self._location(request, selectors.unit_get(unit_id=unit.pk))


def _if_match(request: Request, unit: Unit) -> int | None:
    """The version in `If-Match: W/"<n>"`, None without the header."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    match = ETAG_RE.match(header)
    if match is None:
        message = _('If-Match must be W/"<version>", e.g. W/"%(v)s".') % {"v": unit.version}
        raise FHIRError(400, [fhir.Issue("invalid", message, "If-Match")])
    return int(match.group(1))


def _figures(unit: Unit, update: fhir.CapacityUpdate, *, partial: bool) -> dict[str, int]:
    """PATCH merges the figures sent into the current ones; PUT must send all six."""
    figures = dict(unit.figures()) if partial else {}
    figures.update(update.figures)
    missing = [name for name in FIGURES if name not in figures]
    if missing:
        message = _(
            "PUT replaces every figure: capacity status %(code)s (%(name)s) is missing; "
            "use PATCH to send only some."
        )
        raise FHIRError(
            400,
            [
                fhir.Issue(
                    "required",
                    message % {"code": fhir.STATUS_CODES[name][0], "name": name},
                    "Location.extension",
                )
                for name in missing
            ],
        )
    return figures


def _conflict(current: Unit, *, seen: int | None, header: bool) -> FHIRError:
    """412 for a stale If-Match (HTTP's rule), 409 for a stale meta.versionId."""
    message = _(
        "Location/%(id)s changed since version %(seen)s: it is now at version %(current)s. "
        "Read it again and resend."
    ) % {"id": current.pk, "seen": seen, "current": current.version}
    where = "If-Match" if header else "Location.meta.versionId"
    return FHIRError(
        412 if header else 409,
        [fhir.Issue("conflict", message, where)],
        headers={"ETag": _etag(current.version)},
    )


def _validation_issues(exc: DjangoValidationError, update: fhir.CapacityUpdate) -> list[fhir.Issue]:
    """The service's errors, keyed by figure, located at the element that carried each."""
    issues = []
    for name, messages in exc.message_dict.items():
        if name == "observed_at":
            where = update.observed_at_where or "Location.extension"
        else:
            where = update.where.get(name, "Location.extension")
        issues += [fhir.Issue("value", f"{name}: {m}", where) for m in messages]
    return issues
