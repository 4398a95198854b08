"""Publish an event to an audience. Knows nothing of beds: callers decide what an event holds.

The public face of the live feed (docs/realtime.md). Every message of an audience gets a `seq`
one higher than the previous one, assigned once at publish time by the broker
(`realtime/broker.py`: Redis between processes, memory within one). This module adds what the
publishing side needs: serialising once, never raising, and remembering what could not be
published so that sockets get a fresh snapshot when the broker answers again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from typing import Any

from realtime import broker as brokers
from realtime.broker import channel_of, control_channel, key_prefix, seq_key  # noqa: F401

logger = logging.getLogger(__name__)

NATIONAL = "national"

_lock = threading.Lock()
_pending_resync: set[str] = set()
# Access changes this process could not publish: sent as soon as Redis answers again.
_pending_access: list[str] = []
_state: dict[str, Any] = {
    "last_error": "",
    "failed_at": None,
    "ok_at": None,
    "retry_at": 0.0,
    # Changes this process stored but could not publish: a snapshot read before one of them
    # (under the same seq) is out of date.
    "unpublished": 0,
}
# After a failure, publishes skip Redis this long: a Redis that hangs (rather than refusing)
# must not add a timeout to every report while it is away. Short: a report stored in this
# window reaches sockets only with the next publish (as a resync).
RETRY_AFTER_SECONDS = 0.5


def region_audience(code: str) -> str:
    return f"region.{code}"


def credential_id(kind: str, secret: str) -> str:
    """What a socket was opened with (`session` key or `token` key), as a name that can travel
    on Redis without the secret itself."""
    digest = hashlib.sha256(f"{kind}:{secret}".encode()).hexdigest()[:24]
    return f"{kind}:{digest}"


def revoke_sockets(*, user_id: int, credential: str | None = None) -> None:
    """Close, on every worker, the user's open sockets (only those opened with `credential`
    when given: one session, one token) with 4401. Call after commit; never raises."""
    message: dict[str, Any] = {"op": "revoke", "user": user_id}
    if credential:
        message["credential"] = credential
    _publish_access(message)


def recheck_sockets(*, user_id: int) -> None:
    """Ask every worker to check again whether the user's open sockets may still follow their
    audience (role, scope or account changed), closing those that may not (4401/4403). Call
    after commit; never raises."""
    _publish_access({"op": "recheck", "user": user_id})


def _publish_access(message: dict) -> None:
    body = json.dumps(message, separators=(",", ":"))
    broker = brokers.broker()
    with _lock:
        if time.monotonic() < _state["retry_at"]:  # Redis just failed: do not wait on it again
            _pending_access.append(body)
            return
    try:
        _flush_pending(broker)
        broker.publish_access(body)
    except Exception as exc:  # sent again as soon as Redis answers (next publish, /healthz)
        with _lock:
            _pending_access.append(body)
            _state["failed_at"] = _state["failed_at"] or time.time()
            _state["last_error"] = f"{type(exc).__name__}: {exc}"
            _state["retry_at"] = time.monotonic() + RETRY_AFTER_SECONDS
        logger.error("realtime access change %s not published yet: %s", body, exc)


def encode(event: dict) -> str:
    """The event as JSON text, serialised once; the seq is spliced in by `with_seq`."""
    if not event.get("type"):
        raise ValueError("an event needs a type")
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False, default=str)


def with_seq(body: str, seq: int) -> str:
    """`{"type":…,…}` + seq → `{"type":…,…,"seq":N}` without parsing the body again."""
    return f'{body[:-1]},"seq":{seq}}}'


def publish(audiences: list[str], event: dict) -> bool:
    """Send `event` to every socket of each audience; never raises. Call after commit.

    Returns False (and logs) when Redis could not be reached: the change is stored all the
    same, `/healthz` says the feed is degraded, and sockets get a fresh snapshot when Redis
    answers again.
    """
    return publish_each([(audience, event) for audience in audiences])


def publish_each(messages: list[tuple[str, dict]]) -> bool:
    """Send each (audience, event) pair, in order, in one round trip to Redis; as `publish`."""
    audiences = [audience for audience, _event in messages]
    bodies: dict[int, str] = {}  # an event sent to several audiences is serialised once
    pairs = []
    try:
        for audience, event in messages:
            if id(event) not in bodies:
                bodies[id(event)] = encode(event)
            pairs.append((audience, bodies[id(event)]))
    except (TypeError, ValueError):
        logger.exception("realtime event for %s cannot be serialised", audiences)
        return False
    if not pairs:
        return True
    broker = brokers.broker()
    with _lock:
        if time.monotonic() < _state["retry_at"]:
            _pending_resync.update(audiences)
            _state["unpublished"] += 1
            return False
    try:
        _flush_pending(broker)
        broker.publish(pairs)
    except Exception as exc:  # Redis down or refusing: the figures are stored, the feed degrades
        with _lock:
            _pending_resync.update(audiences)
            _state["unpublished"] += 1
            first = _state["failed_at"] is None
            _state["last_error"] = f"{type(exc).__name__}: {exc}"
            _state["failed_at"] = _state["failed_at"] or time.time()
            _state["retry_at"] = time.monotonic() + RETRY_AFTER_SECONDS
        log = logger.error if first else logger.warning
        log("realtime publish to %s failed, sockets will resync: %s", audiences, exc)
        return False
    with _lock:
        _state["failed_at"] = None
        _state["ok_at"] = time.time()
    return True


def unpublished_count() -> int:
    """How many changes this process could not publish so far (only ever grows)."""
    return _state["unpublished"]


def _flush_pending(broker: Any) -> None:
    with _lock:
        pending = sorted(_pending_resync)
        access = list(_pending_access)
    for body in access:
        broker.publish_access(body)
        with _lock:
            _pending_access.remove(body)
    for audience in pending:
        broker.publish_resync(audience)
        with _lock:
            _pending_resync.discard(audience)
        logger.info("realtime: asked every worker to resync %s", audience)


def flush_pending_resync() -> None:
    """Retry the resync requests left by failed publishes (a hub calls it from a thread once
    its subscription is back: Redis answers again, so publishing resumes at once instead of
    skipping changes until the back-off window ends)."""
    with _lock:
        _state["retry_at"] = 0.0
    if not (_pending_resync or _pending_access):
        return
    try:
        _flush_pending(brokers.broker())
    except Exception as exc:  # still down: try again later
        logger.debug("realtime resync request still failing: %s", exc)


def local_seq(audience: str) -> int:
    """The seq of an audience in this process's in-memory broker (no Redis)."""
    return brokers.memory().seq(audience)


def health() -> dict[str, Any]:
    """The state of the publishing side as seen from this process (for /healthz).

    `local`: no Redis, one process; `ok`: Redis answers and the last publish went through;
    `degraded`: Redis does not answer or the last publish failed (reports are still stored).
    A `ws:` process's own subscription is on its own /healthz (`realtime/probe.py`).
    """
    if not brokers.redis_url():
        return {"state": "local"}
    info: dict[str, Any] = {"state": "ok"}
    try:
        brokers.broker().ping()
    except Exception as exc:
        info.update(state="degraded", error=f"{type(exc).__name__}: {exc}")
        return info
    # Redis answers again: ask the workers to resync what failed, then the path is whole.
    flush_pending_resync()
    with _lock:
        if _state["failed_at"] is not None and not (_pending_resync or _pending_access):
            _state["failed_at"] = None
        if _state["failed_at"] is not None:
            info.update(state="degraded", error=_state["last_error"], since=_state["failed_at"])
    return info


def reset_for_tests() -> None:
    with _lock:
        _pending_resync.clear()
        _pending_access.clear()
        _state.update(last_error="", failed_at=None, ok_at=None, retry_at=0.0)
    brokers.reset_for_tests()
