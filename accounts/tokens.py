"""API keys and their digests. A key is 160 random bits (40 hex characters, the format DRF's
tokens had, so clients and the migrated keys look alike); only its SHA-256 digest is stored.

A plain SHA-256 is enough for a random key (nothing to guess, unlike a password) and keeps the
look-up one indexed query; a password hasher here would cost every API request ~0.5 s of CPU.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_new() -> str:
    return secrets.token_hex(20)


def token_lifetime() -> timedelta:
    return timedelta(days=settings.BEDWATCH_TOKEN_DAYS)


def token_expiry(*, now: datetime | None = None) -> datetime:
    return (now or timezone.now()) + token_lifetime()
