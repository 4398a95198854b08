from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.text import no_control_characters, no_control_characters_multiline

FIGURES: tuple[str, ...] = ("installed", "available", "occupied", "reserved", "closed", "extra")
# The same figures in the order people read and change them: what changes most comes first
# (the staff form, the maps' popups).
FIGURES_BY_USE: tuple[str, ...] = (
    "available",
    "occupied",
    "reserved",
    "closed",
    "installed",
    "extra",
)
FIGURE_MAX = 999
# ASCII digits: \d also matches other scripts' digits ("٠١…"), in Python and PostgreSQL alike.
FINESS_RE = r"^([0-9]{2}|2A|2B)[0-9]{7}$"


class UnitKind(models.TextChoices):
    REA = "REA", _("Adult intensive care (réanimation)")
    REA_PED = "REA_PED", _("Paediatric intensive care")
    REA_NEO = "REA_NEO", _("Neonatal intensive care")
    USIP = "USIP", _("General intensive care unit (USIP)")
    USIC = "USIC", _("Cardiac intensive care (USIC)")
    USINV = "USINV", _("Neurovascular intensive care (USINV)")
    USI_HEMATO = "USI_HEMATO", _("Haematology intensive care")
    USC = "USC", _("Continuous care (surveillance continue)")
    BURN = "BURN", _("Burns unit")


class Source(models.TextChoices):
    WEB = "web", _("web form")
    API = "api", _("API")
    FHIR = "fhir", _("FHIR")
    IMPORT = "import", _("import")


class Freshness(models.TextChoices):
    FRESH = "fresh", _("fresh")
    AGEING = "ageing", _("ageing")
    STALE = "stale", _("stale")
    EXPIRED = "expired", _("expired")


class Tension(models.TextChoices):
    NORMAL = "normal", _("normal")
    TENSION = "tension", _("tension")
    SATURATED = "saturated", _("saturated")


def _figure(label: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, default=0, validators=[MaxValueValidator(FIGURE_MAX)]
    )


def figure_constraints(prefix: str) -> list[models.BaseConstraint]:
    """The ROR capacity invariants, enforced by the database for every table holding figures."""
    constraints: list[models.BaseConstraint] = [
        models.CheckConstraint(condition=Q(**{f"{f}__lte": FIGURE_MAX}), name=f"{prefix}_{f}_max")
        for f in FIGURES
    ]
    constraints.append(
        models.CheckConstraint(
            condition=Q(
                available__lte=F("installed")
                + F("extra")
                - F("occupied")
                - F("reserved")
                - F("closed")
            ),
            name=f"{prefix}_beds_within_capacity",
        )
    )
    return constraints


class CapacityFigures(models.Model):
    installed = _figure(_("installed"))
    available = _figure(_("available"))
    occupied = _figure(_("occupied"))
    reserved = _figure(_("reserved"))
    closed = _figure(_("closed"))
    extra = _figure(_("extra"))

    class Meta:
        abstract = True

    def figures(self) -> dict[str, int]:
        return {f: getattr(self, f) for f in FIGURES}


class Hospital(models.Model):
    """An établissement géographique, identified by its FINESS ET number."""

    finess = models.CharField(
        "FINESS",
        max_length=9,
        unique=True,
        validators=[
            RegexValidator(FINESS_RE, _("A FINESS number has 9 characters, e.g. 010000024."))
        ],
    )
    name = models.CharField(_("name"), max_length=200, validators=[no_control_characters])
    department = models.ForeignKey(
        "regions.Department", on_delete=models.PROTECT, related_name="hospitals"
    )
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    address = models.CharField(
        _("address"), max_length=255, blank=True, validators=[no_control_characters]
    )
    postcode = models.CharField(
        _("postcode"), max_length=10, blank=True, validators=[no_control_characters]
    )
    city = models.CharField(
        _("city"), max_length=100, blank=True, validators=[no_control_characters]
    )
    phone = models.CharField(
        _("admissions phone"), max_length=32, blank=True, validators=[no_control_characters]
    )
    active = models.BooleanField(_("active"), default=True)
    # ROR's dateCreation (ror-meta-creation-date, 1..1 on its profiles).
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # The hospital staff who report for its units; `user.hospitals` from the other side.
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="hospitals",
        verbose_name=_("staff"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("hospital")
        verbose_name_plural = _("hospitals")
        constraints = [
            models.CheckConstraint(
                condition=Q(lat__gte=-90, lat__lte=90), name="hospital_lat_range"
            ),
            models.CheckConstraint(
                condition=Q(lon__gte=-180, lon__lte=180), name="hospital_lon_range"
            ),
            models.CheckConstraint(
                condition=Q(finess__regex=FINESS_RE), name="hospital_finess_format"
            ),
        ]
        indexes = [models.Index(fields=["lat", "lon"], name="hospital_lat_lon")]

    def __str__(self) -> str:
        return f"{self.name} ({self.finess})"


class Unit(CapacityFigures):
    """An unité opérationnelle; its figures are those of its latest accepted report."""

    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="units")
    label = models.CharField(_("label"), max_length=200, validators=[no_control_characters])
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices)
    ecmo = models.BooleanField(_("ECMO-capable"), default=False)
    # Incremented by each accepted report: the key of optimistic concurrency.
    version = models.PositiveIntegerField(_("version"), default=0)
    # When the latest report's figures were observed; null until the first report.
    updated_at = models.DateTimeField(_("figures as of"), null=True, blank=True)
    # ROR's dateCreation (ror-meta-creation-date, 1..1 on its profiles).
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["hospital__name", "kind", "label"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            *figure_constraints("unit"),
            models.UniqueConstraint(
                fields=["hospital", "label"], name="unit_label_unique_per_hospital"
            ),
        ]
        indexes = [models.Index(fields=["kind", "available"], name="unit_kind_available")]

    def __str__(self) -> str:
        return f"{self.label} — {self.hospital.name}"


class CapacityReportQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: ANN003
        raise TypeError("Capacity reports are append-only: they cannot be updated.")

    def delete(self):
        raise TypeError("Capacity reports are append-only: they cannot be deleted.")


class CapacityReport(CapacityFigures):
    """One accepted report: append-only, never updated or deleted."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="reports")
    # The unit version this report produced (unique per unit: two reports never share one).
    version = models.PositiveIntegerField(_("version"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept even if the account is deleted later.
    reporter_username = models.CharField(_("reported by"), max_length=150, blank=True)
    reporter_role = models.CharField(_("reporter role"), max_length=16, blank=True)
    # A coordinator or admin reporting for a unit that is not theirs: audited as such.
    on_behalf = models.BooleanField(_("on behalf of the unit"), default=False)
    observed_at = models.DateTimeField(_("observed at"), default=timezone.now)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    note = models.CharField(
        _("note"), max_length=500, blank=True, validators=[no_control_characters_multiline]
    )

    objects = CapacityReportQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        verbose_name = _("capacity report")
        verbose_name_plural = _("capacity reports")
        constraints = [
            *figure_constraints("report"),
            models.UniqueConstraint(
                fields=["unit", "version"], name="report_version_unique_per_unit"
            ),
        ]
        indexes = [models.Index(fields=["unit", "-received_at"], name="report_unit_received")]

    def __str__(self) -> str:
        return f"{self.unit_id} v{self.version} ({self.source})"

    def save(self, *args, **kwargs):  # noqa: ANN002, ANN003
        if not self._state.adding:
            raise TypeError("Capacity reports are append-only: they cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # noqa: ANN002, ANN003
        raise TypeError("Capacity reports are append-only: they cannot be deleted.")
