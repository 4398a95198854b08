"""The FHIR R4 REST endpoint at /fhir/ (and the Location export of docs/api.md).

Each view: access → parse (fhir.parsing, fhir.search) → selector or service → resource
(fhir.resources). Authentication and throttling are the API's (DRF); every error, DRF's
included, is an OperationOutcome naming the element at fault.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.scopes import region_can_read
from beds import services as beds_services
from beds.models import Hospital, Unit, UnitKind
from beds.scopes import hospitals_readable, unit_can_write
from fhir import builders, capability, parsing, search, services
from fhir import selectors as s
from fhir import terminology as t
from fhir.builders import Issue
from fhir.parsing import FHIRInputError
from regions.selectors import region_get

FHIR_JSON = capability.FHIR_JSON
ETAG_RE = re.compile(r'^\s*(?:W/)?"([0-9]{1,9})"\s*$')
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
    422: "processing",
    429: "throttled",
}


class FHIRError(Exception):
    def __init__(self, status: int, issues: list[Issue], headers: dict | None = None) -> None:
        super().__init__("; ".join(i.message for i in issues))
        self.status = status
        self.issues = issues
        self.headers = headers or {}


def error(status: int, message: str, expression: str | None = None, **headers: str) -> FHIRError:
    return FHIRError(
        status, [Issue(ISSUE_TYPES.get(status, "exception"), message, expression)], headers
    )


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir").rstrip("/")


def response_type(request: HttpRequest) -> str:
    """application/fhir+json unless `_format` or Accept asks for plain JSON; 406 for XML."""
    fmt = request.GET.get("_format")
    if fmt is not None:
        if fmt in ("json", FHIR_JSON, "application/json+fhir"):
            return FHIR_JSON
        if fmt == "application/json":
            return "application/json"
        raise error(
            406,
            _("_format %(f)r: this server speaks json (application/fhir+json).") % {"f": fmt},
            "_format",
        )
    accept = [part.split(";")[0].strip() for part in request.headers.get("Accept", "").split(",")]
    accept = [a for a in accept if a]
    if not accept or any(
        a in (FHIR_JSON, "application/json+fhir", "*/*", "application/*") for a in accept
    ):
        return FHIR_JSON
    if "application/json" in accept:
        return "application/json"
    if any(a in (capability.NDJSON, "application/ndjson") for a in accept):
        return FHIR_JSON  # $export answers ndjson; its errors are JSON
    raise error(
        406,
        _("Accept %(a)s: this server answers application/fhir+json or application/json.")
        % {"a": ", ".join(accept)},
        "Accept",
    )


def fhir_response(
    request: HttpRequest, body: dict | None, *, status: int = 200, **headers: str
) -> HttpResponse:
    try:
        media = response_type(request)
    except FHIRError:
        media = FHIR_JSON
    content = b"" if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    response = HttpResponse(content, status=status, content_type=f"{media}; charset=utf-8")
    for key, value in headers.items():
        response[key.replace("_", "-")] = value
    return response


def outcome_response(request: HttpRequest, exc: FHIRError) -> HttpResponse:
    response = fhir_response(request, builders.operation_outcome(exc.issues), status=exc.status)
    for key, value in exc.headers.items():
        response[key] = value
    return response


def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    """Anything under /fhir/ that is not a FHIR interaction of this server."""
    return outcome_response(
        request,
        error(
            404, _("No FHIR endpoint at /fhir/%(p)s: GET /fhir/metadata lists them.") % {"p": path}
        ),
    )


def _etag(version: int) -> str:
    return f'W/"{version}"'


def _http_date(value: datetime) -> str:
    return format_datetime(value.astimezone(UTC), usegmt=True)


class FHIRView(APIView):
    """DRF for authentication and throttling only: bodies, negotiation and errors are FHIR's."""

    parser_classes: list = []
    # Its errors are OperationOutcomes (beds.api.schema documents them so).
    error_media_types = [FHIR_JSON]

    def perform_content_negotiation(self, request: Request, force: bool = False):  # noqa: ANN201
        from rest_framework.renderers import JSONRenderer

        return (JSONRenderer(), "application/json")

    def handle_exception(self, exc: Exception) -> HttpResponse:
        if isinstance(exc, FHIRInputError):
            return outcome_response(self.request, FHIRError(exc.status, exc.issues))
        if isinstance(exc, FHIRError):
            return outcome_response(self.request, exc)
        if isinstance(exc, Http404):
            return outcome_response(self.request, error(404, str(exc) or _("Not found.")))
        if isinstance(exc, RequestDataTooBig):
            return outcome_response(self.request, error(413, _("The request body is too large.")))
        if isinstance(exc, exceptions.APIException):
            headers = {}
            if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
                header = self.get_authenticate_header(self.request)
                if header:
                    headers["WWW-Authenticate"] = header
                status = 401 if header else 403
            else:
                status = exc.status_code
            if getattr(exc, "wait", None):
                headers["Retry-After"] = str(int(exc.wait))
            detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
            return outcome_response(
                self.request,
                FHIRError(
                    status, [Issue(ISSUE_TYPES.get(status, "exception"), str(detail))], headers
                ),
            )
        raise exc

    def body(self, request: Request) -> Any:
        raw = request._request.body
        if len(raw) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise error(413, _("The request body is too large."))
        return parsing.load_json(raw)

    def content_type(self, request: Request) -> str:
        return (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def scope(self, request: Request):  # noqa: ANN201
        return hospitals_readable(request.user)


# ---------------------------------------------------------------------------------------------
# Server description


class MetadataView(FHIRView):
    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def get(self, request: Request) -> HttpResponse:
        response_type(request)
        statement = capability.capability_statement(
            base_url=base_url(request), date=timezone.now(), software_version="1"
        )
        return fhir_response(request, statement)


class CodeSystemView(FHIRView):
    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def get(self, request: Request, code_system_id: str) -> HttpResponse:
        response_type(request)
        if code_system_id != t.UNIT_KIND_ID:
            raise error(
                404,
                _("No CodeSystem/%(id)s: this server has %(ours)s.")
                % {"id": code_system_id, "ours": t.UNIT_KIND_ID},
            )
        return fhir_response(
            request, builders.unit_kind_code_system((k.value, str(k.label)) for k in UnitKind)
        )


# ---------------------------------------------------------------------------------------------
# Reads


def _unit_id(raw: str, kind: str) -> int:
    if not search.UNIT_ID_RE.match(raw):
        raise error(
            404,
            _("No %(kind)s/%(id)s: ids here are unit ids (ASCII digits).")
            % {"kind": kind, "id": raw[:64]},
        )
    return int(raw)


def _readable_unit_row(request: Request, raw_id: str, kind: str) -> s.UnitRow:
    unit_id = _unit_id(raw_id, kind)
    units = Unit.objects.filter(pk=unit_id, hospital__active=True)
    rows = s.units_in(units.filter(hospital__in=hospitals_readable(request.user)))
    if not rows:
        if units.exists():
            raise error(
                403, _("%(kind)s/%(id)s is outside your scope.") % {"kind": kind, "id": unit_id}
            )
        raise error(404, _("No %(kind)s/%(id)s.") % {"kind": kind, "id": unit_id})
    return rows[0]


def _resource_headers(unit: builders.UnitData) -> dict[str, str]:
    return {"ETag": _etag(unit.version), "Last-Modified": _http_date(builders.last_updated(unit))}


class HealthcareServiceView(FHIRView):
    @extend_schema(exclude=True)
    def get(self, request: Request, resource_id: str) -> HttpResponse:
        response_type(request)
        row = _readable_unit_row(request, resource_id, "HealthcareService")
        return fhir_response(
            request,
            builders.healthcare_service(row.unit, row.hospital),
            **_resource_headers(row.unit),
        )


class OrganizationView(FHIRView):
    @extend_schema(exclude=True)
    def get(self, request: Request, resource_id: str) -> HttpResponse:
        response_type(request)
        if not search.FINESS_RE.match(resource_id):
            raise error(
                404,
                _("No Organization/%(id)s: ids here are FINESS ET numbers (9 characters).")
                % {"id": resource_id[:64]},
            )
        hospital = (
            Hospital.objects.filter(finess=resource_id, active=True)
            .select_related("department")
            .first()
        )
        if hospital is None:
            raise error(404, _("No Organization/%(id)s.") % {"id": resource_id})
        if not self.scope(request).filter(pk=hospital.pk).exists():
            raise error(403, _("Organization/%(id)s is outside your scope.") % {"id": resource_id})
        updated = s.organization_last_updated(hospital)
        body = builders.organization(s.hospital_data(hospital), last_updated=updated)
        return fhir_response(request, body, Last_Modified=_http_date(updated))


# ---------------------------------------------------------------------------------------------
# Location: read, update (PUT), patch (instance or conditional)


FHIR_SCHEMA = {
    "tags": ["fhir"],
    "responses": {
        (200, FHIR_JSON): OpenApiTypes.OBJECT,
        400: OpenApiResponse(description="OperationOutcome"),
        406: OpenApiResponse(description="OperationOutcome: only JSON is served (_format, Accept)"),
    },
}
# Every answer a write may give (docs/interoperability.md): each error an OperationOutcome.
WRITE_SCHEMA = {
    **FHIR_SCHEMA,
    "responses": {
        **FHIR_SCHEMA["responses"],
        409: OpenApiResponse(description="OperationOutcome: meta.versionId is not the current one"),
        412: OpenApiResponse(description="OperationOutcome: If-Match is not the current version"),
        413: OpenApiResponse(description="OperationOutcome: the body is too large or too deep"),
        415: OpenApiResponse(
            description="OperationOutcome: a Content-Type this write does not take"
        ),
        422: OpenApiResponse(description="OperationOutcome: figures that break a capacity rule"),
    },
    "request": {FHIR_JSON: OpenApiTypes.OBJECT, "application/json": OpenApiTypes.OBJECT},
    "parameters": [
        OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, description='W/"<version>"')
    ],
}


class LocationWriteView(FHIRView):
    """What the instance and conditional writes of Location share."""

    def _writable(self, request: Request, resource_id: str) -> s.UnitRow:
        row = _readable_unit_row(request, resource_id, "Location")
        if not unit_can_write(request.user, Unit.objects.get(pk=row.unit.id)):
            raise error(403, _("You may not report for Location/%(id)s.") % {"id": row.unit.id})
        # HTTP preconditions come before the body: a stale If-Match is a 412 whatever it says.
        seen = _if_match(request)
        if seen is not None and seen != row.unit.version:
            raise _stale(row.unit.id, seen, row.unit.version, header=True)
        return row

    def _unsupported(self, request: Request, accepted: tuple[str, ...]) -> FHIRError:
        return error(
            415,
            _("Content-Type %(ct)r: send %(ok)s.")
            % {"ct": self.content_type(request) or "(none)", "ok": ", ".join(accepted)},
            "Content-Type",
        )

    def _patch(self, request: Request, row: s.UnitRow) -> HttpResponse:
        kinds = (FHIR_JSON, "application/json", capability.JSON_PATCH, capability.MERGE_PATCH)
        kind = self.content_type(request)
        if kind not in kinds:
            raise self._unsupported(request, kinds)
        body = self.body(request)
        # A patch applies to the Location as it is now: when another report lands between
        # our read and our write, read again and reapply (a client's own version is kept).
        for _attempt in range(3):
            current = builders.location(row.unit, row.hospital)
            meta_version = None
            if kind == capability.JSON_PATCH:
                wanted = parsing.json_patch(current, body)
            elif isinstance(body, dict) and body.get("resourceType") == "Parameters":
                wanted = parsing.fhirpath_patch(current, body)
            else:
                wanted = parsing.merge_patch(current, body)
                meta_version = parsing.meta_version(body)
            try:
                return self._write(
                    request, row, wanted, meta_version=meta_version, base=row.unit.version
                )
            except _Raced:
                row = _readable_unit_row(request, str(row.unit.id), "Location")
        raise error(
            409,
            _("Location/%(id)s changes too often to patch now: try again.") % {"id": row.unit.id},
        )

    def _write(
        self,
        request: Request,
        row: s.UnitRow,
        body: Any,
        *,
        meta_version: int | None,
        base: int | None = None,
    ) -> HttpResponse:
        """Report `body`'s capacity; `base` is the version a patch was applied to."""
        header_version = _if_match(request)
        capacity = parsing.capacity_of(body, location_id=str(row.unit.id))
        client_version = header_version if header_version is not None else meta_version
        version = client_version if client_version is not None else base
        try:
            services.location_capacity_report(
                unit_id=row.unit.id,
                user=request.user,
                figures=capacity.figures,
                records=capacity.records,
                version=version,
                observed_at=capacity.observed_at,
            )
        except beds_services.VersionConflict as conflict:
            if client_version is None:
                raise _Raced from None
            raise _stale(
                row.unit.id, version, conflict.unit.version, header=header_version is not None
            ) from None
        except DjangoValidationError as exc:
            raise FHIRError(422, _validation_issues(exc, capacity)) from None
        fresh = _readable_unit_row(request, str(row.unit.id), "Location")
        headers = _resource_headers(fresh.unit)
        prefer = request.headers.get("Prefer", "")
        if "return=minimal" in prefer:
            return fhir_response(request, None, **headers)
        if "return=OperationOutcome" in prefer:
            info = Issue(
                "informational",
                _("Location/%(id)s is at version %(v)s.")
                % {"id": fresh.unit.id, "v": fresh.unit.version},
                severity="information",
            )
            return fhir_response(request, builders.operation_outcome([info]), **headers)
        return fhir_response(request, builders.location(fresh.unit, fresh.hospital), **headers)


class LocationView(LocationWriteView):
    @extend_schema(
        operation_id="fhir_location_read", summary="A unit as a RORLocation", **FHIR_SCHEMA
    )
    def get(self, request: Request, location_id: str) -> HttpResponse:
        response_type(request)
        row = _readable_unit_row(request, location_id, "Location")
        return fhir_response(
            request, builders.location(row.unit, row.hospital), **_resource_headers(row.unit)
        )

    @extend_schema(
        operation_id="fhir_location_update",
        summary="Replace a unit's capacity records",
        **WRITE_SCHEMA,
    )
    def put(self, request: Request, location_id: str) -> HttpResponse:
        response_type(request)
        row = self._writable(request, location_id)
        if self.content_type(request) not in (FHIR_JSON, "application/json"):
            raise self._unsupported(request, (FHIR_JSON, "application/json"))
        body = self.body(request)
        parsing.capacity_of(body, location_id=str(row.unit.id), require_records=True)
        return self._write(request, row, body, meta_version=parsing.meta_version(body))

    @extend_schema(
        operation_id="fhir_location_patch",
        summary="FHIRPath Patch, JSON Patch or merge of capacity records",
        **WRITE_SCHEMA,
    )
    def patch(self, request: Request, location_id: str) -> HttpResponse:
        response_type(request)
        return self._patch(request, self._writable(request, location_id))


class _Raced(Exception):
    """Another report landed between a patch's read and its write."""


def _stale(unit_id: int, seen: int | None, current: int, *, header: bool) -> FHIRError:
    """412 for a stale If-Match (HTTP's rule), 409 for a stale meta.versionId."""
    return error(
        412 if header else 409,
        _(
            "Location/%(id)s changed since version %(seen)s: it is now at version %(now)s. "
            "Read it again and resend."
        )
        % {"id": unit_id, "seen": seen, "now": current},
        "If-Match" if header else "Location.meta.versionId",
        ETag=_etag(current),
    )


def _if_match(request: Request) -> int | None:
    header = request.headers.get("If-Match")
    if header is None:
        return None
    match = ETAG_RE.match(header)
    if match is None:
        raise error(
            400,
            _('If-Match %(h)r must be W/"<versionId>", e.g. W/"3".') % {"h": header[:64]},
            "If-Match",
        )
    return int(match.group(1))


def _validation_issues(exc: DjangoValidationError, capacity: parsing.Capacity) -> list[Issue]:
    """The service's errors, keyed by figure, located at the element that carried each."""
    issues = []
    for name, messages in exc.message_dict.items():
        if name == "observed_at":
            where = capacity.observed_at_where or "Location.extension"
        else:
            where = capacity.where.get(name, "Location.extension")
        issues += [Issue("business-rule", f"{name}: {m}", where) for m in messages]
    return issues


# ---------------------------------------------------------------------------------------------
# Searches


def _page_links(request: HttpRequest, query: search.Search, total: int, path: str) -> list[dict]:
    params = [(k, v) for k, values in request.GET.lists() if k != "_page" for v in values]

    def url(page: int) -> str:
        return request.build_absolute_uri(f"{path}?{urlencode(params + [('_page', str(page))])}")

    links = [{"relation": "self", "url": url(query.page)}]
    if query.count and query.page * query.count < total:
        links.append({"relation": "next", "url": url(query.page + 1)})
    if query.count and query.page > 1:
        links.append({"relation": "previous", "url": url(query.page - 1)})
    return links


def _window(items: list, query: search.Search) -> list:
    if query.count is None:
        return items
    start = (query.page - 1) * query.count
    return items[start : start + query.count]


def _unit_ids(values: list[str] | None) -> list[str] | None:
    return None if values is None else [v for v in values if search.UNIT_ID_RE.match(v)]


def location_search(request: HttpRequest, hospitals, query: search.Search, *, path: str) -> dict:  # noqa: ANN001
    """A searchset of units' Locations, with the includes asked for."""
    ids = _unit_ids(query.ids)
    if query.identifiers is not None:
        wanted = _unit_ids(query.identifiers)
        ids = wanted if ids is None else [i for i in ids if i in wanted]
    units = s.unit_search(
        s.readable_units(hospitals), ids=ids, regions=query.regions, updated=query.updated
    )
    if query.region is not None:
        units = units.filter(hospital__department__region_id=query.region)
    total = units.count()
    page_ids = _window(list(units.order_by("pk").values_list("pk", flat=True)), query)
    rows = s.units_in(Unit.objects.filter(pk__in=page_ids))
    entries = [{"resource": builders.location(r.unit, r.hospital), "mode": "match"} for r in rows]
    if "HealthcareService:location" in query.revinclude:
        entries += [
            {"resource": builders.healthcare_service(r.unit, r.hospital), "mode": "include"}
            for r in rows
        ]
    if "Location:organization" in query.include:
        entries += _organizations(s.hospitals_of(rows).keys())
    return _searchset(request, query, entries, total=total, path=path)


def _searchset(
    request: HttpRequest, query: search.Search, entries: list[dict], *, total: int, path: str
) -> dict:
    """A page of search results as a searchset Bundle, with its paging links."""
    return builders.bundle(
        kind="searchset",
        entries=entries,
        base_url=base_url(request),
        timestamp=timezone.now(),
        total=total,
        links=_page_links(request, query, total, path),
    )


def _organizations(finess: Any) -> list[dict]:
    hospitals = (
        Hospital.objects.filter(finess__in=list(finess))
        .select_related("department")
        .order_by("finess")
    )
    return [
        {
            "resource": builders.organization(
                s.hospital_data(h), last_updated=s.organization_last_updated(h)
            ),
            "mode": "include",
        }
        for h in hospitals
    ]


def _params(request: HttpRequest) -> dict[str, list[str]]:
    return {key: request.GET.getlist(key) for key in request.GET}


class LocationTypeView(LocationWriteView):
    """GET [base]/Location (search) and PATCH [base]/Location?identifier=… (conditional)."""

    @extend_schema(exclude=True)
    def get(self, request: Request) -> HttpResponse:
        response_type(request)
        query = search.parse("Location", _params(request))
        return fhir_response(
            request, location_search(request, self.scope(request), query, path=request.path)
        )

    @extend_schema(exclude=True)
    def patch(self, request: Request) -> HttpResponse:
        response_type(request)
        params = _params(request)
        unknown = [k for k in params if k not in ("identifier", "_format")]
        if unknown or "identifier" not in params:
            raise error(
                400,
                _(
                    "A conditional PATCH takes identifier=%(system)s|<unit id> and nothing else (got %(got)s)."
                )
                % {"system": t.UNIT_ID_SYSTEM, "got": ", ".join(params) or _("nothing")},
                unknown[0] if unknown else "identifier",
            )
        query = search.parse("Location", {"identifier": params["identifier"]})
        ids = _unit_ids(query.identifiers) or []
        matches = list(
            s.readable_units(self.scope(request))
            .filter(pk__in=[int(i) for i in ids])
            .values_list("pk", flat=True)
        )
        if not matches:
            raise error(
                404,
                _("No Location in your scope has identifier %(v)s.")
                % {"v": ",".join(params["identifier"])[:100]},
                "identifier",
            )
        if len(matches) > 1:
            raise error(
                412,
                _("identifier matches %(n)s Locations; a conditional PATCH needs one.")
                % {"n": len(matches)},
                "identifier",
            )
        return self._patch(request, self._writable(request, str(matches[0])))


class HealthcareServiceTypeView(FHIRView):
    @extend_schema(exclude=True)
    def get(self, request: Request) -> HttpResponse:
        response_type(request)
        query = search.parse("HealthcareService", _params(request))
        ids = _unit_ids(query.ids)
        if query.identifiers is not None:
            wanted = _unit_ids(query.identifiers)
            ids = wanted if ids is None else [i for i in ids if i in wanted]
        units = s.unit_search(
            s.readable_units(self.scope(request)),
            ids=ids,
            regions=query.regions,
            updated=query.updated,
        )
        total = units.count()
        rows = s.units_in(
            Unit.objects.filter(
                pk__in=_window(list(units.order_by("pk").values_list("pk", flat=True)), query)
            )
        )
        entries = [
            {"resource": builders.healthcare_service(r.unit, r.hospital), "mode": "match"}
            for r in rows
        ]
        if "HealthcareService:location" in query.include:
            entries += [
                {"resource": builders.location(r.unit, r.hospital), "mode": "include"} for r in rows
            ]
        if "HealthcareService:organization" in query.include:
            entries += _organizations(s.hospitals_of(rows).keys())
        return fhir_response(
            request, _searchset(request, query, entries, total=total, path=request.path)
        )


class OrganizationTypeView(FHIRView):
    @extend_schema(exclude=True)
    def get(self, request: Request) -> HttpResponse:
        response_type(request)
        query = search.parse("Organization", _params(request))
        finess = query.ids
        if query.identifiers is not None:
            finess = (
                query.identifiers
                if finess is None
                else [f for f in finess if f in query.identifiers]
            )
        hospitals = s.hospital_search(
            s.readable_hospitals(self.scope(request)),
            finess=finess,
            regions=query.regions,
            updated=query.updated,
        )
        total = hospitals.count()
        page = _window(list(hospitals.order_by("finess")), query)
        entries = [
            {
                "resource": builders.organization(
                    s.hospital_data(h), last_updated=s.organization_last_updated(h)
                ),
                "mode": "match",
            }
            for h in page
        ]
        if query.revinclude:
            rows = s.units_in(s.readable_units(self.scope(request)).filter(hospital__in=page))
            if "Location:organization" in query.revinclude:
                entries += [
                    {"resource": builders.location(r.unit, r.hospital), "mode": "include"}
                    for r in rows
                ]
            if "HealthcareService:organization" in query.revinclude:
                entries += [
                    {
                        "resource": builders.healthcare_service(r.unit, r.hospital),
                        "mode": "include",
                    }
                    for r in rows
                ]
        return fhir_response(
            request, _searchset(request, query, entries, total=total, path=request.path)
        )


class ExportView(FHIRView):
    """GET [base]/$export: the scope as ndjson, synchronously."""

    TYPES = ("Organization", "Location", "HealthcareService")

    @extend_schema(exclude=True)
    def get(self, request: Request) -> HttpResponse:
        params = _params(request)
        unknown = [k for k in params if k not in ("_type", "_outputFormat")]
        if unknown:
            raise error(
                400,
                _("Unknown $export parameter %(p)r: use _type or _outputFormat.")
                % {"p": unknown[0]},
                unknown[0],
            )
        types = [
            v.strip() for raw in params.get("_type", []) for v in raw.split(",") if v.strip()
        ] or list(self.TYPES)
        bad = [v for v in types if v not in self.TYPES]
        if bad:
            raise error(
                400,
                _("_type %(t)r: use %(ok)s.") % {"t": bad[0], "ok": ", ".join(self.TYPES)},
                "_type",
            )
        formats = params.get("_outputFormat", [])
        if formats and formats[-1] not in (capability.NDJSON, "application/ndjson", "ndjson"):
            raise error(
                400,
                _("_outputFormat %(f)r: this server writes application/fhir+ndjson.")
                % {"f": formats[-1]},
                "_outputFormat",
            )
        hospitals = s.readable_hospitals(self.scope(request)).order_by("finess")
        rows = s.units_in(s.readable_units(self.scope(request)))
        lines = []
        if "Organization" in types:
            lines += [
                builders.organization(
                    s.hospital_data(h), last_updated=s.organization_last_updated(h)
                )
                for h in hospitals
            ]
        if "Location" in types:
            lines += [builders.location(r.unit, r.hospital) for r in rows]
        if "HealthcareService" in types:
            lines += [builders.healthcare_service(r.unit, r.hospital) for r in rows]
        content = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
        return HttpResponse(
            content.encode("utf-8"), content_type=f"{capability.NDJSON}; charset=utf-8"
        )


class LocationExportView(FHIRView):
    """`GET /api/v1/exports/fhir/Location` (docs/api.md): the Location search with `?region=`,
    the Organizations always included, and everything in one Bundle unless `_count` is given."""

    @extend_schema(
        operation_id="exports_fhir_location",
        tags=["exports"],
        summary="FHIR R4 searchset Bundle of RORLocation, with their Organizations",
        parameters=[
            OpenApiParameter(
                "region", str, description="INSEE région code; without it, everything you may read"
            ),
            OpenApiParameter("_count", int, description="units per page (0–1000); all without it"),
            OpenApiParameter("_page", int, description="1-based page"),
        ],
        responses={
            (200, FHIR_JSON): OpenApiTypes.OBJECT,
            400: OpenApiResponse(description="OperationOutcome"),
            403: OpenApiResponse(description="OperationOutcome"),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        response_type(request)
        query = search.parse(
            "Location", _params(request), extra=frozenset({"region"}), default_count=None
        )
        if "Location:organization" not in query.include:
            query.include.append("Location:organization")
        code = (request.GET.get("region") or "").strip()
        if code:
            region = region_get(code=code)
            if region is None:
                raise error(400, _("No région with code %(code)s.") % {"code": code[:20]}, "region")
            if not region_can_read(request.user, region):
                raise error(403, _("This région is outside your scope."), "region")
            query.region = region.code
        return fhir_response(
            request, location_search(request, self.scope(request), query, path=request.path)
        )
