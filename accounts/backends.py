"""Password logins, bounded: the lockout of failed attempts and a cap on password checks.

Checking a password is the most expensive thing a request does (PBKDF2, a million rounds: about
0.3 s of CPU). Under a flood of login attempts, unbounded checks filled every HTTP thread of the
worker and starved report writes (issue 14: report p50 10 ms → 2,270 ms). So the host checks
at most `BEDWATCH_PASSWORD_CHECKS` passwords at once for this installation, whatever its number of
processes and threads; a login that finds them all busy waits at most `BEDWATCH_PASSWORD_CHECK_WAIT` seconds, then is answered "try again shortly" (503,
`accounts.middleware`) without counting as a failed attempt.

Failed attempts are counted per username and per client address by django-axes, in the
database so that every worker shares them (`docs/deployment.md`, *Login throttling*): past
`BEDWATCH_LOGIN_FAILURE_LIMIT` within `BEDWATCH_LOGIN_LOCKOUT_MINUTES`, that account and that
address are refused, before any password is checked, until the time is up or someone lifts it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import threading
import time
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

_lock = threading.Lock()
_slots: dict[tuple[int, str], PasswordCheckSlots] = {}


class PasswordChecksBusy(Exception):  # noqa: N818 (a condition, answered 503, not a bug)
    """Every password-check slot is taken: try again shortly."""


class PasswordCheckSlots:
    """At most `size` password checks at once on this host, across every process and thread
    of this installation: gunicorn's workers are processes, each serving one request at a
    time, so a per-process limit would never bind. Each slot is an exclusive `flock` on a
    file of its own; the kernel frees it if its holder dies."""

    def __init__(self, size: int, directory: str, name: str) -> None:
        self.paths = [os.path.join(directory, f"{name}-{i}.lock") for i in range(size)]

    def acquire(self, timeout: float = 0.0) -> int | None:
        """A held slot (pass it to `release`), or None if none came free within `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            for path in self.paths:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                return fd
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.01)

    def release(self, slot: int) -> None:
        fcntl.flock(slot, fcntl.LOCK_UN)
        os.close(slot)


def password_checks() -> PasswordCheckSlots:
    """This installation's slots, sized from the settings at first use (tests change them)."""
    size = settings.BEDWATCH_PASSWORD_CHECKS
    directory = settings.BEDWATCH_PASSWORD_CHECK_DIR or tempfile.gettempdir()
    # One set per installation and database on the host.
    where = f"{settings.BASE_DIR}|{settings.DATABASES['default'].get('NAME')}"
    name = "bedwatch-password-check-" + hashlib.sha256(where.encode()).hexdigest()[:12]
    with _lock:
        key = (size, os.path.join(directory, name))
        if key not in _slots:
            _slots[key] = PasswordCheckSlots(size, directory, name)
        return _slots[key]


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
        slot = slots.acquire(timeout=settings.BEDWATCH_PASSWORD_CHECK_WAIT)
        if slot is None:
            raise PasswordChecksBusy
        try:
            # Without a request it is not a login over HTTP (the test client, a shell): no
            # address to count, and nothing an attacker can repeat.
            if request is not None:
                # Raises PermissionDenied while the account or the address is locked out.
                AxesStandaloneBackend.authenticate(self, request, username, password, **kwargs)
            return ModelBackend.authenticate(self, request, username, password, **kwargs)
        finally:
            slots.release(slot)
