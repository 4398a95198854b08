"""The site's front door, above every app: it sends each role to the app it works in."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
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
