"""Project-wide HTTP rules that no single view should have to remember."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from config.text import control_character, describe


class QueryTextMiddleware:
    """A query parameter (name or value) holding a control character is a 400 naming it,
    before any view can hand it to the database (PostgreSQL refuses NUL: that was a 500)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name, values in request.GET.lists():
            for text in (name, *values):
                char = control_character(text)
                if char is not None:
                    return self._refuse(request, name, char)
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest, name: str, char: str) -> HttpResponse:
        field = name if control_character(name) is None else "query"
        message = _(
            "Control character %(char)s is not allowed in query parameter %(name)s: use "
            "printable text."
        ) % {"char": describe(char), "name": repr(name)}
        if request.path.startswith(("/api/", "/fhir/")):
            return JsonResponse({field: [message]}, status=400)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


class PrivateAnswersMiddleware:
    """What an authenticated caller receives is theirs: no cache may keep it (`no-store,
    private`), and an API answer depends on the Authorization header (`Vary`), so a shared
    cache never hands one token's answer to another."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(settings.STATIC_URL):
            return response
        if request.path.startswith(("/api/", "/fhir/")):
            patch_vary_headers(response, ["Authorization"])
        # DRF sets request.user on the Django request once a token authenticated it.
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or "HTTP_AUTHORIZATION" in request.META:
            response["Cache-Control"] = "no-store, private"
        return response
