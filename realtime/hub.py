"""The process-local hub: one subscription per worker, one serialisation per message.

Each worker process (each event loop) has one `Hub`. With Redis it holds a single PSUBSCRIBE to
every audience's channel; without Redis the publisher hands messages over directly. The hub
writes the same text to every local socket of the audience, so the cost of a change grows with
workers and changes, not with sockets × changes.

A socket joins in three steps that miss nothing (docs/realtime.md): it is registered while
*buffering*, the audience's current seq is read, the snapshot is read from the database and
sent with that seq, then buffered messages with a higher seq are flushed and the socket goes live.

Writes never wait on one socket's network: a send that cannot complete at once (the server
paused that connection's transport) gives the socket a bounded backlog and a task of its own,
and the hub goes on with the others (`_write`).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import time
import types
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from redis.exceptions import ConnectionError as RedisConnectionError

from realtime import publisher

logger = logging.getLogger(__name__)

Sink = Callable[[str], Awaitable[None]]
Closer = Callable[[int], Awaitable[None]]
SnapshotProvider = Callable[[str], dict | None]

# How long one snapshot read serves sockets joining at the same seq (a reconnect storm).
SNAPSHOT_REUSE_SECONDS = 2.0
# How long a joining socket waits for the subscription before going on in degraded mode.
READY_WAIT_SECONDS = 1.0
# Retries of a lost Redis subscription: at most a second apart, so that sockets are current
# again within ~2 s of Redis coming back (docs/realtime.md).
RETRY_MIN_SECONDS, RETRY_MAX_SECONDS = 0.2, 1.0
# How far a socket whose send waits (its transport is paused) may fall behind before it is
# closed with 1011 to reconnect and start again from a snapshot: messages, or characters of
# text (≈ bytes). A few national snapshots (820 KiB each), or minutes of changes.
BACKLOG_MAX_MESSAGES = 1000
BACKLOG_MAX_CHARS = 4 * 1024 * 1024
# Close codes (docs/realtime.md): try again (too far behind, snapshot failed); no longer
# authenticated (logged out, deactivated, token deleted); no longer allowed (scope changed).
CLOSE_RETRY = 1011
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
# Asked for snapshots faster than BEDWATCH_RESYNC_MIN_SECONDS allows.
CLOSE_TOO_MANY_RESYNCS = 4429


def heartbeat_seconds() -> float:
    """How often each hub tells every socket whether its feed is live (`status`); 0: never."""
    from django.conf import settings

    return float(getattr(settings, "BEDWATCH_HEARTBEAT_SECONDS", 0) or 0)


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat(timespec="seconds")


def access_recheck_seconds() -> float:
    """How often each hub judges all its sockets' access again (`Hub._recheck_every`); 0: never."""
    from django.conf import settings

    return float(getattr(settings, "BEDWATCH_ACCESS_RECHECK_SECONDS", 0) or 0)


_snapshot_provider: SnapshotProvider | None = None
_hubs: dict[asyncio.AbstractEventLoop, Hub] = {}


def set_snapshot_provider(provider: SnapshotProvider) -> None:
    """Register `provider(audience) -> {"type": "snapshot", …}` (sync, may query the database).

    It returns None for an audience that does not exist. The app that owns the data registers
    it (beds does, in its AppConfig.ready).
    """
    global _snapshot_provider
    _snapshot_provider = provider


def snapshot_event(audience: str) -> dict | None:
    if _snapshot_provider is None:
        raise RuntimeError("no realtime snapshot provider registered")
    return _snapshot_provider(audience)


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


class Hub:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.members: dict[str, set[Member]] = {}
        self.by_user: dict[int, set[Member]] = {}
        self.queue: asyncio.Queue[tuple[str, int, str] | tuple[str, None, None]] = asyncio.Queue()
        # Highest seq known per audience (never above the real one) and last one dispatched.
        self.known_seq: dict[str, int] = {}
        self.delivered_seq: dict[str, int] = {}
        self.url = publisher.redis_url()
        self.connected = not self.url
        # Since when the Redis subscription is down (time.time()), None while it is up.
        self.failing_since: float | None = None
        self.ready = asyncio.Event()
        if not self.url:
            self.ready.set()
        self.tasks: list[asyncio.Task] = []
        # audience -> (seq, read at, unpublished count when read, text)
        self._snapshots: dict[str, tuple[int, float, int, str]] = {}
        self._inflight: dict[tuple[str, int], asyncio.Future[str]] = {}
        # Per-socket writers and closes in flight (cancelled by `close`).
        self._background: set[asyncio.Task] = set()
        self._started = False

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        self.tasks.append(self.loop.create_task(self._dispatch(), name="bedwatch-hub-dispatch"))
        every = access_recheck_seconds()
        if every > 0:
            self.tasks.append(
                self.loop.create_task(self._recheck_every(every), name="bedwatch-hub-recheck")
            )
        if self.url:
            self.tasks.append(self.loop.create_task(self._subscribe(), name="bedwatch-hub-redis"))
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
        if not self.url:
            return "local"
        return "ok" if self.connected else "degraded"

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
        self.members.setdefault(audience, set()).add(member)
        if user_id is not None:
            self.by_user.setdefault(user_id, set()).add(member)
        if not self.connected:  # its snapshot is read all the same, but nothing will follow
            self._write(member, self.status_text())
        await self._sync(audience, [member])
        return member

    def leave(self, member: Member) -> None:
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
            self.loop.create_task(self._sync(audience, members))

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
            text = await self._snapshot_text(audience, seq)
        except Exception:
            logger.exception("realtime snapshot of %s failed", audience)
            for member in members:
                self._close_member(member)
            return
        for member in members:
            if member.generation != generations[member] or member.gone:
                continue  # a newer resync of this socket is under way, or it went away
            # Snapshot, then what arrived meanwhile, then live: writes do not await, so
            # nothing can land in the buffer between the flush and the switch.
            self._write(member, text)
            for msg_seq, msg_text in member.buffer:
                if msg_seq > seq:
                    self._write(member, msg_text)
            member.buffer = []
            member.buffering = False

    def _write(self, member: Member, text: str) -> None:
        """Send `text` to the socket now if its send completes without waiting, else queue it.

        The send coroutine is started by hand (what Python 3.12's eager tasks do): uvicorn's
        send returns at once unless the connection's transport is paused. When it waits, the
        socket gets a backlog and a writer task of its own, and every later message of that
        socket goes to the backlog until it is empty again, so its order is kept.
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
            self.leave(member)
            return
        member.backlog, member.backlog_chars = deque(), 0
        member.writer = self._spawn(
            self._drain(member, _resume(send, waiting_on)), "bedwatch-hub-writer"
        )

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
            self.leave(member)
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
        self._close_member(member)

    def _close_member(self, member: Member, code: int = CLOSE_RETRY) -> None:
        """Stop feeding the socket and close it with `code` (with CLOSE_RETRY its client
        reconnects and starts again from a snapshot). The close frame waits behind what the
        socket has not read yet; nothing is sent to it meanwhile."""
        self.leave(member)
        if member.closer is not None:
            self._spawn(self._run_close(member.closer, code), "bedwatch-hub-close")

    @staticmethod
    async def _run_close(closer: Closer, code: int) -> None:
        with contextlib.suppress(Exception):
            await closer(code)

    # -- status ----------------------------------------------------------------------------

    def status_text(self) -> str:
        """`{"type":"status","live":…,"as_of":…,"every":…}`, with `since` while degraded.

        `live` is false while this worker's Redis subscription is down: figures it sends may be
        out of date and changes do not reach it. `every`: seconds until the next one."""
        live = self.connected
        body: dict[str, Any] = {"type": "status", "live": live, "as_of": _iso(time.time())}
        every = heartbeat_seconds()
        if every > 0:
            body["every"] = every
        if not live and self.failing_since is not None:
            body["since"] = _iso(self.failing_since)
        return json.dumps(body, separators=(",", ":"))

    def broadcast_status(self) -> None:
        """Tell every socket here whether the feed is live (one serialisation for all)."""
        text = self.status_text()
        for members in list(self.members.values()):
            for member in list(members):
                self._write(member, text)

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

    def revoke(self, user_id: int, credential: str | None = None) -> None:
        """Close (4401) the user's sockets here: all, or those opened with `credential`."""
        for member in list(self.by_user.get(user_id, ())):
            if credential is None or member.credential == credential:
                self._close_member(member, CLOSE_UNAUTHENTICATED)

    def recheck_user(self, user_id: int) -> None:
        """Ask each of the user's sockets here whether it still may follow its audience (in a
        task: it reads the database), closing those that may not."""
        members = list(self.by_user.get(user_id, ()))
        if members:
            self._spawn(self._recheck(members), "bedwatch-hub-recheck")

    def recheck_all(self) -> None:
        """Judge every socket here again. Called each time the Redis subscription is (re)made:
        access messages published while it was down never reached this hub."""
        members = self._all_members()
        if members:
            self._spawn(self._recheck(members, sweep=True), "bedwatch-hub-recheck-all")

    async def _recheck_every(self, seconds: float) -> None:
        """Judge every socket here again every `seconds`, whatever the messages said: a session
        expires, and access changed without a signal (`QuerySet.update`, SQL) sends none."""
        while True:
            await asyncio.sleep(seconds)
            await self._recheck(self._all_members(), sweep=True)  # one round at a time

    def _all_members(self) -> list[Member]:
        return [member for mine in self.by_user.values() for member in mine]

    async def _recheck(self, members: list[Member], *, sweep: bool = False) -> None:
        """Close those of `members` whose user may no longer follow their audience.

        After an access change, a check that fails closes its socket with 1011: a change was
        announced and cannot be judged, so the handshake decides. A `sweep` (nothing announced)
        that fails keeps every socket and stops: a database that does not answer must not
        drop every dashboard; the next sweep tries again.
        """
        # Sockets of one user, opened with one credential on one audience, get one verdict:
        # one check, not one per dashboard tab (or per socket of a program that opens many).
        verdicts: dict[tuple[int | None, str, str], int | None] = {}
        for member in members:
            if member.gone or member.recheck is None:
                continue
            key = (member.user_id, member.credential, member.audience)
            if key in verdicts:
                code = verdicts[key]
            else:
                try:
                    code = await member.recheck()
                except Exception:
                    if sweep:
                        logger.exception("realtime: access sweep stopped, a check failed")
                        return
                    logger.exception(
                        "realtime: access check of a %s socket failed", member.audience
                    )
                    code = CLOSE_RETRY
                verdicts[key] = code
            if code is not None and not member.gone:
                self._close_member(member, code)

    def access_changed(self, message: dict) -> None:
        """Handle a message of `publisher.access_changed` (call on the hub's loop)."""
        try:
            user_id = int(message["user"])
            if message.get("op") == "recheck":
                self.recheck_user(user_id)
            else:
                self.revoke(user_id, message.get("credential"))
        except Exception:
            logger.exception("realtime: bad access message %r", message)

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task:
        task = self.loop.create_task(coro, name=name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def _current_seq(self, audience: str) -> int:
        """A seq no higher than the audience's real one, read after the subscription is up.

        A lower seq is safe (a change may reach the socket twice); a higher one would lose one.
        """
        if not self.url:
            return publisher.local_seq(audience)
        if self.connected and audience in self.known_seq:
            return self.known_seq[audience]
        try:
            value = await self._redis_get_seq(audience)
        except Exception as exc:
            logger.warning(
                "realtime: cannot read seq of %s (%s); resync on recovery", audience, exc
            )
            return self.known_seq.get(audience, 0)
        if self.connected:
            self.known_seq[audience] = max(self.known_seq.get(audience, 0), value)
        return value

    async def _snapshot_text(self, audience: str, seq: int) -> str:
        # Reuse is safe only while seq is authoritative: with Redis down it cannot move, and
        # figures may change under an unchanged seq.
        # A change this process failed to publish did not move seq either.
        cached = self._snapshots.get(audience) if self.connected else None
        now = time.monotonic()
        unpublished = publisher.unpublished_count()
        if (
            cached
            and cached[0] == seq
            and cached[2] == unpublished
            and now - cached[1] < SNAPSHOT_REUSE_SECONDS
        ):
            return cached[3]
        key = (audience, seq)
        future = self._inflight.get(key) if self.connected else None
        if future is not None:  # another socket is reading the same snapshot: share it
            return await asyncio.shield(future)
        future = self.loop.create_future()
        self._inflight[key] = future
        try:
            event = await database_sync_to_async(snapshot_event)(audience)
            if event is None:
                raise LookupError(f"no snapshot for audience {audience!r}")
            text = publisher.with_seq(publisher.encode(event), seq)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: the raiser below reports it
            raise
        finally:
            self._inflight.pop(key, None)
        future.set_result(text)
        if self.connected:
            self._snapshots[audience] = (seq, time.monotonic(), unpublished, text)
        return text

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
                    self._write(member, text)
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

    # -- Redis -----------------------------------------------------------------------------

    def _redis(self) -> Any:
        import redis.asyncio as aioredis

        client = getattr(self, "_aioredis", None)
        if client is None:
            pool = aioredis.BlockingConnectionPool.from_url(
                self.url,
                max_connections=publisher.max_connections(),
                timeout=2,
                socket_connect_timeout=1,
                socket_timeout=2,
                health_check_interval=15,
            )
            client = self._aioredis = aioredis.Redis(connection_pool=pool)
        return client

    async def _redis_get_seq(self, audience: str) -> int:
        key = publisher.seq_key(audience, self.url)
        try:
            value = await self._redis().get(key)
        except RedisConnectionError:  # a pooled connection from before an outage: once more
            value = await self._redis().get(key)
        return int(value or 0)

    async def _subscribe(self) -> None:
        """Keep one PSUBSCRIBE alive; after each (re)connection resync every local socket and
        judge its access again (what was published meanwhile did not arrive)."""
        prefix = publisher.key_prefix(self.url)
        pattern = f"{prefix}:a:*"
        control = publisher.control_channel(self.url)
        access = publisher.access_channel(self.url)
        delay = RETRY_MIN_SECONDS
        while True:
            pubsub = self._redis().pubsub()
            try:
                await pubsub.psubscribe(pattern)
                await pubsub.subscribe(control, access)
                # Wait for every confirmation so nothing published from now on is missed.
                for _ in range(3):
                    reply = await pubsub.get_message(ignore_subscribe_messages=False, timeout=5)
                    if reply is None or reply["type"] not in ("psubscribe", "subscribe"):
                        raise ConnectionError(f"no subscription confirmation from Redis: {reply}")
                self.known_seq.clear()
                self.delivered_seq.clear()
                # Reports stored while Redis was away did not move the seq: a snapshot cached
                # under the same seq may predate them.
                self._snapshots.clear()
                self.connected = True
                self.ready.set()
                if self.failing_since is not None:
                    logger.warning(
                        "realtime: Redis is back after %.1f s, resyncing local sockets",
                        time.time() - self.failing_since,
                    )
                self.failing_since = None
                delay = RETRY_MIN_SECONDS
                # Live again, then a snapshot each: a page shows "live" only after the latter.
                self.broadcast_status()
                self.resync_all()
                self.recheck_all()
                await sync_to_async(publisher.flush_pending_resync, thread_sensitive=False)()
                await self._listen(pubsub, prefix, control, access)
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                raise
            except Exception as exc:
                was_connected = self.connected
                if self.failing_since is None:
                    self.failing_since = time.time()
                    logger.error("realtime: Redis subscription lost (%s); retrying", exc)
                self.connected = False
                self.ready.clear()
                if was_connected:  # tell the pages at once: their figures are frozen
                    self.broadcast_status()
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_SECONDS)

    async def _listen(self, pubsub: Any, prefix: str, control: str, access: str) -> None:
        channel_start = len(prefix) + 3  # "<prefix>:a:"
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if message is None:
                continue
            channel = message["channel"].decode()
            data = message["data"].decode()
            if channel == access:
                with contextlib.suppress(ValueError):
                    self.access_changed(json.loads(data))
                continue
            if channel == control:
                audience = data.split(" ", 1)[0]
                self.queue.put_nowait((audience, None, None))
                continue
            seq_text, text = data.split(" ", 1)
            seq = int(seq_text)
            self.post(channel[channel_start:], seq, publisher.with_seq(text, seq))


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


def get_hub() -> Hub:
    """The hub of the running event loop (one per worker process)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        for old_loop in [lp for lp in _hubs if lp.is_closed()]:
            _hubs.pop(old_loop, None)
        hub = _hubs[loop] = Hub(loop)
    return hub


def current_hub_state() -> str | None:
    """`ok`/`degraded`/`local` of this process's hub, None when no socket ever connected."""
    states = [hub.state for hub in _hubs.values() if not hub.loop.is_closed()]
    if not states:
        return None
    return "degraded" if "degraded" in states else states[0]


def deliver_local(audience: str, seq: int, text: str) -> None:
    """Hand a message published in this process to every hub (no Redis); thread-safe."""
    for loop, hub in list(_hubs.items()):
        if loop.is_closed():
            continue
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            hub.post(audience, seq, text)
        else:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(hub.post, audience, seq, text)


def deliver_access(message: dict) -> None:
    """Hand an access change to every hub of this process (no Redis); thread-safe."""
    for loop, hub in list(_hubs.items()):
        if loop.is_closed():
            continue
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            # A context of its own: the caller's (a sync_to_async thread) would make the
            # database reads of the rechecks refuse to run ("would deadlock").
            loop.call_soon_threadsafe(hub.access_changed, message, context=contextvars.Context())


async def close_all() -> None:
    """Stop the hub of the running loop (tests, shutdown)."""
    hub = _hubs.get(asyncio.get_running_loop())
    if hub is not None:
        await hub.close()
