"""API errors: every 400 names the field it is about (`body` for the request as a whole)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        exc = ParseError(_("The request body is larger than %(limit)s bytes.") % {"limit": limit})
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, ParseError):
        response.data = {"body": [str(exc.detail)]}
        response.status_code = status.HTTP_400_BAD_REQUEST
    return response


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 for a URL that matches no route (`/api/v1/units/abc/`): JSON under the
    API, as its schema says; the usual page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": _("No such API path: %(path)s.") % {"path": request.path}}, status=404
        )
    return page_not_found(request, exception)
