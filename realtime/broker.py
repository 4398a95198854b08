"""The live feed's one seam: a broker that numbers and carries messages between processes.

`publish` (sync, from the process that stored a change) gives each message of an audience the
next `seq` of that audience and hands it to every subscriber; `run(subscriber)` (async, on a
hub's event loop) keeps a subscription alive and calls the subscriber's hooks. Two
implementations: `RedisBroker` (between processes: the production layout) and `MemoryBroker`
(one process: `make run` without Redis, and tests). `broker()` picks one from `REDIS_URL`.

Nothing here knows sockets, snapshots or beds.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import threading
from typing import Any, Protocol

from django.conf import settings

logger = logging.getLogger(__name__)

# One call publishes to several audiences: KEYS are (seq key, channel) pairs, ARGV their bodies.
# INCR and PUBLISH in one atomic step: every subscriber sees the same seq, in order.
_PUBLISH_LUA = """
for i = 1, #ARGV do
  local seq = redis.call('INCR', KEYS[2 * i - 1])
  redis.call('PUBLISH', KEYS[2 * i], seq .. ' ' .. ARGV[i])
end
return #ARGV
"""
# How long a subscriber waits between attempts to subscribe again: at most a second, so that
# sockets are current again within ~2 s of Redis coming back (docs/realtime.md).
RETRY_MIN_SECONDS, RETRY_MAX_SECONDS = 0.2, 1.0


class Subscriber(Protocol):
    """What a broker calls, on the subscriber's event loop."""

    def on_up(self) -> None:
        """The subscription is (again) in place: what was published before may be missing."""

    def on_down(self, error: Exception) -> None:
        """The subscription is lost; the broker retries."""

    def on_message(self, audience: str, seq: int, body: str) -> None:
        """A message of `audience` with its seq (`body` is the event's JSON, without seq)."""

    def on_resync(self, audience: str) -> None:
        """A publisher could not publish a change of `audience`: send its sockets a snapshot."""

    def on_access(self, body: str) -> None:
        """An access change (JSON text from `publisher.revoke_sockets` / `recheck_sockets`)."""


class Broker(Protocol):
    def publish(self, pairs: list[tuple[str, str]]) -> None:
        """Send each (audience, body) with the audience's next seq; raises when it cannot."""

    def publish_resync(self, audience: str) -> None:
        """Ask every subscriber to resync `audience`; raises when it cannot."""

    def publish_access(self, body: str) -> None:
        """Send an access change to every subscriber; raises when it cannot."""

    def ping(self) -> None:
        """Raises when the broker cannot be reached."""

    async def current_seq(self, audience: str) -> int:
        """The audience's seq now (the last one published)."""

    async def run(self, subscriber: Subscriber) -> None:
        """Keep `subscriber` subscribed until cancelled."""


def redis_url() -> str:
    return getattr(settings, "REDIS_URL", "") or ""


def max_connections() -> int:
    return int(getattr(settings, "REDIS_MAX_CONNECTIONS", 0) or 1000)


def key_prefix(url: str | None = None) -> str:
    """`bedwatch:<db>`: the namespace of this installation's keys and channels. It includes the
    database number: pub/sub channels are shared by every database of a server, keys are not."""
    from redis.connection import parse_url

    url = url if url is not None else redis_url()
    db = parse_url(url).get("db", 0) if url else 0
    return f"{getattr(settings, 'BEDWATCH_REALTIME_PREFIX', 'bedwatch')}:{db}"


def seq_key(audience: str, url: str | None = None) -> str:
    return f"{key_prefix(url)}:seq:{audience}"


def channel_of(audience: str, url: str | None = None) -> str:
    return f"{key_prefix(url)}:a:{audience}"


def control_channel(url: str | None = None) -> str:
    return f"{key_prefix(url)}:control"


def access_channel(url: str | None = None) -> str:
    return f"{key_prefix(url)}:access"


# -- in memory ---------------------------------------------------------------------------------


class MemoryBroker:
    """One process: seq counters here, messages handed to this process's subscribers."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seqs: dict[str, int] = {}
        self.subscribers: dict[Subscriber, asyncio.AbstractEventLoop] = {}

    def publish(self, pairs: list[tuple[str, str]]) -> None:
        # One lock around numbering and hand-over keeps the delivery order equal to seq order.
        with self.lock:
            for audience, body in pairs:
                seq = self.seqs[audience] = self.seqs.get(audience, 0) + 1
                self._deliver("on_message", audience, seq, body)

    def publish_resync(self, audience: str) -> None:
        with self.lock:
            self._deliver("on_resync", audience)

    def publish_access(self, body: str) -> None:
        with self.lock:
            self._deliver("on_access", body)

    def ping(self) -> None:
        return None

    def seq(self, audience: str) -> int:
        with self.lock:
            return self.seqs.get(audience, 0)

    async def current_seq(self, audience: str) -> int:
        return self.seq(audience)

    async def run(self, subscriber: Subscriber) -> None:
        with self.lock:
            self.subscribers[subscriber] = asyncio.get_running_loop()
        try:
            subscriber.on_up()
            await asyncio.Event().wait()
        finally:
            with self.lock:
                self.subscribers.pop(subscriber, None)

    def _deliver(self, hook: str, *args: Any) -> None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for subscriber, loop in list(self.subscribers.items()):
            if loop.is_closed():
                continue
            call = getattr(subscriber, hook)
            if loop is running:
                call(*args)
            else:
                with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                    # A context of its own: the caller's (a sync_to_async thread) would make
                    # the subscriber's database reads refuse to run ("would deadlock").
                    loop.call_soon_threadsafe(call, *args, context=contextvars.Context())

    def reset(self) -> None:
        with self.lock:
            self.seqs.clear()


# -- Redis -----------------------------------------------------------------------------------


class RedisBroker:
    """Between processes: a Lua script INCRs the audience's seq and PUBLISHes in one step;
    each subscriber holds one PSUBSCRIBE to every audience plus the control and access
    channels."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.prefix = key_prefix(url)
        self._sync: Any = None
        self._async: dict[asyncio.AbstractEventLoop, Any] = {}

    # -- publishing side (sync) --

    def client(self) -> Any:
        """A sync client with a bounded pool that waits instead of failing."""
        import redis

        if self._sync is None:
            pool = redis.BlockingConnectionPool.from_url(
                self.url,
                max_connections=max_connections(),
                timeout=2,
                socket_connect_timeout=1,
                socket_timeout=2,
            )
            client = redis.Redis(connection_pool=pool)
            client._bedwatch_publish = client.register_script(_PUBLISH_LUA)
            self._sync = client
        return self._sync

    def publish(self, pairs: list[tuple[str, str]]) -> None:
        keys = []
        for audience, _body in pairs:
            keys += [seq_key(audience, self.url), channel_of(audience, self.url)]
        self.client()._bedwatch_publish(keys=keys, args=[body for _audience, body in pairs])

    def publish_resync(self, audience: str) -> None:
        self.client().publish(control_channel(self.url), audience)

    def publish_access(self, body: str) -> None:
        self.client().publish(access_channel(self.url), body)

    def ping(self) -> None:
        self.client().ping()

    def close(self) -> None:
        if self._sync is not None:
            self._sync.connection_pool.disconnect()
            self._sync = None

    # -- subscribing side (async) --

    def _aclient(self) -> Any:
        import redis.asyncio as aioredis

        loop = asyncio.get_running_loop()
        client = self._async.get(loop)
        if client is None:
            pool = aioredis.BlockingConnectionPool.from_url(
                self.url,
                max_connections=max_connections(),
                timeout=2,
                socket_connect_timeout=1,
                socket_timeout=2,
                health_check_interval=15,
            )
            client = self._async[loop] = aioredis.Redis(connection_pool=pool)
        return client

    async def current_seq(self, audience: str) -> int:
        from redis.exceptions import ConnectionError as RedisConnectionError

        key = seq_key(audience, self.url)
        try:
            value = await self._aclient().get(key)
        except RedisConnectionError:  # a pooled connection from before an outage: once more
            value = await self._aclient().get(key)
        return int(value or 0)

    async def run(self, subscriber: Subscriber) -> None:
        """Keep one subscription alive; `on_up` after each (re)connection, `on_down` when lost."""
        pattern = f"{self.prefix}:a:*"
        control, access = control_channel(self.url), access_channel(self.url)
        delay = RETRY_MIN_SECONDS
        while True:
            pubsub = self._aclient().pubsub()
            try:
                await pubsub.psubscribe(pattern)
                await pubsub.subscribe(control, access)
                # Wait for every confirmation so nothing published from now on is missed.
                for _ in range(3):
                    reply = await pubsub.get_message(ignore_subscribe_messages=False, timeout=5)
                    if reply is None or reply["type"] not in ("psubscribe", "subscribe"):
                        raise ConnectionError(f"no subscription confirmation from Redis: {reply}")
                delay = RETRY_MIN_SECONDS
                subscriber.on_up()
                await self._listen(pubsub, subscriber, control, access)
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                raise
            except Exception as exc:
                subscriber.on_down(exc)
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_SECONDS)

    async def _listen(self, pubsub: Any, subscriber: Subscriber, control: str, access: str) -> None:
        channel_start = len(self.prefix) + 3  # "<prefix>:a:"
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if message is None:
                continue
            channel = message["channel"].decode()
            data = message["data"].decode()
            if channel == access:
                subscriber.on_access(data)
            elif channel == control:
                subscriber.on_resync(data.split(" ", 1)[0])
            else:
                seq_text, body = data.split(" ", 1)
                subscriber.on_message(channel[channel_start:], int(seq_text), body)


_memory = MemoryBroker()
_redis: dict[str, RedisBroker] = {}


def broker() -> MemoryBroker | RedisBroker:
    """This process's broker: Redis when REDIS_URL is set, else the in-memory one."""
    url = redis_url()
    if not url:
        return _memory
    found = _redis.get(url)
    if found is None:
        found = _redis[url] = RedisBroker(url)
    return found


def memory() -> MemoryBroker:
    return _memory


def reset_for_tests() -> None:
    _memory.reset()
    for found in _redis.values():
        found.close()
    _redis.clear()
