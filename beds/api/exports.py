"""Exports in other standards (docs/api.md): EDXL-HAVE and CSV (the FHIR one is `fhir.views`).

Each view: scope → selector → pure format function (beds/exports) → response. `?region=CODE`
narrows to one région the caller may read (403 otherwise, 400 when it does not exist); without
it, everything the caller may read.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.scopes import region_can_read
from beds import selectors
from beds.api.schema import DETAIL, FIELD_ERRORS
from beds.exports import csv as csv_format
from beds.exports import edxl
from beds.models import Hospital
from beds.scopes import hospitals_readable
from regions.selectors import region_get

REGION = OpenApiParameter(
    "region",
    str,
    description="INSEE région code (e.g. 84); without it, everything you may read",
)
ERRORS = {
    400: OpenApiResponse(
        FIELD_ERRORS, description='`{"region": [reason]}`: no such région; or a bad `format`'
    ),
    403: OpenApiResponse(DETAIL, description="the région is outside your scope"),
}


def export_scope(request: Request) -> tuple[QuerySet[Hospital], str | None]:
    """The hospitals the caller may read, and the région asked for (validated)."""
    code = (request.query_params.get("region") or "").strip()
    if not code:
        return hospitals_readable(request.user), None
    region = region_get(code=code)
    if region is None:
        raise ValidationError({"region": [_("No région with code %(code)s.") % {"code": code}]})
    if not region_can_read(request.user, region):
        raise PermissionDenied(_("This région is outside your scope."))
    return hospitals_readable(request.user), region.code


class ExportView(APIView):
    """Any Accept header gets the export (or a JSON error): these are files, not negotiations."""

    def perform_content_negotiation(self, request: Request, force: bool = False):  # noqa: ANN201
        fmt = request.query_params.get("format")
        formats = [renderer.format for renderer in self.get_renderers()]
        if fmt is not None and fmt not in formats:
            # Accept is ignored, but a `format` the schema does not list is an error, not a
            # silent default.
            self.request.accepted_renderer = self.get_renderers()[-1]
            self.request.accepted_media_type = self.request.accepted_renderer.media_type
            raise ValidationError(
                {
                    "format": [
                        _("“%(format)s” is not a format of this export; formats: %(formats)s.")
                        % {"format": fmt, "formats": ", ".join(formats)}
                    ]
                }
            )
        return super().perform_content_negotiation(request, force=True)


class EdxlHaveExportView(ExportView):
    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="exports_edxl_have",
        tags=["exports"],
        summary="OASIS EDXL-HAVE 1.0 HospitalStatus",
        description=(
            "One Hospital per hospital (name, FINESS, position, admissions phone), one "
            "BedCapacity per unit: BedType from the unit kind (réanimation and soins intensifs → "
            "AdultICU, USC → MedicalSurgical, REA_PED → PediatricICU, REA_NEO → NeonatalICU, "
            "BURN → Burn), the kind in SubCategoryBedType, CapacityStatus Vacant/Available when "
            "beds are free (absent otherwise), AvailableCount = available, BaselineCount = "
            "installed. Validates against the OASIS "
            "schema. 404 when no hospital is in scope: the standard cannot express an empty "
            "status."
        ),
        parameters=[REGION],
        responses={
            (200, "application/xml"): OpenApiTypes.STR,
            **ERRORS,
            404: OpenApiResponse(DETAIL, description="no hospital in this scope"),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        hospitals, region = export_scope(request)
        data = selectors.hospitals_for_export(
            hospitals=hospitals, region=region, now=timezone.now()
        )
        if not data:
            raise NotFound(_("No hospital to report in this scope."))
        return HttpResponse(
            edxl.hospital_status(data), content_type="application/xml; charset=utf-8"
        )


class CapacityCsvExportView(ExportView):
    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="exports_capacity_csv",
        tags=["exports"],
        summary="Capacity as CSV, one row per unit",
        description=(
            "Columns: "
            + ", ".join(csv_format.COLUMNS)
            + ". UTF-8, RFC 4180 quoting. A text cell starting with =, +, -, @, tab or CR is "
            "prefixed with ' so that spreadsheets show it as text."
        ),
        parameters=[REGION],
        responses={(200, "text/csv"): OpenApiTypes.STR, **ERRORS},
    )
    def get(self, request: Request) -> HttpResponse:
        hospitals, region = export_scope(request)
        data = selectors.hospitals_for_export(
            hospitals=hospitals, region=region, now=timezone.now()
        )
        response = HttpResponse(
            csv_format.capacity_csv(data).encode("utf-8"), content_type="text/csv; charset=utf-8"
        )
        name = f"bedwatch-capacity-{region}.csv" if region else "bedwatch-capacity.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
