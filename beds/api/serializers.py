"""Request validation for the API, and the response shapes the OpenAPI schema documents."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from beds.models import FIGURE_MAX, Freshness, Tension, UnitKind
from regions.models import Region


class StrictIntegerField(serializers.IntegerField):
    """A JSON whole number: no strings, booleans or fractions."""

    default_error_messages = {
        "invalid": _("“{value}” is not a whole number."),
    }

    def to_internal_value(self, data):  # noqa: ANN001, ANN201
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


def _figure_field() -> StrictIntegerField:
    return StrictIntegerField(
        min_value=0,
        max_value=FIGURE_MAX,
        error_messages={
            "min_value": _("Use a whole number from 0 to 999."),
            "max_value": _("Use a whole number from 0 to 999."),
            "required": _("This figure is required."),
            "null": _("This figure is required."),
        },
    )


class ReportCreateSerializer(serializers.Serializer):
    installed = _figure_field()
    available = _figure_field()
    occupied = _figure_field()
    reserved = _figure_field()
    closed = _figure_field()
    extra = _figure_field()
    version = StrictIntegerField(min_value=0, required=False, help_text="The unit version you saw.")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    observed_at = serializers.DateTimeField(required=False)

    def to_internal_value(self, data):  # noqa: ANN001, ANN201
        if not isinstance(data, dict):
            raise serializers.ValidationError({"body": [_("Send a JSON object of figures.")]})
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)


class FiguresSerializer(serializers.Serializer):
    """The six ROR capacity figures."""

    installed = serializers.IntegerField()
    available = serializers.IntegerField()
    occupied = serializers.IntegerField()
    reserved = serializers.IntegerField()
    closed = serializers.IntegerField()
    extra = serializers.IntegerField()


class UnitSerializer(FiguresSerializer):
    id = serializers.IntegerField()
    hospital = serializers.CharField(help_text="FINESS of the unit's hospital")
    kind = serializers.ChoiceField(choices=UnitKind.choices)
    label = serializers.CharField()
    ecmo = serializers.BooleanField()
    version = serializers.IntegerField()
    updated_at = serializers.DateTimeField(allow_null=True)
    freshness = serializers.ChoiceField(choices=Freshness.choices)


class UnitDetailSerializer(UnitSerializer):
    hospital_name = serializers.CharField()
    region = serializers.CharField()
    department = serializers.CharField()
    tension = serializers.ChoiceField(choices=Tension.choices)


class HospitalSerializer(serializers.Serializer):
    finess = serializers.CharField()
    name = serializers.CharField()
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    department = serializers.CharField()
    region = serializers.CharField()
    address = serializers.CharField()
    postcode = serializers.CharField()
    city = serializers.CharField()
    phone = serializers.CharField()
    distance_km = serializers.FloatField(required=False, help_text="Only with near=")
    units = UnitSerializer(many=True)


class ReportSerializer(FiguresSerializer):
    id = serializers.IntegerField()
    unit = serializers.IntegerField()
    version = serializers.IntegerField()
    observed_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField()
    source = serializers.CharField()
    reported_by = serializers.CharField()
    reporter_role = serializers.CharField()
    on_behalf = serializers.BooleanField()
    note = serializers.CharField()


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current = UnitDetailSerializer()


class FreshnessCountsSerializer(serializers.Serializer):
    fresh = serializers.IntegerField()
    ageing = serializers.IntegerField()
    stale = serializers.IntegerField()
    expired = serializers.IntegerField()


class KindTotalsSerializer(FiguresSerializer):
    kind = serializers.ChoiceField(choices=UnitKind.choices)
    units = serializers.IntegerField()
    tension = serializers.ChoiceField(choices=Tension.choices)
    freshness = FreshnessCountsSerializer()


class RegionSummarySerializer(serializers.Serializer):
    region = serializers.CharField()
    name = serializers.CharField()
    generated_at = serializers.DateTimeField()
    thresholds = serializers.DictField(child=serializers.IntegerField())
    units = serializers.IntegerField()
    freshness = FreshnessCountsSerializer()
    kinds = KindTotalsSerializer(many=True)


# A trend reaches back two weeks at most, in at most this many points.
TREND_MAX_HOURS = 14 * 24
TREND_MAX_POINTS = 1000


class RegionTrendQuerySerializer(serializers.Serializer):
    hours = serializers.IntegerField(
        min_value=1, max_value=TREND_MAX_HOURS, default=24, help_text="how far back (1–336)"
    )
    step_minutes = serializers.IntegerField(
        min_value=5, max_value=24 * 60, default=60, help_text="minutes between points (5–1440)"
    )
    kind = serializers.ChoiceField(choices=UnitKind.choices, required=False)

    def validate(self, data: dict) -> dict:
        minutes, step = data["hours"] * 60, data["step_minutes"]
        if step > minutes:
            raise serializers.ValidationError(
                {
                    "step_minutes": _(
                        "%(step)s minutes between points is longer than the %(hours)s hours asked for."
                    )
                    % {"step": step, "hours": data["hours"]}
                }
            )
        if minutes // step + 1 > TREND_MAX_POINTS:
            raise serializers.ValidationError(
                {
                    "step_minutes": _(
                        "%(points)s points asked for (%(hours)s hours every %(step)s minutes): "
                        "at most %(max)s, so use a longer step."
                    )
                    % {
                        "points": minutes // step + 1,
                        "hours": data["hours"],
                        "step": step,
                        "max": TREND_MAX_POINTS,
                    }
                }
            )
        return data


class TrendKindSerializer(FiguresSerializer):
    kind = serializers.ChoiceField(choices=UnitKind.choices)
    units = serializers.IntegerField(help_text="units of this kind with a report by then")
    tension = serializers.ChoiceField(choices=Tension.choices)


class TrendPointSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kinds = TrendKindSerializer(many=True)


class RegionTrendSerializer(serializers.Serializer):
    region = serializers.CharField()
    generated_at = serializers.DateTimeField()
    hours = serializers.IntegerField()
    step_minutes = serializers.IntegerField()
    kind = serializers.CharField(allow_null=True)
    thresholds = serializers.DictField(child=serializers.IntegerField())
    points = TrendPointSerializer(many=True)


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = [
            "code",
            "name",
            "tension_occupancy_pct",
            "tension_available_max",
            "reporting_cadence_minutes",
            "crisis",
        ]
        read_only_fields = ["code", "name"]


class ThresholdsSerializer(serializers.Serializer):
    tension_occupancy_pct = serializers.IntegerField()
    tension_available_max = serializers.IntegerField()


class ThresholdChangeSerializer(serializers.Serializer):
    """One change of a région's thresholds (the audit of `PATCH /regions/{code}/`)."""

    changed_at = serializers.DateTimeField()
    changed_by = serializers.CharField(help_text="username, kept if the account is deleted")
    role = serializers.CharField(help_text="the role the account had then")
    source = serializers.ChoiceField(choices=["api", "admin"])
    before = ThresholdsSerializer()
    after = ThresholdsSerializer()


class ReportHistoryQuerySerializer(serializers.Serializer):
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)
