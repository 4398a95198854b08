from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.forms import LockoutLiftForm
from accounts.selectors import lockouts_can_lift, lockouts_visible_to
from accounts.services import lockout_lift


@login_required
def lockouts(request: HttpRequest) -> HttpResponse:
    """Accounts (and, for admins, addresses) locked out after failed logins, each with a button
    that lifts it: coordinators for the accounts of their régions, admins for all."""
    if not lockouts_can_lift(request.user):
        raise PermissionDenied
    form = LockoutLiftForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        username, address = form.cleaned_data["username"], form.cleaned_data["address"]
        lockout_lift(by=request.user, username=username or None, address=address or None)
        messages.success(request, _("Unlocked: %(who)s.") % {"who": username or address})
        return redirect("accounts:lockouts")
    context = {
        "lockouts": lockouts_visible_to(request.user),
        "form": form,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }
    return render(request, "accounts/lockouts.html", context, status=400 if form.errors else 200)
