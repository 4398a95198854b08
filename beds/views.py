from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from accounts.models import Role
from accounts.scopes import role_of
from maps.views import map_home_url


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
    """Liveness for the reverse proxy: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": "ok"})
