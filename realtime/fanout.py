"""Fan-out: a hub's sockets, and writing one text to many of them without waiting on any one.

A write that cannot complete at once (the server paused that connection's transport) gives
the socket a bounded backlog and a task of its own; the others are written meanwhile. A socket
too far behind is closed (1011) to reconnect and start again from a snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import types
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Generator
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

Sink = Callable[[str], Awaitable[None]]
Closer = Callable[[int], Awaitable[None]]
Spawn = Callable[[Coroutine[Any, Any, None], str], asyncio.Task]

# How far a socket whose send waits (its transport is paused) may fall behind before it is
# closed with 1011 to reconnect and start again from a snapshot: messages, or characters of
# text (≈ bytes). A few national snapshots (820 KiB each), or minutes of changes.
BACKLOG_MAX_MESSAGES = 1000
BACKLOG_MAX_CHARS = 4 * 1024 * 1024
# Close codes (docs/realtime.md): try again (too far behind, snapshot failed); no longer
# authenticated (logged out, deactivated, token deleted); no longer allowed (scope changed);
# asked for snapshots faster than BEDWATCH_RESYNC_MIN_SECONDS allows.
CLOSE_RETRY = 1011
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_TOO_MANY_RESYNCS = 4429
# A handshake refused for too many wrong tokens from its address (realtime/middleware.py):
# the same "too many, come back later" as the resyncs'.
CLOSE_TOO_MANY_TOKENS = 4429


@dataclass(eq=False)
class Member:
    """One socket of one audience, as the hub sees it."""

    audience: str
    sink: Sink
    closer: Closer | None = None
    # Who opened it, with what (`publisher.credential_id`), and how to ask whether they still
    # may follow the audience: None, or the close code.
    user_id: int | None = None
    credential: str = ""
    recheck: Callable[[], Awaitable[int | None]] | None = None
    buffering: bool = True
    buffer: list[tuple[int, str]] = field(default_factory=list)
    generation: int = 0
    # While a send waits: the messages behind it, their size, and the task writing them.
    backlog: deque[str] | None = None
    backlog_chars: int = 0
    writer: asyncio.Task | None = None
    gone: bool = False


class Sockets:
    """A hub's sockets by audience and by user; `write` and `close` never wait on one."""

    def __init__(self, spawn: Spawn) -> None:
        self.spawn = spawn
        self.members: dict[str, set[Member]] = {}
        self.by_user: dict[int, set[Member]] = {}

    def add(self, member: Member) -> None:
        self.members.setdefault(member.audience, set()).add(member)
        if member.user_id is not None:
            self.by_user.setdefault(member.user_id, set()).add(member)

    def remove(self, member: Member) -> None:
        """Forget a socket: it gets nothing more, and its backlog and writer go."""
        member.gone = True
        members = self.members.get(member.audience)
        if members is not None:
            members.discard(member)
            if not members:
                del self.members[member.audience]
        mine = self.by_user.get(member.user_id) if member.user_id is not None else None
        if mine is not None:
            mine.discard(member)
            if not mine:
                del self.by_user[member.user_id]
        writer, member.writer = member.writer, None
        member.backlog, member.backlog_chars = None, 0
        if writer is not None and writer is not asyncio.current_task():
            writer.cancel()

    def every(self) -> list[Member]:
        return [member for members in self.members.values() for member in members]

    def of_users(self) -> list[Member]:
        return [member for mine in self.by_user.values() for member in mine]

    def write(self, member: Member, text: str) -> None:
        """Send `text` to the socket now if its send completes without waiting, else queue it.

        The send coroutine is started by hand (what Python 3.12's eager tasks do): the ASGI
        server's send returns at once unless the connection's transport is paused. When it
        waits, the socket gets a backlog and a writer task of its own, and every later message
        of that socket goes to the backlog until it is empty again, so its order is kept.
        """
        if member.gone:
            return
        if member.backlog is not None:
            member.backlog.append(text)
            member.backlog_chars += len(text)
            if (
                len(member.backlog) > BACKLOG_MAX_MESSAGES
                or member.backlog_chars > BACKLOG_MAX_CHARS
            ):
                self._overflow(member)
            return
        send = member.sink(text)
        try:
            waiting_on = send.send(None)
        except StopIteration:
            return  # written
        except Exception:  # the socket went away: forget it
            self.remove(member)
            return
        member.backlog, member.backlog_chars = deque(), 0
        member.writer = self.spawn(
            self._drain(member, _resume(send, waiting_on)), "bedwatch-hub-writer"
        )

    def write_all(self, text: str) -> None:
        for member in self.every():
            self.write(member, text)

    async def _drain(self, member: Member, pending: Awaitable[None]) -> None:
        """Finish the send that waited, then write the backlog in order, then go back to
        writing at once."""
        try:
            await pending
            while member.backlog:
                text = member.backlog.popleft()
                member.backlog_chars -= len(text)
                await member.sink(text)
        except Exception:  # the socket went away: forget it
            self.remove(member)
            return
        if not member.gone:
            member.backlog, member.backlog_chars, member.writer = None, 0, None

    def _overflow(self, member: Member) -> None:
        logger.warning(
            "realtime: a socket of %s fell %d messages (%d chars) behind, closing it (%d)",
            member.audience,
            len(member.backlog or ()),
            member.backlog_chars,
            CLOSE_RETRY,
        )
        self.close(member)

    def close(self, member: Member, code: int = CLOSE_RETRY) -> None:
        """Stop feeding the socket and close it with `code` (with CLOSE_RETRY its client
        reconnects and starts again from a snapshot). The close frame waits behind what the
        socket has not read yet; nothing is sent to it meanwhile."""
        self.remove(member)
        if member.closer is not None:
            self.spawn(_run_close(member.closer, code), "bedwatch-hub-close")


async def _run_close(closer: Closer, code: int) -> None:
    with contextlib.suppress(Exception):
        await closer(code)


@types.coroutine
def _resume(coro: Coroutine[Any, Any, None], waiting_on: Any) -> Generator[Any, None, None]:
    """The rest of `coro`, which `coro.send(None)` already ran until it yielded `waiting_on`:
    awaiting this is what awaiting `coro` from the start would have done from there on."""
    while True:
        try:
            try:
                yield waiting_on
            except BaseException as exc:  # cancelled: let the send clean up as if awaited
                waiting_on = coro.throw(exc)
            else:
                waiting_on = coro.send(None)
        except StopIteration as stop:
            return stop.value
