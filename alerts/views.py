"""Pages: a reminder's one-time link and its unit card, a région's alerts."""

from __future__ import annotations

import contextlib

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alerts import selectors, services
from alerts.access import alerts_can_acknowledge, alerts_can_read
from alerts.models import Alert
from beds import services as beds_services
from beds.forms import UnitReportForm
from regions.models import Region
from regions.selectors import region_get

# What the session holds after a link was opened: the link's id, never its secret.
SESSION_LINK = "alerts.link"
SESSION_REFUSED = "alerts.link_refused"
SESSION_DONE = "alerts.link_done"
REFUSAL_STATUS = {"tampered": 403, "revoked": 403, "expired": 410, "used": 410}


@never_cache
@require_GET
def link_open(request: HttpRequest, token: str) -> HttpResponse:
    """Spend the link and hand its unit card to this browser, then leave the link's address at
    once (a redirect: the token stays out of the history, the Referer and the error logs)."""
    try:
        link = services.unit_link_open(token=token)
    except services.LinkRefused as refused:
        request.session.pop(SESSION_LINK, None)
        request.session[SESSION_REFUSED] = refused.reason
    else:
        request.session.cycle_key()
        request.session[SESSION_LINK] = link.pk
        request.session.pop(SESSION_REFUSED, None)
        request.session.pop(SESSION_DONE, None)
    response = redirect("alerts:link-card")
    response["Referrer-Policy"] = "no-referrer"
    return response


def _refused(request: HttpRequest, reason: str) -> HttpResponse:
    request.session.pop(SESSION_LINK, None)
    return render(
        request,
        "alerts/link_refused.html",
        {"reason": reason},
        status=REFUSAL_STATUS.get(reason, 403),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def link_card(request: HttpRequest) -> HttpResponse:
    """The one unit card a link grants; one report through it, then nothing more."""
    if request.method == "GET" and SESSION_REFUSED in request.session:
        return _refused(request, request.session.pop(SESSION_REFUSED))
    link_id = request.session.get(SESSION_LINK)
    if link_id is None:
        done = request.session.get(SESSION_DONE)
        if done is not None and request.method == "GET":
            return render(request, "alerts/link_done.html", {"done": done})
        return _refused(request, "tampered")
    try:
        link = services.unit_link_granted(link_id=link_id)
    except services.LinkRefused as refused:
        return _refused(request, refused.reason)
    form = UnitReportForm(request.POST or None, unit=link.unit)
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            report = services.unit_link_report(
                link_id=link.pk,
                figures=form.figures,
                version=form.cleaned_data["version"],
                note=form.cleaned_data["note"],
            )
        except services.LinkRefused as refused:
            return _refused(request, refused.reason)
        except beds_services.VersionConflict as exc:
            conflict = True
            form = UnitReportForm(unit=exc.unit)
            link.unit = exc.unit
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            request.session.pop(SESSION_LINK, None)
            request.session[SESSION_DONE] = {
                "unit": report.unit.label,
                "hospital": report.unit.hospital.name,
                "available": report.available,
            }
            return redirect("alerts:link-card")
    status = 200 if request.method == "GET" or form.has_error("__all__", "jump") else 400
    if conflict:
        status = 409
    context = {"link": link, "unit": link.unit, "form": form, "conflict": conflict}
    return render(request, "alerts/link_card.html", context, status=status)


def _region_or_404(code: str) -> Region:
    region = region_get(code=code)
    if region is None:
        raise Http404("no such région")
    return region


@login_required
def region_alerts(request: HttpRequest, code: str) -> HttpResponse:
    """A région's alerts: unresolved first, then the latest resolved ones; kept live."""
    region = _region_or_404(code)
    if not alerts_can_read(request.user, region):
        raise PermissionDenied
    alerts = list(selectors.region_alerts(region=region)[:100])
    context = {
        "region": region,
        "alerts": selectors.alerts_for_page(alerts),
        "can_acknowledge": alerts_can_acknowledge(request.user, region),
        "live_url": f"/ws/regions/{region.code}/",
    }
    return render(request, "alerts/region_alerts.html", context)


@login_required
@require_POST
def alert_acknowledge(request: HttpRequest, code: str, alert_id: int) -> HttpResponse:
    """The acknowledge button of the alert lists (without JavaScript): back to the page."""
    region = _region_or_404(code)
    if not alerts_can_acknowledge(request.user, region):
        raise PermissionDenied
    alert = Alert.objects.filter(pk=alert_id, region=region).first()
    if alert is None:
        raise Http404("no such alert in this région")
    with contextlib.suppress(ValidationError):  # resolved meanwhile: the page shows it
        services.alert_acknowledge(alert=alert, user=request.user, now=timezone.now())
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = f"/regions/{region.code}/alerts/"
    return redirect(next_url)
