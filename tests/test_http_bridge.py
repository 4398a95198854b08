"""HTTP through the ASGI application runs Django whole in a pooled thread (config/http.py)."""

from __future__ import annotations

import asyncio
import json

import pytest

from accounts.services import token_create
from config.asgi import application
from config.http import ThreadedWSGI, wsgi_environ


async def _call(
    method: str, path: str, *, body: bytes = b"", headers=()
) -> tuple[int, dict, bytes]:  # noqa: ANN001
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    chunks = [body[:5], body[5:]]  # a body in two messages, as servers may deliver it
    sent = []

    async def receive() -> dict:
        if not chunks:  # the client stays connected until the response
            await asyncio.Event().wait()
        chunk = chunks.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def send(message: dict) -> None:
        sent.append(message)

    await application(scope, receive, send)
    start, *bodies = sent
    return start["status"], dict(start["headers"]), b"".join(m.get("body", b"") for m in bodies)


def test_the_http_app_is_the_threaded_bridge_by_default():
    http = application.application_mapping["http"]
    http = getattr(http, "application", http)  # inside the static files handler
    assert isinstance(http, ThreadedWSGI)


def test_environ_carries_headers_path_and_client():
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/api/v1/hospitals/",
        "query_string": b"near=45.7,4.8",
        "root_path": "",
        "http_version": "1.1",
        "headers": [(b"authorization", b"Token abc"), (b"content-type", b"application/json")],
        "client": ("10.1.2.3", 4444),
        "server": ("127.0.0.1", 8000),
    }
    environ = wsgi_environ(scope, None)
    assert environ["PATH_INFO"] == "/api/v1/hospitals/"
    assert environ["QUERY_STRING"] == "near=45.7,4.8"
    assert environ["HTTP_AUTHORIZATION"] == "Token abc"
    assert environ["CONTENT_TYPE"] == "application/json"
    assert environ["REMOTE_ADDR"] == "10.1.2.3"


@pytest.mark.django_db(transaction=True)
async def test_a_report_posted_through_the_bridge_is_stored(erin, unit_lyon):
    # (database_sync_to_async closes the connection its thread opens: none is left behind.)
    from channels.db import database_sync_to_async

    key = await database_sync_to_async(token_create)(user=erin)
    figures = {
        "installed": 10,
        "available": 4,
        "occupied": 6,
        "reserved": 0,
        "closed": 0,
        "extra": 0,
    }
    status, headers, body = await _call(
        "POST",
        f"/api/v1/units/{unit_lyon.pk}/reports/",
        body=json.dumps(figures).encode(),
        headers=[
            (b"authorization", f"Token {key}".encode()),
            (b"content-type", b"application/json"),
        ],
    )
    assert status == 201, body
    assert headers[b"content-type"] == b"application/json"
    assert json.loads(body)["available"] == 4
    count = await database_sync_to_async(unit_lyon.reports.count)()
    assert count >= 1


async def test_static_files_are_still_served_beside_the_bridge():
    status, _headers, body = await _call("GET", "/static/vendor/leaflet/leaflet.js")
    assert status == 200
    assert b"Leaflet" in body[:2000]
