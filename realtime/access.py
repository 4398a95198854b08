"""Access rechecks: closing the sockets whose user may no longer follow their audience.

Called by the hub when an access change arrives (`publisher.revoke_sockets` /
`recheck_sockets`), when its subscription comes back (messages may have been lost) and every
BEDWATCH_ACCESS_RECHECK_SECONDS (a sweep). Each socket brings its own `recheck` (the consumer
judges it from the database, as its handshake would).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable

from realtime.fanout import CLOSE_RETRY, CLOSE_UNAUTHENTICATED, Member

logger = logging.getLogger(__name__)

Close = Callable[[Member, int], None]


def access_recheck_seconds() -> float:
    """How often each hub judges all its sockets' access again; 0: never."""
    from django.conf import settings

    return float(getattr(settings, "BEDWATCH_ACCESS_RECHECK_SECONDS", 0) or 0)


def parse(body: str) -> dict | None:
    """An access message as published, or None (logged) when it is not one."""
    try:
        message = json.loads(body)
        int(message["user"])
    except (ValueError, TypeError, KeyError):
        logger.exception("realtime: bad access message %r", body)
        return None
    return message


def revoke(members: Iterable[Member], credential: str | None, close: Close) -> None:
    """Close (4401) `members` (a user's sockets): all, or those opened with `credential`."""
    for member in list(members):
        if credential is None or member.credential == credential:
            close(member, CLOSE_UNAUTHENTICATED)


async def recheck(members: list[Member], close: Close, *, sweep: bool = False) -> None:
    """Close those of `members` whose user may no longer follow their audience.

    After an access change, a check that fails closes its socket with 1011: a change was
    announced and cannot be judged, so the handshake decides. A `sweep` (nothing announced)
    that fails keeps every socket and stops: a database that does not answer must not drop
    every dashboard; the next sweep tries again.
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
                logger.exception("realtime: access check of a %s socket failed", member.audience)
                code = CLOSE_RETRY
            verdicts[key] = code
        if code is not None and not member.gone:
            close(member, code)
