"""Who is asking (the client address behind the proxy) and how often they may.

- Logins: django-axes counts failures per username and per address (accounts/backends.py);
  these are its callables: the address, the username as counted, the lockout page.
- API: DRF throttles per token (or session user) and per address, and a limit on wrong tokens
  per address, all in Django's cache: Redis when REDIS_URL is set, so every worker shares them.
  The live feed's handshakes count in the same wrong-token budget (realtime/middleware.py).
- /healthz: whether the caller is the operator's monitoring (BEDWATCH_MONITORING_ADDRESSES).
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

USERNAME_MAX = 150  # Django's own limit: a longer one is never a real account


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address: REMOTE_ADDR, or with BEDWATCH_PROXY_COUNT proxies in front, the
    address the outermost one saw (that many entries from the right of X-Forwarded-For; the
    entries to the left of it are whatever the client wrote)."""
    return client_address(
        request.META.get("REMOTE_ADDR"), request.META.get("HTTP_X_FORWARDED_FOR", "")
    )


def client_address(remote: str | None, forwarded: str | None) -> str | None:
    """`client_ip` from its two inputs, the connection's address and the X-Forwarded-For
    header (a socket's handshake has both too); None when the result is not an address."""
    address = remote
    count = settings.BEDWATCH_PROXY_COUNT
    if count and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        address = hops[-min(count, len(hops))]
    try:
        return str(ipaddress.ip_address(address or ""))
    except ValueError:
        return None


def monitoring_address(address: str | None) -> bool:
    """Whether the address is the operator's monitoring (BEDWATCH_MONITORING_ADDRESSES; by
    default the host itself, which is where a probe of a worker's own port comes from)."""
    if address is None:
        return False
    ip = ipaddress.ip_address(address)
    return any(ip in network for network in settings.BEDWATCH_MONITORING_ADDRESSES)


def login_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The username as counted: what was typed, within what the database stores."""
    raw = (credentials or {}).get("username")
    if raw is None:
        raw = request.POST.get("username") if request is not None else None
    if not isinstance(raw, str):
        return None
    return "".join(c for c in raw if c.isprintable())[:USERNAME_MAX]


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """axes' answer while an account or an address is locked out: 429, and for how long."""
    minutes = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    response = render(
        request,
        "accounts/locked_out.html",
        {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes},
        status=429,
    )
    response["Retry-After"] = str(minutes * 60)
    return response


def _count(key: str, period: int) -> int:
    """Add one to the counter of this key's window and return it (one counter per window, so
    its size stays the same whatever the rate; Redis's INCR is atomic across workers).

    0 when the cache cannot be reached: limits fail open, so that a Redis outage never refuses
    a report (the proxy's `limit_req` still holds)."""
    try:
        try:
            return cache.incr(key)
        except ValueError:  # the window's first request
            if cache.add(key, 1, timeout=period + 1):
                return 1
            return cache.incr(key)
    except Exception as exc:  # the cache's own errors (redis.ConnectionError, …)
        _cache_down(exc)
        return 0


def _cache_down(exc: Exception) -> None:
    now = time.monotonic()
    if now - _warned[0] > 60:  # once a minute, not once a request
        _warned[0] = now
        logger.warning("API limits not enforced, the cache is unreachable: %s", exc)


_warned = [-1e9]


class _Throttle(BaseThrottle):
    """A fixed-window DRF throttle (`COUNT/PERIOD` from `DEFAULT_THROTTLE_RATES[scope]`, read
    when used; None turns it off) whose refusal names the limit and says when to come back.

    Not DRF's SimpleRateThrottle: it keeps every request's time in one cache entry, read and
    written whole on each request, which grows with the rate (3,000 floats at 3000/min)."""

    scope = ""
    message = ""

    def get_ident_key(self, request: Any) -> str | None:
        raise NotImplementedError

    def allow_request(self, request: Any, view: Any) -> bool:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        ident = self.get_ident_key(request)
        if rate is None or ident is None:
            return True
        limit, period = _parse(rate)
        now = int(time.time())
        window = now // period
        if _count(f"throttle_{self.scope}_{ident}_{window}", period) <= limit:
            return True
        wait = (window + 1) * period - now
        raise exceptions.Throttled(wait=wait, detail=self.message % {"rate": rate})


def _parse(rate: str) -> tuple[int, int]:
    count, _, period = rate.partition("/")
    return int(count), {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]


class TokenRateThrottle(_Throttle):
    """Requests per API token (or, for a browser session, per user)."""

    scope = "token"

    @property
    def message(self) -> str:  # type: ignore[override]
        return _("Too many requests with this credential (at most %(rate)s).")

    def get_ident_key(self, request: Any) -> str | None:
        token = getattr(request, "auth", None)
        if token is not None and getattr(token, "pk", None) is not None:
            return f"t{token.pk}"
        if request.user and request.user.is_authenticated:
            return f"u{request.user.pk}"
        return None


class AddressRateThrottle(_Throttle):
    """Requests per client address, whoever they authenticate as."""

    scope = "address"

    @property
    def message(self) -> str:  # type: ignore[override]
        return _("Too many requests from this address (at most %(rate)s).")

    def get_ident_key(self, request: Any) -> str | None:
        return client_ip(request) or "?"


def bad_token_check(request: Any) -> None:
    """Refuse (429) an address that sent too many wrong or expired tokens lately, before
    looking its token up: guessing keys costs the guesser, not the database."""
    wait = bad_tokens_wait(client_ip(request))
    if wait is not None:
        raise exceptions.Throttled(wait=wait, detail=bad_tokens_message())


def bad_token_record(request: Any) -> None:
    bad_tokens_record(client_ip(request))


def bad_tokens_wait(address: str | None) -> int | None:
    """Seconds until the address may present a token again, None while it may now: under
    `BEDWATCH_API_BAD_TOKENS` wrong or expired tokens in this window, counted for the API and
    the live feed's handshakes together (one budget per address, whichever door it guesses at).
    None as well when the cache does not answer (limits fail open, as `_count`)."""
    limit, window = settings.BEDWATCH_BAD_TOKENS
    if not limit:
        return None
    try:
        count = cache.get(_bad_token_key(address, window))
    except Exception as exc:
        _cache_down(exc)
        return None
    if count is not None and count >= limit:
        return window - int(time.time()) % window
    return None


def bad_tokens_record(address: str | None) -> None:
    """Count one wrong or expired token from the address."""
    limit, window = settings.BEDWATCH_BAD_TOKENS
    if not limit:
        return
    _count(_bad_token_key(address, window), window)


def bad_tokens_message() -> str:
    return _("Too many wrong API tokens from this address (at most %(rate)s).") % {
        "rate": settings.BEDWATCH_BAD_TOKENS_RATE
    }


def _bad_token_key(address: str | None, window: int) -> str:
    # A fixed window: one counter per address and period, dropped by the cache after it.
    return f"throttle_bad_token_{address or '?'}_{int(time.time()) // window}"
