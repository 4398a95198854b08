"""Handshake middleware: token authentication and the origin check for browsers."""

from __future__ import annotations

from urllib.parse import urlparse

from channels.db import database_sync_to_async
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.request import split_domain_port, validate_host

from accounts.tokens import token_digest
from realtime.publisher import credential_id


def _header(scope: dict, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return None


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


class TokenAuthMiddleware:
    """`Authorization: Token <key>` on the handshake sets the user, as the HTTP API does.

    Sits inside AuthMiddlewareStack: a token, when given, wins over the session cookie; a wrong
    token makes the client anonymous (and so refused), never falls back to the cookie.
    """

    def __init__(self, app) -> None:  # noqa: ANN001
        self.app = app

    async def __call__(self, scope, receive, send):  # noqa: ANN001, ANN204
        key = token_key(scope)
        if key:
            scope = dict(
                scope,
                user=await user_for_token(key),
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
    """Browsers always send `Origin`: it must name one of ALLOWED_HOSTS (or a trusted origin).

    A client without `Origin` is a program, not a page another site opened: it is let through
    only with an `Authorization` header, since a cookie alone proves nothing about who drives it.
    """

    def __init__(self, app) -> None:  # noqa: ANN001
        self.app = app

    async def __call__(self, scope, receive, send):  # noqa: ANN001, ANN204
        if origin_allowed(scope):
            return await self.app(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)


def origin_allowed(scope: dict) -> bool:
    origin = _header(scope, b"origin")
    if origin is None:
        return _header(scope, b"authorization") is not None
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    parsed = urlparse(origin)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return False
    host, _port = split_domain_port(parsed.netloc)
    allowed = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    return validate_host(host or parsed.hostname, allowed)
