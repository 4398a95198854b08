"""HTTP under the ASGI server: Django's request handling in one worker thread per request.

Django's ASGI handler hands each middleware hook and the view to a thread separately: 18 thread
hand-overs for one API request here, ~5 ms of CPU before any work is done. This runs the WSGI
handler once in a pooled thread instead (~1.5 ms for the same request, docs/performance.md).
WebSockets are untouched: they stay with Channels.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from tempfile import SpooledTemporaryFile
from typing import Any

from asgiref.wsgi import WsgiToAsgiInstance

# Request bodies above this size wait on disk, as Django's own ASGI handler does.
SPOOL_BYTES = 2_621_440


class ThreadedWSGI:
    """An ASGI app for `http` scopes that runs `wsgi_app` in a pool of `threads` threads."""

    def __init__(self, wsgi_app: Callable, *, threads: int) -> None:
        self.wsgi_app = wsgi_app
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="http")

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            raise ValueError(f"ThreadedWSGI serves http, not {scope['type']}")
        body = SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (closed below)
        try:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                body.write(message.get("body", b""))
                if not message.get("more_body"):
                    break
            size = body.tell()
            body.seek(0)
            loop = asyncio.get_running_loop()
            status, headers, content = await loop.run_in_executor(
                self.executor, self._run, scope, body, size
            )
        finally:
            body.close()
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    def _run(self, scope: dict, body: Any, size: int) -> tuple[int, list, bytes]:
        environ = wsgi_environ(scope, body)
        # The body as received (a chunked request has no Content-Length header).
        environ["CONTENT_LENGTH"] = str(size)
        started: dict[str, Any] = {}

        def start_response(status: str, headers: list, exc_info: Any = None) -> None:
            if exc_info and started:
                raise exc_info[1].with_traceback(exc_info[2])
            started["status"] = int(status.split(" ", 1)[0])
            started["headers"] = [
                (name.lower().encode("ascii"), value.encode("latin1")) for name, value in headers
            ]

        result: Iterable[bytes] = self.wsgi_app(environ, start_response)
        try:
            content = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()  # sends request_finished: the database connection goes back to the pool
        return started["status"], started["headers"], content


def wsgi_environ(scope: dict, body: Any) -> dict:
    """The WSGI environ of an ASGI http scope (asgiref's mapping: headers, server, client)."""
    builder = WsgiToAsgiInstance(None)
    builder.scope = scope  # build_environ reads the headers from it
    environ = builder.build_environ(scope, body)
    environ["wsgi.errors"] = sys.stderr
    return environ
