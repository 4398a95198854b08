from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from accounts.models import Role
from accounts.scopes import role_of
from maps.views import map_home_url
from realtime import publisher


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The right home for the role: staff to their units, everyone else to their map."""
    role = role_of(request.user)
    if role == Role.STAFF:
        return redirect("beds:staff-units")
    if role == Role.ADMIN:
        return redirect("admin:index")
    if role in (Role.COORDINATOR, Role.DISPATCHER):
        return redirect(map_home_url(request.user))
    return render(request, "home.html", {"role": role})


@login_required
def staff_units(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"role": role_of(request.user)})


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the reverse proxy: the database answers (else 500).

    `realtime` is `ok`, `local` (no Redis: one process) or `degraded` (Redis unreachable:
    reports are still stored, live sockets will resync). Degraded stays HTTP 200 on purpose:
    every worker shares the same Redis, so taking them out of rotation would stop the reports
    too (docs/realtime.md).
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    realtime = publisher.health()
    body = {
        "status": "ok" if realtime["state"] != "degraded" else "degraded",
        "database": "ok",
        "realtime": realtime["state"],
    }
    if "error" in realtime:
        body["realtime_error"] = realtime["error"]
    return JsonResponse(body)
