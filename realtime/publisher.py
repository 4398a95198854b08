"""Publish an event to an audience. Knows nothing of beds: callers decide what an event holds."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

NATIONAL = "national"


def region_audience(code: str) -> str:
    return f"region.{code}"


def publish(audiences: list[str], event: dict) -> bool:
    """Send `event` to every socket of each audience; never raises. Call after commit.

    Returns False (and logs) when the channel layer could not be reached: the change is
    stored all the same, and sockets catch up with a snapshot.
    """
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        for audience in audiences:
            async_to_sync(layer.group_send)(audience, {"type": "audience.event", "event": event})
    except Exception:  # the layer is down: the figures are stored, the feed is degraded
        logger.exception("realtime publish failed for %s", audiences)
        return False
    return True
