from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from accounts.backends import PasswordChecksBusy, password_checks

RETRY_AFTER_SECONDS = 2
LOGIN_PATHS = frozenset({"/accounts/login/", "/admin/login/"})


class PasswordChecksBusyMiddleware:
    """A login submitted while every password-check slot is taken
    (accounts/backends.py) is answered at once with 503 and `Retry-After`: nothing was checked
    nor counted.

    Checked here, before CSRF, authentication and the view, so that each refusal of a flood
    costs next to nothing; the backend checks again (a slot taken meanwhile), and a refusal
    from there is answered the same way (`process_exception`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.login_paths = LOGIN_PATHS | {settings.LOGIN_URL}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path in self.login_paths:
            slots = password_checks()
            slot = slots.acquire()
            if slot is None:
                return busy(request)
            slots.release(slot)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return busy(request) if isinstance(exception, PasswordChecksBusy) else None


def busy(request: HttpRequest) -> HttpResponse:
    # A page of its own, not the site's layout: it is rendered for every refused attempt.
    html = render_to_string(
        "accounts/busy.html", {"retry_after": RETRY_AFTER_SECONDS, "path": request.path}
    )
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
