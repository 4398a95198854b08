from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LocationCapacity(models.Model):
    """The capacity records (ROR `ror-location-supported-capacity` extensions) a unit's software
    last sent, kept as sent so that a later FHIRPath Patch finds them and a read returns them.

    Valid only while `version` equals the unit's: a report from the staff page or the API makes
    the unit's six figures the truth again, and the Location is then built from them.
    """

    unit = models.OneToOneField(
        "beds.Unit", on_delete=models.CASCADE, related_name="fhir_capacity", primary_key=True
    )
    version = models.PositiveIntegerField(_("unit version"))
    records = models.JSONField(_("capacity records"))

    class Meta:
        verbose_name = _("FHIR capacity records")
        verbose_name_plural = _("FHIR capacity records")

    def __str__(self) -> str:
        return f"{self.unit_id} v{self.version}"
