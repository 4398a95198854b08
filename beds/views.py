from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.scopes import health_details_can_read, staff_page_can_open
from accounts.throttling import client_ip
from beds import selectors, services
from beds.forms import UnitReportForm, UnitUnchangedForm
from beds.models import FIGURES, Source, Unit
from beds.scopes import hospitals_readable, unit_can_write
from realtime import publisher

SAVED_RE = re.compile(r"[0-9]{1,18}")


def _staff_page(
    request: HttpRequest,
    *,
    form: UnitReportForm | None = None,
    conflict: Unit | None = None,
    status: int = 200,
) -> HttpResponse:
    """The staff page, with `form` (bound, showing errors or a warning) in place of its unit's."""
    rows = selectors.staff_hospitals(hospitals=hospitals_readable(request.user))
    for row in rows:
        for unit in row.units:
            mine = form is not None and form.unit.pk == unit.pk
            unit.form = form if mine else UnitReportForm(unit=unit)
            unit.conflict = mine and conflict is not None
    saved = request.GET.get("saved", "")
    # ASCII digits only, and few: "²".isdigit() and int("1" * 5000) both raised (500s).
    context = {"rows": rows, "saved": int(saved) if SAVED_RE.fullmatch(saved) else None}
    return render(request, "beds/staff_units.html", context, status=status)


@login_required
def staff_units(request: HttpRequest) -> HttpResponse:
    if not staff_page_can_open(request.user):
        raise PermissionDenied
    return _staff_page(request)


@login_required
@require_POST
def unit_report(request: HttpRequest, unit_id: int) -> HttpResponse:
    """A report from the staff page: new figures, or the last ones confirmed unchanged."""
    unit = selectors.unit_get(unit_id=unit_id)
    if unit is None:
        raise Http404
    if not staff_page_can_open(request.user) or not unit_can_write(request.user, unit):
        raise PermissionDenied
    unchanged = request.POST.get("action") == "unchanged"
    form = (UnitUnchangedForm if unchanged else UnitReportForm)(request.POST, unit=unit)
    conflict = None
    if form.is_valid():
        try:
            services.unit_report_create(
                unit_id=unit.pk,
                user=request.user,
                figures=form.figures,
                source=Source.WEB,
                version=form.cleaned_data["version"],
                note=form.cleaned_data["note"],
            )
        except services.VersionConflict as exc:
            conflict = exc.unit
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return redirect(f"{reverse('beds:staff-units')}?saved={unit.pk}#unit-{unit.pk}")
    if isinstance(form, UnitReportForm):
        shown = form
    elif form.changes:
        # "Nothing changed" over edited figures: refused, and what was typed stays on the card.
        shown = UnitReportForm(unit=unit, initial=typed_figures(request.POST, form.prefix))
        shown.changes = form.changes
        shown.notice = form.non_field_errors()[0]
    else:
        shown = UnitReportForm(unit=unit)
        if not conflict:
            # Only a damaged request gets here (the form has a hidden version and nothing else).
            shown.notice = _("The page was out of date: nothing was recorded. Please try again.")
    status = 409 if conflict else (200 if form.has_error(NON_FIELD_ERRORS, "jump") else 400)
    return _staff_page(request, form=shown, conflict=conflict, status=status)


def typed_figures(data: QueryDict, prefix: str) -> dict[str, str]:
    """The figures and note as posted, to show them again unchanged."""
    names = (*FIGURES, "note")
    return {name: data[f"{prefix}-{name}"] for name in names if f"{prefix}-{name}" in data}


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the reverse proxy: the database answers (else 500).

    `status` is `ok` or `degraded` (Redis unreachable: reports are still stored, live sockets
    will resync). Degraded stays HTTP 200 on purpose: every worker shares the same Redis, so
    taking them out of rotation would stop the reports too (docs/realtime.md). That is all the
    public learns; an admin and the operator's monitoring (BEDWATCH_MONITORING_ADDRESSES) also
    get each part's state, `realtime` being `ok`, `local` (no Redis: one process) or
    `degraded`, and why Redis failed (its address included).
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    realtime = publisher.health()
    body = {"status": "ok" if realtime["state"] != "degraded" else "degraded"}
    if health_details_can_read(request.user, client_ip(request)):
        body.update(database="ok", realtime=realtime["state"])
        if "error" in realtime:
            body["realtime_error"] = realtime["error"]
    return JsonResponse(body)
