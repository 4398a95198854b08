"""The HTTP API (docs/api.md): access check → validation → selector or service → response."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scopes import region_can_configure, region_can_read
from beds import selectors, services
from beds.api import serializers as s
from beds.api.pagination import Pagination
from beds.api.schema import PAGE_PARAMETERS, paginated
from beds.capacity import tension_of
from beds.filters import HospitalFilter
from beds.models import FIGURES, Source, Unit
from beds.scopes import hospital_units_can_write, hospitals_readable, unit_can_read
from regions.models import Region
from regions.selectors import region_get, region_threshold_changes, threshold_change_to_dict
from regions.services import region_reporting_update, region_thresholds_update


def _unit_or_404(unit_id: int) -> Unit:
    unit = selectors.unit_get(unit_id=unit_id)
    if unit is None:
        raise NotFound(_("No unit with id %(id)s.") % {"id": unit_id})
    return unit


def _unit_detail(unit: Unit) -> dict:
    data = selectors.unit_to_dict(unit, now=timezone.now())
    region = unit.hospital.department.region
    data.update(
        hospital_name=unit.hospital.name,
        department=unit.hospital.department_id,
        region=region.code,
        tension=tension_of(
            available=unit.available,
            occupied=unit.occupied,
            installed=unit.installed,
            extra=unit.extra,
            closed=unit.closed,
            occupancy_pct=region.tension_occupancy_pct,
            available_max=region.tension_available_max,
        ),
    )
    return data


def _region_or_404(code: str) -> Region:
    region = region_get(code=code)
    if region is None:
        raise NotFound(_("No région with code %(code)s.") % {"code": code})
    return region


def _region_readable(request: Request, code: str) -> Region:
    """The région `code` if the caller may read it: 404 unknown, 403 outside their scope."""
    region = _region_or_404(code)
    if not region_can_read(request.user, region):
        raise PermissionDenied(_("This région is outside your scope."))
    return region


class HospitalListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("region", str, description="INSEE région code"),
            OpenApiParameter("department", str, description="INSEE département code"),
            OpenApiParameter("kind", str, enum=[k for k, _l in s.UnitKind.choices]),
            OpenApiParameter("min_available", int, description="on units of `kind` when given"),
            OpenApiParameter("freshness", str, enum=["fresh", "ageing", "stale", "expired"]),
            OpenApiParameter(
                "near",
                str,
                description="LAT,LON, or a place as GET /api/v1/places/ reads it (a commune, "
                "a postcode, an INSEE code, Lyon 3e): sorts by distance, adds distance_km",
            ),
            OpenApiParameter("radius_km", float, description="with near; default 50"),
            *PAGE_PARAMETERS,
        ],
        responses=paginated(s.HospitalSerializer),
    )
    def get(self, request: Request) -> Response:
        filters = HospitalFilter(request.query_params, queryset=hospitals_readable(request.user))
        if not filters.is_valid():
            raise ValidationError(filters.form.errors)
        data = filters.form.cleaned_data
        region = None
        if data.get("region"):
            region = region_get(code=data["region"])
            if region is None:
                raise ValidationError(
                    {"region": [_("No région with code %(code)s.") % {"code": data["region"]}]}
                )
        now = timezone.now()
        hits = selectors.hospital_search(
            hospitals=filters.queryset,
            region=region.code if region else None,
            department=data.get("department") or None,
            kind=data.get("kind") or None,
            min_available=int(data["min_available"])
            if data.get("min_available") is not None
            else None,
            freshness=data.get("freshness") or None,
            near=data.get("near"),
            radius_km=float(data["radius_km"]) if data.get("radius_km") is not None else None,
            now=now,
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(hits, request, view=self)
        results = selectors.hospital_hits_with_units(page, now=now)
        return paginator.get_paginated_response(results)


class UnitDetailView(APIView):
    @extend_schema(responses=s.UnitDetailSerializer)
    def get(self, request: Request, unit_id: int) -> Response:
        unit = _unit_or_404(unit_id)
        if not unit_can_read(request.user, unit):
            raise PermissionDenied(_("This unit is outside your scope."))
        return Response(_unit_detail(unit))


class UnitReportsView(APIView):
    @extend_schema(
        parameters=[s.ReportHistoryQuerySerializer, *PAGE_PARAMETERS],
        responses=paginated(s.ReportSerializer),
    )
    def get(self, request: Request, unit_id: int) -> Response:
        unit = _unit_or_404(unit_id)
        if not unit_can_read(request.user, unit):
            raise PermissionDenied(_("This unit is outside your scope."))
        query = s.ReportHistoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        reports = selectors.unit_reports(unit=unit, **query.validated_data)
        paginator = Pagination()
        page = paginator.paginate_queryset(reports, request, view=self)
        return paginator.get_paginated_response([selectors.report_to_dict(r) for r in page])

    @extend_schema(
        request=s.ReportCreateSerializer,
        responses={201: s.UnitDetailSerializer, 409: s.ConflictSerializer},
    )
    def post(self, request: Request, unit_id: int) -> Response:
        hospital_id = selectors.unit_hospital_id(unit_id=unit_id)
        if hospital_id is None:
            raise NotFound(_("No unit with id %(id)s.") % {"id": unit_id})
        if not hospital_units_can_write(request.user, hospital_id):
            raise PermissionDenied(_("You may not report for this unit."))
        serializer = s.ReportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        try:
            report = services.unit_report_create(
                unit_id=unit_id,
                user=request.user,
                figures={name: data[name] for name in FIGURES},
                source=Source.API,
                version=data.get("version"),
                note=data.get("note", ""),
                observed_at=data.get("observed_at"),
            )
        except services.VersionConflict as conflict:
            return Response(
                {
                    "detail": _(
                        "The unit changed since version %(seen)s: it is now at version %(current)s."
                    )
                    % {"seen": data.get("version"), "current": conflict.unit.version},
                    "current": _unit_detail(_unit_or_404(unit_id)),
                },
                status=status.HTTP_409_CONFLICT,
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None
        return Response(_unit_detail(report.unit), status=status.HTTP_201_CREATED)


class RegionSummaryView(APIView):
    @extend_schema(responses=s.RegionSummarySerializer)
    def get(self, request: Request, code: str) -> Response:
        region = _region_readable(request, code)
        return Response(selectors.region_summary(region=region))


class RegionTrendView(APIView):
    """A région's totals per unit kind at regular points over the last hours or days."""

    @extend_schema(parameters=[s.RegionTrendQuerySerializer], responses=s.RegionTrendSerializer)
    def get(self, request: Request, code: str) -> Response:
        region = _region_readable(request, code)
        query = s.RegionTrendQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(selectors.region_trend(region=region, **query.validated_data))


class RegionDetailView(APIView):
    """A région and its alert thresholds, which its coordinators may change."""

    @extend_schema(responses=s.RegionSerializer)
    def get(self, request: Request, code: str) -> Response:
        region = _region_readable(request, code)
        return Response(s.RegionSerializer(region).data)

    @extend_schema(request=s.RegionSerializer, responses=s.RegionSerializer)
    def patch(self, request: Request, code: str) -> Response:
        region = _region_or_404(code)
        if not region_can_configure(request.user, region):
            raise PermissionDenied(_("You may not change this région's thresholds."))
        serializer = s.RegionSerializer(region, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        reporting = {k: data.pop(k) for k in ("reporting_cadence_minutes", "crisis") if k in data}
        region = region_thresholds_update(region=region, user=request.user, **data)
        if reporting:
            region = region_reporting_update(region=region, **reporting)
        return Response(s.RegionSerializer(region).data)


class RegionThresholdChangesView(APIView):
    """Who changed the région's thresholds, when, from what to what: newest first."""

    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses=paginated(s.ThresholdChangeSerializer),
    )
    def get(self, request: Request, code: str) -> Response:
        region = _region_or_404(code)
        if not region_can_configure(request.user, region):
            raise PermissionDenied(_("This région's audit is for its coordinators."))
        paginator = Pagination()
        page = paginator.paginate_queryset(
            region_threshold_changes(region=region), request, view=self
        )
        return paginator.get_paginated_response([threshold_change_to_dict(c) for c in page])
