"""Alerts follow every committed report (beds.signals.report_committed)."""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import receiver

from beds.models import Unit
from beds.signals import report_committed

logger = logging.getLogger(__name__)


@receiver(report_committed, sender=Unit)
def evaluate_the_regions_alerts(sender: type, unit: Unit, **kwargs: Any) -> None:
    """A report may open or resolve its région's alerts: judged at once, so that an open page
    shows the alert within the second. Never raises: the report is stored already."""
    from alerts.services import region_alerts_evaluate

    region = unit.hospital.department.region  # loaded with the unit: not read again
    try:
        region_alerts_evaluate(region=region)
    except Exception:
        logger.exception("alerts: evaluating région %s after a report failed", region.code)
