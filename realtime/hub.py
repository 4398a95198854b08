"""The process-local hub: one subscription per worker, one serialisation per message.

Each worker process (each event loop) has one `Hub`. It subscribes to the broker
(`realtime/broker.py`) and writes each message to the local sockets of its audience
(`realtime/fanout.py`), so the cost of a change grows with workers and changes, not with
sockets × changes. Snapshots come from `realtime/snapshots.py`, access rechecks from
`realtime/access.py`; the hub ties them to the socket lifecycle, the seq bookkeeping and the
heartbeat.

A socket joins in three steps that miss nothing (docs/realtime.md): it is registered while
*buffering*, the audience's current seq is read, the snapshot is read from the database and
sent with that seq, then buffered messages with a higher seq are flushed and the socket goes live.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from asgiref.sync import sync_to_async

from realtime import access, publisher
from realtime import broker as brokers
from realtime.fanout import (  # noqa: F401 (the consumers' close codes)
    CLOSE_FORBIDDEN,
    CLOSE_RETRY,
    CLOSE_TOO_MANY_RESYNCS,
    CLOSE_UNAUTHENTICATED,
    Closer,
    Member,
    Sink,
    Sockets,
)
from realtime.snapshots import SnapshotCache

logger = logging.getLogger(__name__)

# How long a joining socket waits for the subscription before going on in degraded mode.
READY_WAIT_SECONDS = 1.0

_hubs: dict[asyncio.AbstractEventLoop, Hub] = {}


def heartbeat_seconds() -> float:
    """How often each hub tells every socket whether its feed is live (`status`); 0: never."""
    from django.conf import settings

    return float(getattr(settings, "BEDWATCH_HEARTBEAT_SECONDS", 0) or 0)


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat(timespec="seconds")


class Hub:
    """A broker subscriber (`broker.Subscriber`) feeding this event loop's sockets."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.broker = brokers.broker()
        self.sockets = Sockets(self._spawn)
        self.members = self.sockets.members
        self.by_user = self.sockets.by_user
        self.snapshots = SnapshotCache(loop)
        self.queue: asyncio.Queue[tuple[str, int, str] | tuple[str, None, None]] = asyncio.Queue()
        # Highest seq known per audience (never above the real one) and last one dispatched.
        self.known_seq: dict[str, int] = {}
        self.delivered_seq: dict[str, int] = {}
        self.connected = False
        # Since when the subscription is down (time.time()), None while it is up.
        self.failing_since: float | None = None
        self.ready = asyncio.Event()
        self.tasks: list[asyncio.Task] = []
        # Per-socket writers and closes in flight (cancelled by `close`).
        self._background: set[asyncio.Task] = set()
        self._started = False
        if isinstance(self.broker, brokers.MemoryBroker):  # one process: nothing to wait for
            self.connected = True
            self.ready.set()

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        self.tasks.append(self.loop.create_task(self._dispatch(), name="bedwatch-hub-dispatch"))
        self.tasks.append(
            self.loop.create_task(self.broker.run(self), name="bedwatch-hub-subscription")
        )
        every = access.access_recheck_seconds()
        if every > 0:
            self.tasks.append(
                self.loop.create_task(self._recheck_every(every), name="bedwatch-hub-recheck")
            )
        every = heartbeat_seconds()
        if every > 0:
            self.tasks.append(
                self.loop.create_task(self._heartbeat_every(every), name="bedwatch-hub-heartbeat")
            )

    async def close(self) -> None:
        tasks = [*self.tasks, *self._background]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.tasks.clear()
        self._background.clear()
        _hubs.pop(self.loop, None)

    @property
    def state(self) -> str:
        if isinstance(self.broker, brokers.MemoryBroker):
            return "local"
        return "ok" if self.connected else "degraded"

    # -- the broker's hooks ----------------------------------------------------------------

    def on_up(self) -> None:
        """Subscribed (again): what was published meanwhile did not arrive, so every socket
        gets a fresh snapshot and its access is judged again."""
        was_down = self.failing_since is not None
        self.known_seq.clear()
        self.delivered_seq.clear()
        # Reports stored while the broker was away did not move the seq: a snapshot cached
        # under the same seq may predate them.
        self.snapshots.clear()
        self.connected = True
        self.ready.set()
        if was_down:
            logger.warning(
                "realtime: Redis is back after %.1f s, resyncing local sockets",
                time.time() - (self.failing_since or time.time()),
            )
        self.failing_since = None
        if isinstance(self.broker, brokers.MemoryBroker):
            return  # nothing can have been missed
        # Live again, then a snapshot each: a page shows "live" only after the latter.
        self.broadcast_status()
        self.resync_all()
        self.recheck_all()
        self._spawn(
            sync_to_async(publisher.flush_pending_resync, thread_sensitive=False)(),
            "bedwatch-hub-flush",
        )

    def on_down(self, error: Exception) -> None:
        was_connected = self.connected
        if self.failing_since is None:
            self.failing_since = time.time()
            logger.error("realtime: Redis subscription lost (%s); retrying", error)
        self.connected = False
        self.ready.clear()
        if was_connected:  # tell the pages at once: their figures are frozen
            self.broadcast_status()

    def on_message(self, audience: str, seq: int, body: str) -> None:
        self.post(audience, seq, publisher.with_seq(body, seq))

    def on_resync(self, audience: str) -> None:
        self.queue.put_nowait((audience, None, None))

    def on_access(self, body: str) -> None:
        message = access.parse(body)
        if message is not None:
            self.access_changed(message)

    # -- sockets ---------------------------------------------------------------------------

    async def join(
        self,
        audience: str,
        sink: Sink,
        closer: Closer | None = None,
        *,
        user_id: int | None = None,
        credential: str = "",
        recheck: Callable[[], Awaitable[int | None]] | None = None,
    ) -> Member:
        """Register a socket and send it its snapshot; from then on it gets every change.

        `sink(text)` sends one message; `closer(code)` closes the socket when the hub cannot
        serve it (its snapshot failed, it fell behind) or its user lost access. `user_id`,
        `credential` and `recheck` let `revoke` and `recheck_user` find and judge it.
        """
        self.start()
        if not self.ready.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.ready.wait(), READY_WAIT_SECONDS)
        member = Member(
            audience=audience,
            sink=sink,
            closer=closer,
            user_id=user_id,
            credential=credential,
            recheck=recheck,
        )
        self.sockets.add(member)
        if not self.connected:  # its snapshot is read all the same, but nothing will follow
            self.sockets.write(member, self.status_text())
        await self._sync(audience, [member])
        return member

    def leave(self, member: Member) -> None:
        """Forget a socket: it gets nothing more, and its backlog and writer go."""
        self.sockets.remove(member)

    async def resync(self, member: Member) -> None:
        """A fresh snapshot for one socket (it saw a gap, or asked)."""
        member.buffering = True
        await self._sync(member.audience, [member])

    def schedule_resync(self, audience: str) -> None:
        """A fresh snapshot for every local socket of an audience, one database read for all."""
        members = list(self.members.get(audience, ()))
        for member in members:
            member.buffering = True  # from now on, messages wait for the snapshot
        if members:
            self._spawn(self._sync(audience, members), "bedwatch-hub-resync")

    def resync_all(self) -> None:
        for audience in list(self.members):
            self.schedule_resync(audience)

    async def _sync(self, audience: str, members: list[Member]) -> None:
        generations = {}
        for member in members:
            member.generation += 1
            generations[member] = member.generation
        seq = await self._current_seq(audience)
        try:
            text = await self.snapshots.text(audience, seq, authoritative=self.connected)
        except Exception:
            logger.exception("realtime snapshot of %s failed", audience)
            for member in members:
                self.sockets.close(member)
            return
        for member in members:
            if member.generation != generations[member] or member.gone:
                continue  # a newer resync of this socket is under way, or it went away
            # Snapshot, then what arrived meanwhile, then live: writes do not await, so
            # nothing can land in the buffer between the flush and the switch.
            self.sockets.write(member, text)
            for msg_seq, msg_text in member.buffer:
                if msg_seq > seq:
                    self.sockets.write(member, msg_text)
            member.buffer = []
            member.buffering = False

    async def _current_seq(self, audience: str) -> int:
        """A seq no higher than the audience's real one, read after the subscription is up.

        A lower seq is safe (a change may reach the socket twice); a higher one would lose one.
        """
        if isinstance(self.broker, brokers.MemoryBroker):
            return self.broker.seq(audience)
        if self.connected and audience in self.known_seq:
            return self.known_seq[audience]
        try:
            value = await self.broker.current_seq(audience)
        except Exception as exc:
            logger.warning(
                "realtime: cannot read seq of %s (%s); resync on recovery", audience, exc
            )
            return self.known_seq.get(audience, 0)
        if self.connected:
            self.known_seq[audience] = max(self.known_seq.get(audience, 0), value)
        return value

    # -- status ----------------------------------------------------------------------------

    def status_text(self) -> str:
        """`{"type":"status","live":…,"as_of":…,"every":…}`, with `since` while degraded.

        `live` is false while this worker's subscription is down: figures it sends may be out
        of date and changes do not reach it. `every`: seconds until the next one."""
        live = self.connected or isinstance(self.broker, brokers.MemoryBroker)
        body: dict[str, Any] = {"type": "status", "live": live, "as_of": _iso(time.time())}
        every = heartbeat_seconds()
        if every > 0:
            body["every"] = every
        if not live and self.failing_since is not None:
            body["since"] = _iso(self.failing_since)
        return json.dumps(body, separators=(",", ":"))

    def broadcast_status(self) -> None:
        """Tell every socket here whether the feed is live (one serialisation for all)."""
        self.sockets.write_all(self.status_text())

    async def _heartbeat_every(self, seconds: float) -> None:
        """A `status` to every socket every `seconds`: a page that hears nothing for two of
        them knows its connection is gone, even when no close reached it."""
        while True:
            await asyncio.sleep(seconds)
            try:
                self.broadcast_status()
            except Exception:
                logger.exception("realtime: heartbeat failed")

    # -- access ----------------------------------------------------------------------------

    def access_changed(self, message: dict) -> None:
        """Handle a message of `publisher.revoke_sockets` / `recheck_sockets`."""
        try:
            user_id = int(message["user"])
            if message.get("op") == "recheck":
                self.recheck_user(user_id)
            else:
                self.revoke(user_id, message.get("credential"))
        except Exception:
            logger.exception("realtime: bad access message %r", message)

    def revoke(self, user_id: int, credential: str | None = None) -> None:
        """Close (4401) the user's sockets here: all, or those opened with `credential`."""
        access.revoke(self.by_user.get(user_id, ()), credential, self.sockets.close)

    def recheck_user(self, user_id: int) -> None:
        """Ask each of the user's sockets here whether it still may follow its audience (in a
        task: it reads the database), closing those that may not."""
        members = list(self.by_user.get(user_id, ()))
        if members:
            self._spawn(access.recheck(members, self.sockets.close), "bedwatch-hub-recheck")

    def recheck_all(self) -> None:
        """Judge every socket here again (access messages may have been lost)."""
        members = self.sockets.of_users()
        if members:
            self._spawn(
                access.recheck(members, self.sockets.close, sweep=True),
                "bedwatch-hub-recheck-all",
            )

    async def _recheck_every(self, seconds: float) -> None:
        """Judge every socket here again every `seconds`, whatever the messages said: a session
        expires, and access changed without a signal (`QuerySet.update`, SQL) sends none."""
        while True:
            await asyncio.sleep(seconds)
            await access.recheck(self.sockets.of_users(), self.sockets.close, sweep=True)

    # -- messages --------------------------------------------------------------------------

    def post(self, audience: str, seq: int, text: str) -> None:
        """Queue a message (call on the hub's loop)."""
        self.queue.put_nowait((audience, seq, text))

    async def _dispatch(self) -> None:
        # One coroutine delivers every message in order: each socket sees seq increasing.
        while True:
            audience, seq, text = await self.queue.get()
            try:
                if seq is None:
                    self.schedule_resync(audience)
                    continue
                for member in self._route(audience, seq, text):
                    self.sockets.write(member, text)
            except Exception:
                logger.exception("realtime dispatch failed for %s", audience)

    def _route(self, audience: str, seq: int, text: str) -> list[Member]:
        """Buffer the message for joining sockets; return the live ones to write it to."""
        last = self.delivered_seq.get(audience)
        self.delivered_seq[audience] = seq
        self.known_seq[audience] = max(self.known_seq.get(audience, 0), seq)
        if last is not None and seq != last + 1:
            # Something was lost on the way (it should not be): resend a snapshot instead.
            logger.warning("realtime: %s jumped from seq %s to %s, resyncing", audience, last, seq)
            self.schedule_resync(audience)
            return []
        live = []
        for member in self.members.get(audience, ()):
            if member.buffering:
                member.buffer.append((seq, text))
            else:
                live.append(member)
        return live

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task:
        task = self.loop.create_task(coro, name=name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task


def get_hub() -> Hub:
    """The hub of the running event loop (one per worker process)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        for old_loop in [lp for lp in _hubs if lp.is_closed()]:
            _hubs.pop(old_loop, None)
        hub = _hubs[loop] = Hub(loop)
    return hub


async def close_all() -> None:
    """Stop the hub of the running loop (tests, shutdown)."""
    hub = _hubs.get(asyncio.get_running_loop())
    if hub is not None:
        await hub.close()
