"""The records of the full archive (docs/interoperability.md), one DRF serializer each: what a
record must hold and what each field accepts, from the models' own fields and validators.
Cross-record rules (a unit's hospital is in the file, its figures are its latest report's)
are `archive_restore`'s."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.hashers import identify_hasher, is_password_usable
from rest_framework import serializers

from accounts.models import User
from beds.capacity import figures_errors
from beds.models import FIGURES, CapacityReport, Hospital, Unit
from regions.models import Region, ThresholdChange


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with its offset: an archive's times are never local."""

    def to_internal_value(self, value):  # noqa: ANN001, ANN201
        if isinstance(value, str):
            try:
                naive = datetime.fromisoformat(value).tzinfo is None
            except ValueError:
                naive = False  # not a date at all: the parent field says so
            if naive:
                raise serializers.ValidationError(f"{value!r} has no time zone offset")
        return super().to_internal_value(value)


def _figures_valid(data: dict) -> dict:
    errors = figures_errors({name: data.get(name) for name in FIGURES})
    if errors:
        raise serializers.ValidationError(errors)
    return data


class RegionRecord(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "tension_occupancy_pct", "tension_available_max"]
        # Every installation has the régions: the file's names and thresholds replace theirs.
        extra_kwargs = {"code": {"validators": []}}


class DepartmentRecord(serializers.Serializer):
    code = serializers.CharField(max_length=3)
    name = serializers.CharField(max_length=100)
    region = serializers.CharField(max_length=3)


class HospitalRecord(serializers.ModelSerializer):
    id = serializers.IntegerField(min_value=1)
    department = serializers.CharField(max_length=3)

    class Meta:
        model = Hospital
        fields = [
            "id",
            "finess",
            "name",
            "department",
            "lat",
            "lon",
            "address",
            "postcode",
            "city",
            "phone",
            "active",
        ]
        # Restored into an empty database: uniqueness within the file is checked by FINESS.
        extra_kwargs = {"finess": {"validators": Hospital._meta.get_field("finess").validators}}


class UnitRecord(serializers.ModelSerializer):
    id = serializers.IntegerField(min_value=1)
    hospital = serializers.CharField(max_length=9)
    updated_at = AwareDateTimeField(allow_null=True)

    class Meta:
        model = Unit
        fields = ["id", "hospital", "label", "kind", "ecmo", *FIGURES, "version", "updated_at"]
        validators: list = []  # the label's uniqueness per hospital: the database's

    def validate(self, data: dict) -> dict:
        return _figures_valid(data)


class ReportRecord(serializers.ModelSerializer):
    id = serializers.IntegerField(min_value=1)
    unit = serializers.IntegerField(min_value=1)
    reported_by = serializers.CharField(allow_null=True, max_length=150)
    observed_at = AwareDateTimeField()
    received_at = AwareDateTimeField()

    class Meta:
        model = CapacityReport
        fields = [
            "id",
            "unit",
            "version",
            *FIGURES,
            "reported_by",
            "reporter_username",
            "reporter_role",
            "on_behalf",
            "observed_at",
            "received_at",
            "source",
            "note",
        ]
        validators: list = []

    def validate(self, data: dict) -> dict:
        return _figures_valid(data)


class ThresholdChangeRecord(serializers.ModelSerializer):
    region = serializers.CharField(max_length=3)
    changed_by = serializers.CharField(allow_null=True, max_length=150)
    changed_at = AwareDateTimeField()

    class Meta:
        model = ThresholdChange
        fields = [
            "region",
            "changed_at",
            "changed_by",
            "changed_by_username",
            "changed_by_role",
            "source",
            "occupancy_pct_before",
            "occupancy_pct_after",
            "available_max_before",
            "available_max_after",
        ]


class TokenRecord(serializers.Serializer):
    """An API token as archives written before tokens were hashed have it: the key itself."""

    key = serializers.CharField(max_length=40)
    created = AwareDateTimeField()


class TokenDigestRecord(serializers.Serializer):
    """An API token as the database keeps it: its SHA-256 digest, never the key."""

    digest = serializers.RegexField(r"^[0-9a-f]{64}$", max_length=64)
    created = AwareDateTimeField()
    expires = AwareDateTimeField()


class AccountRecord(serializers.ModelSerializer):
    hospitals = serializers.ListField(child=serializers.CharField(max_length=9))
    regions = serializers.ListField(child=serializers.CharField(max_length=3))
    password = serializers.CharField(allow_null=True, allow_blank=True, max_length=128)
    token = TokenRecord(allow_null=True, required=False)
    tokens = TokenDigestRecord(many=True, allow_null=True, required=False)
    date_joined = AwareDateTimeField()
    last_login = AwareDateTimeField(allow_null=True)

    class Meta:
        model = User
        fields = [
            "username",
            "role",
            "first_name",
            "last_name",
            "email",
            "is_active",
            "is_staff",
            "is_superuser",
            "date_joined",
            "last_login",
            "hospitals",
            "regions",
            "password",
            "token",
            "tokens",
        ]
        # Restored into an empty database: uniqueness within the file is checked by name.
        extra_kwargs = {"username": {"validators": User._meta.get_field("username").validators}}

    def validate_password(self, value: str | None) -> str | None:
        # Machine accounts have an unusable password ("!…"): kept as such.
        if value and is_password_usable(value):
            try:
                identify_hasher(value)
            except ValueError:
                raise serializers.ValidationError(
                    "not a password hash this installation knows"
                ) from None
        return value
