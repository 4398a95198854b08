"""JSON request bodies, bounded before parsing: their size while reading, their nesting before
`json.loads` recurses into it (30,000 nested brackets raised RecursionError, a 500).

`json_loads_limited` is the whole rule, for any parser that reads JSON (the FHIR one too).
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# A report is flat and a FHIR resource a few levels deep: 64 leaves room and stays far from
# Python's recursion limit.
MAX_JSON_DEPTH = 64
# A string literal, escapes included: brackets inside one are text, not nesting.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)


def json_depth(raw: bytes) -> int:
    """How deeply arrays and objects nest in `raw` (JSON text; garbage is json.loads's to
    refuse)."""
    if raw.count(b"[") + raw.count(b"{") <= 1:
        return raw.count(b"[") + raw.count(b"{")
    depth = deepest = 0
    for byte in _STRING.sub(b'""', raw):
        if byte in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        elif byte in b"]}":
            depth -= 1
    return deepest


def json_loads_limited(
    raw: bytes,
    *,
    encoding: str = "utf-8",
    limit: int | None = None,
    max_depth: int = MAX_JSON_DEPTH,
) -> Any:
    """`raw` parsed as JSON, or ParseError (a 400 under `body`) when it is larger than `limit`
    bytes (default DATA_UPLOAD_MAX_MEMORY_SIZE), nests deeper than `max_depth`, or is not JSON."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE if limit is None else limit
    if len(raw) > limit:
        raise ParseError(_("The request body is larger than %(limit)s bytes.") % {"limit": limit})
    if json_depth(raw) > max_depth:
        raise ParseError(
            _("The request body nests arrays and objects deeper than %(max)s levels.")
            % {"max": max_depth}
        )
    try:
        return json.loads(raw.decode(encoding))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ParseError(
            _("The request body is not valid JSON: %(error)s") % {"error": exc}
        ) from None


class LimitedJSONParser(JSONParser):
    """JSON with a size limit checked while reading, whatever Content-Length claims, and a
    nesting limit checked before parsing."""

    def parse(self, stream, media_type=None, parser_context=None):  # noqa: ANN001
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        return json_loads_limited(raw, encoding=encoding, limit=limit)
