"""The alerts' small world: alice (staff, Lyon) and carol (coordinator, 84) have email
addresses; `unit_lyon` is 5 hours old, past the default 4-hour cadence."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

LINK_RE = re.compile(r"https?://[^\s\"<>]+/alerts/link/([^/\s\"<>]+)/")


@pytest.fixture(autouse=True)
def _email_settings(settings):  # noqa: ANN001, ANN202
    settings.BEDWATCH_SITE_URL = "http://testserver"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.REDIS_URL = ""


@pytest.fixture
def overdue_unit(unit_lyon):  # noqa: ANN001, ANN201
    unit_lyon.updated_at = timezone.now() - timedelta(hours=5)
    unit_lyon.save(update_fields=["updated_at"])
    return unit_lyon


@pytest.fixture
def alice_mail(alice):  # noqa: ANN001, ANN201
    alice.email = "alice@chu-lyon.fr"
    alice.save(update_fields=["email"])
    return alice


@pytest.fixture
def carol_mail(carol):  # noqa: ANN001, ANN201
    carol.email = "carol@ars-ara.fr"
    carol.save(update_fields=["email"])
    return carol


def links_in(message) -> list[str]:  # noqa: ANN001
    """The one-time link tokens in a message's plain text."""
    return LINK_RE.findall(message.body)


def outbox() -> list:
    return list(mail.outbox)
