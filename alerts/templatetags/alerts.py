"""`{% load alerts %}{% region_alerts region %}`: the région's live alert list, for the people
who may see it (nothing for the others)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from alerts import selectors
from alerts.access import alerts_can_acknowledge, alerts_can_read
from beds.models import UnitKind
from regions.models import Region

register = template.Library()


def labels() -> dict:
    """The wording the page's script fills in (the same messages as the server's)."""
    return {
        "kinds": {kind.value: str(kind.label) for kind in UnitKind},
        "tension": _("%(scope)s: %(kind)s in tension, %(available)s beds available of %(open)s"),
        "saturated": _("%(scope)s: no %(kind)s bed available"),
        "stale": _("%(scope)s: %(stale)s of %(units)s units have old figures"),
        "acknowledged": _("acknowledged by %(who)s at %(when)s"),
    }


@register.inclusion_tag("alerts/_region_alerts.html", takes_context=True)
def region_alerts(context: template.Context, region: Region | None) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if region is None or user is None or not alerts_can_read(user, region):
        return {"show": False}
    alerts = list(selectors.region_alerts_unresolved(region=region))
    return {
        "show": True,
        "region": region,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "alerts": selectors.alerts_for_page(alerts),
        "can_acknowledge": alerts_can_acknowledge(user, region),
        "labels": labels(),
    }
