"""Password logins, bounded: the lockout of failed attempts and a cap on password checks.

Checking a password is the most expensive thing a request does (PBKDF2, a million rounds: about
0.3 s of CPU). Under a flood of login attempts, unbounded checks filled every HTTP thread of the
worker and starved report writes (issue 14: report p50 10 ms → 2,270 ms). So each process checks
at most `BEDWATCH_PASSWORD_CHECKS` passwords at once; a login that finds them all busy waits at
most `BEDWATCH_PASSWORD_CHECK_WAIT` seconds, then is answered "try again shortly" (503,
`accounts.middleware`) without counting as a failed attempt.

Failed attempts are counted per username and per client address by django-axes, in the
database so that every worker shares them (`docs/deployment.md`, *Login throttling*): past
`BEDWATCH_LOGIN_FAILURE_LIMIT` within `BEDWATCH_LOGIN_LOCKOUT_MINUTES`, that account and that
address are refused, before any password is checked, until the time is up or someone lifts it.
"""

from __future__ import annotations

import threading
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

_lock = threading.Lock()
_checks: dict[int, threading.BoundedSemaphore] = {}


class PasswordChecksBusy(Exception):  # noqa: N818 (a condition, answered 503, not a bug)
    """Every password-check slot of this process is taken: try again shortly."""


def password_checks() -> threading.BoundedSemaphore:
    """The process's slots, sized from the settings at first use (tests may change them)."""
    size = settings.BEDWATCH_PASSWORD_CHECKS
    with _lock:
        if size not in _checks:
            _checks[size] = threading.BoundedSemaphore(size)
        return _checks[size]


class LoginBackend(AxesStandaloneBackend, ModelBackend):
    """Django's username/password check behind the lockout and the cap."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        slots = password_checks()
        if not slots.acquire(timeout=settings.BEDWATCH_PASSWORD_CHECK_WAIT):
            raise PasswordChecksBusy
        try:
            # Without a request it is not a login over HTTP (the test client, a shell): no
            # address to count, and nothing an attacker can repeat.
            if request is not None:
                # Raises PermissionDenied while the account or the address is locked out.
                AxesStandaloneBackend.authenticate(self, request, username, password, **kwargs)
            return ModelBackend.authenticate(self, request, username, password, **kwargs)
        finally:
            slots.release()
