from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from accounts.backends import PasswordChecksBusy

RETRY_AFTER_SECONDS = 2


class PasswordChecksBusyMiddleware:
    """A login that found every password-check slot taken (accounts/backends.py) is answered at
    once with 503 and `Retry-After`: nothing was checked nor counted."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, PasswordChecksBusy):
            return None
        response = TemplateResponse(
            request,
            "accounts/busy.html",
            {"retry_after": RETRY_AFTER_SECONDS},
            status=503,
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response.render()
