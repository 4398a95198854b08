"""Signals beds sends to the apps above it (alerts): they listen, beds never imports them."""

from django.dispatch import Signal

# Sent after a report's transaction committed, with `unit` (as committed, with its hospital,
# département and région loaded) and `report`. Receivers must not raise.
report_committed = Signal()
