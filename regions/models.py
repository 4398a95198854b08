from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """An INSEE région (`84`, `11`, `01` …), with the alert thresholds its coordinators set."""

    code = models.CharField(_("INSEE code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
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
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Department(models.Model):
    """An INSEE département (`69`, `2A`, `974` …)."""

    code = models.CharField(_("INSEE code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departments")

    class Meta:
        ordering = ["code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
