"""API token authentication with a short per-process memory of valid tokens.

A key is looked up by its SHA-256 digest (accounts/tokens.py): the database holds no key. A token
past its `expires` is refused.

A machine posting reports sends the same token on every request; looking it up (token and user,
one query) is a tenth of a report's round trips to PostgreSQL. A valid token is remembered by
this process for `BEDWATCH_TOKEN_CACHE_SECONDS` (default 5; 0 turns the memory off), by digest.

Revocation: deleting (revoking, rotating) a token or saving/deleting its user (deactivating,
changing the role) in this process forgets it at once (accounts/signals.py). Done elsewhere —
another worker, the admin on another process, `QuerySet.update()`, SQL — it stops working here
within the TTL at most; so does a token reaching its expiry. What the user may see (hospitals,
régions) is never remembered: the scope checks read it each time. Unknown or refused keys are
never remembered.
"""

from __future__ import annotations

import copy
import threading
import time
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication, get_authorization_header

from accounts.selectors import token_find
from accounts.throttling import bad_token_check, bad_token_record
from accounts.tokens import token_digest

# digest → (expires at on `clock`, user, token)
_cache: dict[str, tuple[float, Any, Any]] = {}
_lock = threading.Lock()
# Past this many remembered tokens, expired ones are dropped.
_PRUNE_ABOVE = 1000
clock = time.monotonic  # tests replace it to move time on


def cache_seconds() -> float:
    return float(getattr(settings, "BEDWATCH_TOKEN_CACHE_SECONDS", 0) or 0)


def _look_up(key: str) -> tuple[Any, Any]:
    token = token_find(key=key)
    if token is None:
        raise exceptions.AuthenticationFailed(_("Invalid token."))
    if token.expires <= timezone.now():
        raise exceptions.AuthenticationFailed(
            _("Token expired on %(date)s: ask an administrator for a new one.")
            % {"date": f"{token.expires:%Y-%m-%d}"}
        )
    if not token.user.is_active:
        raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
    return token.user, token


class CachedTokenAuthentication(TokenAuthentication):
    """DRF's `Authorization: Token <key>` against hashed, expiring tokens, remembering valid
    keys for a few seconds. An address that sent too many wrong tokens lately is refused (429)
    before its key is looked up (`BEDWATCH_API_BAD_TOKENS`, accounts/throttling.py)."""

    request: Any = None  # DRF makes one instance per request

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        header = get_authorization_header(request).split()
        if header and header[0].lower() == self.keyword.lower().encode():
            self.request = request
        return super().authenticate(request)

    def _look_up_counted(self, key: str) -> tuple[Any, Any]:
        if self.request is None:  # called directly, not from a request
            return _look_up(key)
        bad_token_check(self.request)
        try:
            return _look_up(key)
        except exceptions.AuthenticationFailed:
            bad_token_record(self.request)
            raise

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        ttl = cache_seconds()
        if ttl <= 0:
            return self._look_up_counted(key)
        digest = token_digest(key)
        now = clock()
        hit = _cache.get(digest)
        if hit is None or hit[0] <= now:
            # Raises AuthenticationFailed for an unknown or expired key or an inactive user.
            user, token = self._look_up_counted(key)
            hit = (now + ttl, user, token)
            with _lock:
                if len(_cache) >= _PRUNE_ABOVE:
                    for stale in [k for k, v in _cache.items() if v[0] <= now]:
                        del _cache[stale]
                _cache[digest] = hit
        # Each request gets its own copy: a view changing request.user changes no other request.
        return copy.copy(hit[1]), hit[2]


def forget_token(digest: str) -> None:
    with _lock:
        _cache.pop(digest, None)


def forget_user(user_id: int) -> None:
    with _lock:
        for key in [k for k, v in _cache.items() if v[1].pk == user_id]:
            del _cache[key]


def forget_all() -> None:
    with _lock:
        _cache.clear()
