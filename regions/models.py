from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.text import no_control_characters


class Region(models.Model):
    """An INSEE région (`84`, `11`, `01` …), with the alert thresholds its coordinators set."""

    code = models.CharField(_("INSEE code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=100, validators=[no_control_characters])
    # A unit is in tension when its occupancy reaches this share of its open beds …
    tension_occupancy_pct = models.PositiveSmallIntegerField(
        _("tension from occupancy (%)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    # … or when it has this many available beds or fewer (and at least one).
    tension_available_max = models.PositiveSmallIntegerField(
        _("tension at or below available beds"),
        default=1,
        validators=[MaxValueValidator(999)],
    )
    # How often each unit must report (docs/alerts.md); null: the settings' default, the
    # crisis one when `crisis` is on.
    reporting_cadence_minutes = models.PositiveSmallIntegerField(
        _("reporting cadence (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(15), MaxValueValidator(1440)],
    )
    crisis = models.BooleanField(_("crisis mode"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(tension_occupancy_pct__gte=1, tension_occupancy_pct__lte=100),
                name="region_tension_occupancy_pct_range",
            ),
            models.CheckConstraint(
                condition=models.Q(tension_available_max__lte=999),
                name="region_tension_available_max_range",
            ),
            models.CheckConstraint(
                condition=models.Q(reporting_cadence_minutes__isnull=True)
                | models.Q(reporting_cadence_minutes__gte=15, reporting_cadence_minutes__lte=1440),
                name="region_reporting_cadence_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Department(models.Model):
    """An INSEE département (`69`, `2A`, `974` …)."""

    code = models.CharField(_("INSEE code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=100, validators=[no_control_characters])
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departments")

    class Meta:
        ordering = ["code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ThresholdChangeQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: ANN003
        raise TypeError("Threshold changes are append-only: they cannot be updated.")

    def delete(self):
        raise TypeError("Threshold changes are append-only: they cannot be deleted.")


class ThresholdChange(models.Model):
    """One change of a région's alert thresholds, who made it and when: append-only, so that an
    ARS can tell why a unit's tension changed colour without any report."""

    class Source(models.TextChoices):
        API = "api", _("API")
        ADMIN = "admin", _("administration")

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="threshold_changes")
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept even if the account is deleted later.
    changed_by_username = models.CharField(_("changed by"), max_length=150, blank=True)
    changed_by_role = models.CharField(_("role"), max_length=16, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    occupancy_pct_before = models.PositiveSmallIntegerField(_("occupancy threshold before (%)"))
    occupancy_pct_after = models.PositiveSmallIntegerField(_("occupancy threshold after (%)"))
    available_max_before = models.PositiveSmallIntegerField(_("available threshold before"))
    available_max_after = models.PositiveSmallIntegerField(_("available threshold after"))

    objects = ThresholdChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("threshold change")
        verbose_name_plural = _("threshold changes")
        indexes = [models.Index(fields=["region", "-changed_at"], name="threshold_change_region")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.changed_at:%Y-%m-%d %H:%M} ({self.changed_by_username})"

    def save(self, *args, **kwargs):  # noqa: ANN002, ANN003
        if not self._state.adding:
            raise TypeError("Threshold changes are append-only: they cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # noqa: ANN002, ANN003
        raise TypeError("Threshold changes are append-only: they cannot be deleted.")
