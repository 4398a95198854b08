"""Snapshots: what a socket gets first, and again whenever it may have missed something.

The app that owns the data registers the provider (beds does, in its AppConfig.ready); this
module reads it once for every socket of an audience joining at the same seq.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from channels.db import database_sync_to_async

from realtime import publisher

SnapshotProvider = Callable[[str], dict | None]

# How long one snapshot read serves sockets joining at the same seq (a reconnect storm).
SNAPSHOT_REUSE_SECONDS = 2.0

_provider: SnapshotProvider | None = None


def set_snapshot_provider(provider: SnapshotProvider) -> None:
    """Register `provider(audience) -> {"type": "snapshot", …}` (sync, may query the database).

    It returns None for an audience that does not exist.
    """
    global _provider
    _provider = provider


def snapshot_event(audience: str) -> dict | None:
    if _provider is None:
        raise RuntimeError("no realtime snapshot provider registered")
    return _provider(audience)


class SnapshotCache:
    """One database read per audience and seq, shared by the sockets that ask meanwhile."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        # audience -> (seq, read at, unpublished count when read, text)
        self.recent: dict[str, tuple[int, float, int, str]] = {}
        self.inflight: dict[tuple[str, int], asyncio.Future[str]] = {}

    def clear(self) -> None:
        self.recent.clear()

    async def text(self, audience: str, seq: int, *, authoritative: bool) -> str:
        """The snapshot of `audience` as JSON text carrying `seq`.

        Reuse is safe only while seq is `authoritative` (the subscription is up): with Redis
        down it cannot move, and figures may change under an unchanged seq. A change this
        process failed to publish did not move seq either.
        """
        cached = self.recent.get(audience) if authoritative else None
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
        future = self.inflight.get(key) if authoritative else None
        if future is not None:  # another socket is reading the same snapshot: share it
            return await asyncio.shield(future)
        future = self.loop.create_future()
        self.inflight[key] = future
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
            self.inflight.pop(key, None)
        future.set_result(text)
        if authoritative:
            self.recent[audience] = (seq, time.monotonic(), unpublished, text)
        return text
