from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.scopes import region_can_read
from beds.selectors import unit_to_dict, units_for_audience
from regions.selectors import region_get


@login_required
def region_table(request: HttpRequest, code: str) -> HttpResponse:
    """Every unit of a région with its figures, kept current by the live feed."""
    region = region_get(code=code)
    if region is None:
        raise Http404("no such région")
    if not region_can_read(request.user, region):
        raise PermissionDenied
    now = timezone.now()
    rows = [
        {
            "hospital": unit.hospital,
            "unit": unit_to_dict(unit, now=now),
            "updated_at": unit.updated_at,
        }
        for unit in units_for_audience(region=region.code)
    ]
    rows.sort(key=lambda r: (r["hospital"].name, r["unit"]["kind"], r["unit"]["label"]))
    context = {"region": region, "rows": rows, "live_url": f"/ws/regions/{region.code}/"}
    return render(request, "regions/table.html", context)
