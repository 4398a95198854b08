"""Map and dispatch pages (docs/maps.md): access check → selectors → builders → template."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.scopes import national_can_read, region_can_read, role_of
from beds.models import UnitKind
from beds.places import home_departments
from beds.selectors import region_trend
from maps import builders, tables
from maps import selectors as sel
from maps.forms import DispatchForm, place_text
from regions.data import time_zone_of
from regions.gazetteer import department_names
from regions.selectors import region_get

MAP_ROLES = (Role.COORDINATOR, Role.DISPATCHER, Role.ADMIN)
DISPATCH_ROLES = (Role.DISPATCHER, Role.ADMIN)


def map_home_url(user: object) -> str:
    """A coordinator of one région lands on its map; others on the national map, which shows
    a coordinator's régions only."""
    if role_of(user) == Role.COORDINATOR:
        codes = list(sel.map_regions(user=user).values_list("code", flat=True)[:2])
        if len(codes) == 1:
            return reverse("maps:regional", kwargs={"code": codes[0]})
    return reverse("maps:national")


def _kind(request: HttpRequest) -> str | None:
    kind = request.GET.get("kind", "").strip()
    if kind and kind not in UnitKind.values:
        raise ValueError(
            _("kind: “%(kind)s” is not a unit kind; kinds: %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(UnitKind.values)}
        )
    return kind or None


def _page_json(hospitals, *, kind, layers, now, **extra: object) -> str:  # noqa: ANN001
    """What the page's script draws from (`builders.page_data`), as JSON for the page."""
    return builders.page_json(
        builders.page_data(
            hospitals,
            kind=kind,
            freshness_hours=sel.freshness_hours(),
            layers=layers,
            time_zones={h["region"]: time_zone_of(h["region"]) for h in hospitals},
            extra={"serverNow": now.isoformat(), **extra},
        )
    )


def _map_page(
    request: HttpRequest, *, region, hospitals, built, sockets, kind, now
) -> HttpResponse:  # noqa: ANN001
    rendered = builders.render_map(built)
    readable = sel.map_regions(user=request.user)
    context = {
        "region": region,
        "regions": readable,
        "kind": kind,
        "kinds": builders.kind_choices(hospitals),
        "legend": builders.legend_items(),
        "map": rendered,
        "assets": sel.map_assets(),
        "overseas": [] if region else sel.overseas_views(regions=readable),
        "france_bounds": json.dumps([list(c) for c in builders.FRANCE_BOUNDS]),
        "hospital_count": len(hospitals),
        "totals": builders.area_totals(hospitals),
        # A région's table shows all its hospitals at once; the national one starts with its
        # first rows (laying out ~1,800 rows cost more than the rest).
        "page_data": _page_json(
            hospitals,
            kind=kind,
            layers=rendered.layers,
            now=now,
            page="map",
            tableFirst=60 if region is None else max(len(hospitals), 1),
        ),
        "fallback": builders.units_fallback_html(hospitals, now=now),
        "sockets": sockets,
        "can_dispatch": role_of(request.user) in DISPATCH_ROLES,
    }
    with timezone.override(time_zone_of(region.code if region else None)):
        return render(request, "maps/area.html", context)


@login_required
def national(request: HttpRequest) -> HttpResponse:
    """Dispatchers and admins: the whole country. Coordinators: the same map limited to their
    régions (they reach each région's own map from it)."""
    if role_of(request.user) not in MAP_ROLES:
        raise PermissionDenied
    if request.GET.get("region"):  # the région picker, without script
        region = region_get(code=request.GET["region"])
        if region is None:
            raise Http404(_("No région with code %(code)s.") % {"code": request.GET["region"]})
        return redirect("maps:regional", code=region.code)
    try:
        kind = _kind(request)
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc))
    now = timezone.now()
    hospitals = sel.map_hospitals(user=request.user, region=None, now=now)
    thresholds = sel.region_thresholds()
    builders.with_tensions(hospitals, thresholds=thresholds)
    whole_country = national_can_read(request.user)
    codes = (
        None
        if whole_country
        else set(sel.map_regions(user=request.user).values_list("code", flat=True))
    )
    built = builders.national_map(
        hospitals,
        kind=kind,
        thresholds=thresholds,
        assets=sel.map_assets(),
        tiles=sel.map_tiles(),
        departments=sel.department_outline(regions=codes),
        outlines=sel.region_outlines(regions=codes),
        bounds=builders.FRANCE_BOUNDS if whole_country else None,
    )
    sockets = (
        ["/ws/national/"] if whole_country else [f"/ws/regions/{c}/" for c in sorted(codes or ())]
    )
    return _map_page(
        request, region=None, hospitals=hospitals, built=built, sockets=sockets, kind=kind, now=now
    )


@login_required
def regional(request: HttpRequest, code: str) -> HttpResponse:
    region = region_get(code=code)
    if region is None:
        raise Http404(_("No région with code %(code)s.") % {"code": code})
    if not region_can_read(request.user, region):
        raise PermissionDenied
    try:
        kind = _kind(request)
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc))
    now = timezone.now()
    hospitals = sel.map_hospitals(user=request.user, region=region, now=now)
    thresholds = sel.region_thresholds()
    builders.with_tensions(hospitals, thresholds=thresholds)
    built = builders.regional_map(
        hospitals,
        kind=kind,
        thresholds=thresholds,
        assets=sel.map_assets(),
        tiles=sel.map_tiles(),
        departments=sel.department_outline(regions={region.code}),
        outlines=sel.region_outlines(regions={region.code}, weight=2.5),
    )
    sockets = [f"/ws/regions/{region.code}/"]
    return _map_page(
        request,
        region=region,
        hospitals=hospitals,
        built=built,
        sockets=sockets,
        kind=kind,
        now=now,
    )


# The trend's spans: (hours, minutes between two points of the chart, points per table column).
TREND_SPANS = {"24h": (24, 60, 4), "7d": (168, 360, 4)}


@login_required
def region_table(request: HttpRequest, code: str) -> HttpResponse:
    """Every unit of a région with its figures, kept current by the live feed, and the trend of
    its free beds per kind (`?span=24h`, the default, or `7d`)."""
    region = region_get(code=code)
    if region is None:
        raise Http404(_("No région with code %(code)s.") % {"code": code})
    if not region_can_read(request.user, region):
        raise PermissionDenied
    span = request.GET.get("span", "24h")
    if span not in TREND_SPANS:
        return HttpResponseBadRequest(
            _("span: “%(span)s” is not a span; spans: %(spans)s.")
            % {"span": span, "spans": ", ".join(TREND_SPANS)}
        )
    hours, step, every = TREND_SPANS[span]
    now = timezone.now()
    trend = region_trend(region=region, hours=hours, step_minutes=step, now=now)
    zone = time_zone_of(region.code)
    with timezone.override(zone):
        context = {
            "region": region,
            "rows": tables.unit_rows(sel.region_units(region=region, now=now), zone=zone, now=now),
            "live_url": f"/ws/regions/{region.code}/",
            "span": span,
            "spans": [(key, key == span) for key in TREND_SPANS],
            "trend": tables.trend_table(trend, every=every),
            "chart": tables.trend_chart(trend, zone=zone),
            "words": tables.words(),
            "csv_url": f"{reverse('api:export-csv')}?region={region.code}",
        }
        return render(request, "regions/table.html", context)


@login_required
def dispatch(request: HttpRequest) -> HttpResponse:
    """Nearest hospitals with free beds of a kind, as `/api/v1/hospitals/?near=…` finds them,
    from any place the gazetteer reads; an ambiguous name offers its alternatives."""
    if role_of(request.user) not in DISPATCH_ROLES:
        raise PermissionDenied
    now = timezone.now()
    searched = "place" in request.GET
    form = DispatchForm(
        request.GET if searched else None, departments=home_departments(request.user)
    )
    results: list[dict] = []
    candidates: list[dict] = []
    if searched and form.is_valid():
        data = form.cleaned_data
        results, candidates = sel.dispatch_search(
            user=request.user,
            near=form.point,  # type: ignore[arg-type]
            kind=data["kind"],
            min_available=data["min_available"],
            radius_km=data["radius_km"],
            now=now,
        )
    valid = searched and form.is_bound and not form.errors
    kind = form.cleaned_data["kind"] if valid else None
    thresholds = sel.region_thresholds()
    builders.with_tensions(candidates, thresholds=thresholds)
    built = builders.dispatch_map(
        candidates,
        point=form.point if valid else None,
        radius_km=form.cleaned_data["radius_km"] if valid else None,
        kind=kind,
        min_available=form.cleaned_data["min_available"] if valid else 1,
        thresholds=thresholds,
        assets=sel.map_assets(),
        tiles=sel.map_tiles(),
        departments=sel.department_outline(),
        outlines=sel.region_outlines(),
    )
    rendered = builders.render_map(built)
    matching = {h["finess"] for h in results}
    rows, rank = [], 0
    for row in builders.dispatch_rows(candidates, kind=kind, thresholds=thresholds):
        match = row.hospital["finess"] in matching
        rank += match
        rows.append({**row.__dict__, "match": match, "rank": rank if match else ""})
    alternatives = [
        {"text": place_text(p), "url": _with_place(request, p.label)} for p in form.alternatives
    ]
    context = {
        "form": form,
        "searched": valid,
        "alternatives": alternatives if valid else [],
        "departments": department_names(),
        "map": rendered,
        "assets": sel.map_assets(),
        "legend": builders.legend_items(dispatch=True),
        "rows": rows,
        "result_count": len(results),
        "page_data": _page_json(
            candidates,
            kind=kind,
            layers=rendered.layers,
            now=now,
            page="dispatch",
            minAvailable=form.cleaned_data["min_available"] if valid else None,
        ),
        "sockets": ["/ws/national/"] if valid else [],
    }
    return render(request, "maps/dispatch.html", context, status=200 if not form.errors else 400)


def _with_place(request: HttpRequest, place: str) -> str:
    """This search's shareable URL with another place."""
    query = request.GET.copy()
    query["place"] = place
    return f"{reverse('maps:dispatch')}?{query.urlencode()}"
