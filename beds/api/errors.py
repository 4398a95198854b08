"""API errors: every 400 names the field it is about (`body` for the request as a whole)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _
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
