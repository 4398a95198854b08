"""Reminder, escalation and digest emails: plain text and HTML from templates, in French or
English. Their links are never logged."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger(__name__)


def message(
    *, template: str, context: dict, to: str, language: str | None = None
) -> EmailMultiAlternatives:
    """`alerts/email/<template>_subject.txt`, `.txt` and `.html` rendered in `language`."""
    language = language or settings.LANGUAGE_CODE
    context = {**context, "site_url": settings.BEDWATCH_SITE_URL}
    with translation.override(language):
        subject = render_to_string(f"alerts/email/{template}_subject.txt", context)
        text = render_to_string(f"alerts/email/{template}.txt", context)
        html = render_to_string(f"alerts/email/{template}.html", context)
    mail = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        to=[to],
        headers={"Auto-Submitted": "auto-generated"},
    )
    mail.attach_alternative(html, "text/html")
    return mail


def send_each(messages: Sequence[EmailMultiAlternatives]) -> list[bool]:
    """Send the messages over one connection; whether each went. A failure is logged with the
    recipient and the error only (the body holds one-time links)."""
    sent = []
    try:
        connection = get_connection()
        connection.open()
    except Exception as exc:
        logger.error("alerts: cannot reach the mail server: %s", type(exc).__name__)
        return [False] * len(messages)
    try:
        for mail in messages:
            mail.connection = connection
            try:
                sent.append(bool(mail.send()))
            except Exception as exc:
                logger.error(
                    "alerts: email to %s not sent: %s", ", ".join(mail.to), type(exc).__name__
                )
                sent.append(False)
    finally:
        with contextlib.suppress(Exception):  # the messages are sent or logged already
            connection.close()
    return sent
