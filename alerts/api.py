"""The alerts API: `GET /api/v1/regions/{code}/alerts/`, `POST …/alerts/{id}/acknowledge/`."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from alerts import selectors, services
from alerts.access import alerts_can_acknowledge, alerts_can_read
from alerts.models import Alert
from beds.api.pagination import Pagination
from beds.api.schema import PAGE_PARAMETERS, paginated
from regions.models import Region
from regions.selectors import region_get


class AlertSerializer(serializers.Serializer):
    """An alert of a région (docs/alerts.md)."""

    id = serializers.IntegerField()
    region = serializers.CharField(help_text="INSEE région code")
    kind = serializers.ChoiceField(choices=Alert.Kind.choices)
    level = serializers.ChoiceField(choices=Alert.Level.choices)
    scope = serializers.ChoiceField(choices=Alert.Scope.choices)
    scope_code = serializers.CharField(help_text="INSEE code of the région or département")
    scope_name = serializers.CharField()
    unit_kind = serializers.CharField(allow_null=True, help_text="kind of bed; null for stale")
    state = serializers.ChoiceField(choices=Alert.State.choices)
    figures = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="tension: available, open, units; stale: units, stale",
    )
    opened_at = serializers.DateTimeField()
    acknowledged_by = serializers.CharField(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)


class AlertQuerySerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=Alert.State.choices, required=False)


def _region(request: Request, code: str) -> Region:
    region = region_get(code=code)
    if region is None:
        raise NotFound(_("No région with code %(code)s.") % {"code": code})
    if not alerts_can_read(request.user, region):
        raise PermissionDenied(_("This région's alerts are for its coordinators."))
    return region


class RegionAlertsView(APIView):
    """A région's alerts: unresolved first, then newest first."""

    @extend_schema(
        parameters=[
            OpenApiParameter("state", str, enum=Alert.State.values),
            *PAGE_PARAMETERS,
        ],
        responses=paginated(AlertSerializer),
    )
    def get(self, request: Request, code: str) -> Response:
        region = _region(request, code)
        query = AlertQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        alerts = selectors.region_alerts(region=region, state=query.validated_data.get("state"))
        paginator = Pagination()
        page = paginator.paginate_queryset(alerts, request, view=self)
        return paginator.get_paginated_response(selectors.alerts_to_dicts(page))


class AlertAcknowledgeView(APIView):
    """Acknowledge an open alert: the région's other coordinators see it live."""

    @extend_schema(request=None, responses=AlertSerializer)
    def post(self, request: Request, code: str, alert_id: int) -> Response:
        region = _region(request, code)
        if not alerts_can_acknowledge(request.user, region):
            raise PermissionDenied(_("Only the région's coordinators acknowledge its alerts."))
        alert = Alert.objects.filter(pk=alert_id, region=region).first()
        if alert is None:
            raise NotFound(
                _("No alert %(id)s in région %(code)s.") % {"id": alert_id, "code": region.code}
            )
        try:
            alert = services.alert_acknowledge(alert=alert, user=request.user)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None
        return Response(selectors.alerts_to_dicts([alert])[0])
