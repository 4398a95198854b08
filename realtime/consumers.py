"""Live feed sockets: one consumer per socket, fed by the process hub (docs/realtime.md)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from importlib import import_module

from channels.auth import get_user
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from accounts.scopes import national_can_read, region_can_read
from realtime.fanout import (
    CLOSE_FORBIDDEN,
    CLOSE_TOO_MANY_RESYNCS,
    CLOSE_UNAUTHENTICATED,
    Member,
)
from realtime.hub import get_hub
from realtime.middleware import DIRECT_SEND, TOKEN_CREDENTIAL, token_key, user_for_token
from realtime.publisher import NATIONAL, credential_id, region_audience
from regions.selectors import region_get

logger = logging.getLogger(__name__)


class AudienceConsumer(AsyncWebsocketConsumer):
    """Refuses at the handshake anyone outside the audience; then snapshot, then changes.

    The hub closes the socket later if its user logs out, is deactivated or loses the scope
    (4401/4403, docs/realtime.md).
    """

    member: Member | None = None
    last_resync: float | None = None

    async def audience(self, user) -> str | None:  # noqa: ANN001
        """The audience `user` may follow on this path, or None to refuse."""
        raise NotImplementedError

    async def connect(self) -> None:
        user = self.scope.get("user")
        audience = await self.audience(user) if user is not None else None
        if audience is None:
            await self.close()  # before accept: the handshake is refused (HTTP 403)
            return
        await self.accept()
        self.member = await get_hub().join(
            audience,
            self.sink(),
            self.close_with,
            user_id=user.pk,
            credential=self.credential(),
            recheck=self.recheck,
        )

    async def disconnect(self, code: int) -> None:
        if self.member is not None:
            get_hub().leave(self.member)
            self.member = None

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            message = json.loads(text_data or "")
        except ValueError:
            message = None
        if isinstance(message, dict) and message.get("type") == "resync" and self.member:
            if not self.resync_allowed():
                logger.warning(
                    "realtime: a socket of %s asked to resync too often", self.member.audience
                )
                await self.close(code=CLOSE_TOO_MANY_RESYNCS)
                return
            await get_hub().resync(self.member)
            return
        await self.send(text_data=json.dumps({"type": "error", "detail": "unknown message"}))

    def resync_allowed(self) -> bool:
        """One `resync` per BEDWATCH_RESYNC_MIN_SECONDS: each costs a snapshot (a national one
        is ~800 KiB), so a client asking in a loop is closed (4429) instead of served."""
        every = float(getattr(settings, "BEDWATCH_RESYNC_MIN_SECONDS", 0) or 0)
        now = time.monotonic()
        if every > 0 and self.last_resync is not None and now - self.last_resync < every:
            return False
        self.last_resync = now
        return True

    async def send_text(self, text: str) -> None:
        await self.send(text_data=text)

    def sink(self) -> Callable[[str], Awaitable[None]]:
        """What the hub writes this socket's messages with: the server's own send when the
        stack kept it (DirectSendMiddleware), else the consumer's."""
        direct = self.scope.get(DIRECT_SEND)
        if direct is None:
            return self.send_text

        async def send_direct(text: str) -> None:
            await direct({"type": "websocket.send", "text": text})

        return send_direct

    async def close_with(self, code: int) -> None:
        await self.close(code=code)

    def credential(self) -> str:
        """The token the socket was opened with, else its session (`credential_id`)."""
        token = self.scope.get(TOKEN_CREDENTIAL)
        if token:
            return token
        session = self.scope.get("session")
        key = getattr(session, "session_key", None) if session is not None else None
        return credential_id("session", key) if key else ""

    async def recheck(self) -> int | None:
        """None while the socket's credential still authenticates its user and that user, as
        stored now, may still follow its audience; else the close code.

        Judged from the database alone, not from the message that asked: after a lost access
        message (the hub rechecks every socket when its Redis subscription comes back), a
        deleted token, an ended session or a deactivated user is still found out here."""
        user = await self.authenticated_user()
        if user is None or user.pk != self.scope["user"].pk:
            return CLOSE_UNAUTHENTICATED
        allowed = self.member is not None and await self.audience(user) == self.member.audience
        return None if allowed else CLOSE_FORBIDDEN

    async def authenticated_user(self):  # noqa: ANN201
        """Who the socket's credential names now, as its handshake would find it: the token
        of its `Authorization` header, else its session; None if it names no active user."""
        key = token_key(self.scope)
        if key:
            user = await user_for_token(key)
        else:
            session = self.scope.get("session")
            session_key = getattr(session, "session_key", None) if session is not None else None
            if not session_key:
                return None
            # A store of its own: the socket's store keeps what it read at the handshake.
            store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
            user = await get_user({"session": store})
        return user if user.is_authenticated else None


class RegionConsumer(AudienceConsumer):
    async def audience(self, user) -> str | None:  # noqa: ANN001
        code = self.scope["url_route"]["kwargs"]["code"]
        allowed = await _region_allowed(user, code)
        return region_audience(code) if allowed else None


class NationalConsumer(AudienceConsumer):
    async def audience(self, user) -> str | None:  # noqa: ANN001
        allowed = await database_sync_to_async(national_can_read)(user)
        return NATIONAL if allowed else None


@database_sync_to_async
def _region_allowed(user, code: str) -> bool:  # noqa: ANN001
    if user is None or not user.is_authenticated:
        return False
    # region_get refuses what cannot be a code before any query (a NUL breaks PostgreSQL); the
    # feed is the région's own code, not a département's alias of it.
    region = region_get(code=code)
    return region is not None and region.code == code and region_can_read(user, region)
