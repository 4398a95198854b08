"""Handshake middleware: token authentication, its limit on wrong tokens, and the origin check
for browsers."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.request import split_domain_port, validate_host

from accounts.throttling import (
    bad_tokens_message,
    bad_tokens_record,
    bad_tokens_wait,
    client_address,
)
from accounts.tokens import token_digest
from realtime.fanout import CLOSE_TOO_MANY_TOKENS
from realtime.publisher import credential_id


def _header(scope: dict, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return None


def scope_client_ip(scope: dict) -> str | None:
    """The client's address, as the HTTP side computes it (`accounts.throttling.client_ip`):
    the connection's, or with BEDWATCH_PROXY_COUNT proxies, from X-Forwarded-For (repeated
    headers read as one list, as the WSGI server joins them)."""
    client = scope.get("client")
    forwarded = ", ".join(
        value.decode("latin1")
        for key, value in scope.get("headers", [])
        if key == b"x-forwarded-for"
    )
    return client_address(client[0] if client else None, forwarded)


# The cache may be Redis: its calls go to a thread of their own, never the event loop's, nor
# the one thread that database_sync_to_async shares (a Redis that hangs must not hold either).
_tokens_wait = sync_to_async(bad_tokens_wait, thread_sensitive=False)
_tokens_record = sync_to_async(bad_tokens_record, thread_sensitive=False)


@database_sync_to_async
def user_for_token(key: str):  # noqa: ANN202
    from accounts.selectors import token_user

    # From the database every time (no per-process memory): the hub's rechecks rely on it.
    return token_user(key=key) or AnonymousUser()


# Where TokenAuthMiddleware names the token a socket was opened with (`credential_id`), so that
# deleting the token closes it.
TOKEN_CREDENTIAL = "bedwatch.token_credential"


# Where DirectSendMiddleware keeps the server's own `send` in the scope.
DIRECT_SEND = "bedwatch.direct_send"


class DirectSendMiddleware:
    """Keeps the server's `send` in the scope, for the hub's fan-out to write with.

    Outermost on the websocket stack. Channels' session wrapper and the consumer add four
    layers to every `websocket.send` that do nothing for it but cost as much as the write
    itself; with thousands of sockets per change that is the fan-out's main cost
    (docs/performance.md).
    """

    def __init__(self, app) -> None:  # noqa: ANN001
        self.app = app

    async def __call__(self, scope, receive, send):  # noqa: ANN001, ANN204
        return await self.app(dict(scope, **{DIRECT_SEND: send}), receive, send)


class TokenAttemptsLimit:
    """Refuses a handshake that carries a token from an address that sent too many wrong or
    expired ones lately (`BEDWATCH_API_BAD_TOKENS`, the API's budget, in Django's cache), before
    anything is looked up: guessing keys on the live feed costs the guesser, not the database.

    Sits outside AuthMiddlewareStack (whose session look-up is a query). Handshakes without a
    token (browsers, with their cookie) are never refused by it. The refusal is HTTP 429 with
    `Retry-After` where the server lets an application answer a handshake (uvicorn, the `ws:`
    line); elsewhere (Daphne) the handshake is closed with 4429, which the client sees as 403.
    """

    def __init__(self, app) -> None:  # noqa: ANN001
        self.app = app

    async def __call__(self, scope, receive, send):  # noqa: ANN001, ANN204
        if scope["type"] == "websocket" and token_key(scope):
            wait = await _tokens_wait(scope_client_ip(scope))
            if wait is not None:
                return await _refuse_too_many_tokens(scope, receive, send, wait)
        return await self.app(scope, receive, send)


async def _refuse_too_many_tokens(scope, receive, send, wait: int) -> None:  # noqa: ANN001
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    if "websocket.http.response" in scope.get("extensions", {}):
        body = json.dumps({"detail": bad_tokens_message()}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"retry-after", str(wait).encode()),
            (b"cache-control", b"no-store"),
        ]
        await send({"type": "websocket.http.response.start", "status": 429, "headers": headers})
        await send({"type": "websocket.http.response.body", "body": body})
        return
    await send({"type": "websocket.close", "code": CLOSE_TOO_MANY_TOKENS})


class TokenAuthMiddleware:
    """`Authorization: Token <key>` on the handshake sets the user, as the HTTP API does.

    Sits inside AuthMiddlewareStack: a token, when given, wins over the session cookie; a wrong
    token makes the client anonymous (and so refused), never falls back to the cookie, and
    counts against its address (TokenAttemptsLimit).
    """

    def __init__(self, app) -> None:  # noqa: ANN001
        self.app = app

    async def __call__(self, scope, receive, send):  # noqa: ANN001, ANN204
        key = token_key(scope)
        if key:
            user = await user_for_token(key)
            if not user.is_authenticated:
                await _tokens_record(scope_client_ip(scope))
            scope = dict(
                scope,
                user=user,
                **{TOKEN_CREDENTIAL: credential_id("token", token_digest(key))},
            )
        elif key is not None:  # an Authorization header that is not a token
            scope = dict(scope, user=AnonymousUser())
        return await self.app(scope, receive, send)


def token_key(scope: dict) -> str | None:
    """The key of the handshake's `Authorization: Token <key>` header; "" for another
    `Authorization` header, None without one."""
    header = _header(scope, b"authorization")
    if header is None:
        return None
    keyword, _, key = header.strip().partition(" ")
    return key.strip() if keyword.lower() == "token" else ""


class OriginValidator:
    """Browsers always send `Origin`: it must be the site's own origin (scheme, host and port)
    or one of CSRF_TRUSTED_ORIGINS, as Django's CSRF check asks of a form.

    A client without `Origin` is a program, not a page another site opened: it is let through
    only with an `Authorization` header, since a cookie alone proves nothing about who drives it.
    """

    def __init__(self, app) -> None:  # noqa: ANN001
        self.app = app

    async def __call__(self, scope, receive, send):  # noqa: ANN001, ANN204
        if origin_allowed(scope):
            return await self.app(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)


DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_tuple(origin: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an `http(s)://host[:port]` origin, None if it is not one."""
    try:
        parsed = urlsplit(origin.strip().lower())
        port = parsed.port
    except ValueError:
        return None
    if parsed.scheme not in DEFAULT_PORTS or not parsed.hostname or parsed.path not in ("", "/"):
        return None
    return parsed.scheme, parsed.hostname, port or DEFAULT_PORTS[parsed.scheme]


def own_origin(scope: dict) -> tuple[str, str, int] | None:
    """The origin a page of this site has when it opens this socket: the scheme the client
    used (wss: https; behind a TLS proxy, its SECURE_PROXY_SSL_HEADER), the `Host` header's
    host and port. None when `Host` is missing or not in ALLOWED_HOSTS."""
    host = _header(scope, b"host")
    if not host:
        return None
    domain, port = split_domain_port(host.lower())
    allowed = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    if not domain or not validate_host(domain, allowed):
        return None
    scheme = "https" if scope.get("scheme") in ("wss", "https") else "http"
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        name, value = proxy_header
        header_name = name.removeprefix("HTTP_").lower().replace("_", "-").encode("latin1")
        forwarded = _header(scope, header_name)
        if forwarded is not None:
            scheme = "https" if forwarded.split(",")[0].strip() == value else "http"
    try:
        number = int(port) if port else DEFAULT_PORTS[scheme]
    except ValueError:
        return None
    return scheme, domain, number


def origin_allowed(scope: dict) -> bool:
    origin = _header(scope, b"origin")
    if origin is None:
        return _header(scope, b"authorization") is not None
    claimed = _origin_tuple(origin)
    if claimed is None:
        return False
    trusted = (_origin_tuple(o) for o in settings.CSRF_TRUSTED_ORIGINS if "*" not in o)
    if claimed in trusted:
        return True
    own = own_origin(scope)
    return own is not None and _same_host(claimed, own)


def _same_host(claimed: tuple[str, str, int], own: tuple[str, str, int]) -> bool:
    # urlsplit gives IPv6 hosts without brackets; the Host header has them.
    return claimed == (own[0], own[1].strip("[]"), own[2])
