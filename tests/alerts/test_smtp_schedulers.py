"""Email for real: a real SMTP server (aiosmtpd) on a free port, and two `run_scheduler --once`
processes started together on one database."""

from __future__ import annotations

import email
import subprocess
import sys
from collections import Counter
from email.policy import default as default_policy

import pytest

from tests import servers
from tests.alerts.conftest import LINK_RE
from tests.servers import (
    REPO,
    free_port,
    manage,
    server_env,
)

pytestmark = pytest.mark.slow

server_database = servers.server_database  # the fixture, for this module


class Inbox:
    """An SMTP server that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"


@pytest.fixture
def smtp_server():  # noqa: ANN201
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()


def _make_overdue_world(db: str) -> None:
    manage(db, "seed_demo")
    for name, hospitals in (("nurse", ["690783154"]), ("both", ["690783154", "690784152"])):
        manage(
            db,
            "create_account",
            name,
            "--role",
            "staff",
            "--hospital",
            *hospitals,
            "--email",
            f"{name}@chu-lyon.fr",
        )
    # Every unit of the two Lyon hospitals 5 hours old: past the 4-hour cadence.
    script = (
        "from datetime import timedelta; from django.utils import timezone; "
        "from beds.models import Unit; "
        "Unit.objects.filter(hospital__finess__in=['690783154','690784152'])"
        ".update(updated_at=timezone.now() - timedelta(hours=5)); "
        "Unit.objects.exclude(hospital__finess__in=['690783154','690784152'])"
        ".update(updated_at=timezone.now())"
    )
    manage(db, "shell", "-c", script)


def test_two_schedulers_at_once_send_each_reminder_once(server_database, smtp_server):
    db = server_database
    _make_overdue_world(db)
    env = server_env(
        {
            "DATABASE_URL": db,
            "REDIS_URL": None,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_server.port),
            "BEDWATCH_SITE_URL": "http://bedwatch.test",
        }
    )
    runners = [
        subprocess.Popen(
            [sys.executable, "manage.py", "run_scheduler", "--once"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [r.communicate(timeout=120)[0] for r in runners]
    assert [r.returncode for r in runners] == [0, 0], outputs

    to = Counter(m["To"] for m in smtp_server.messages)
    # One email per person per round, whatever their number of hospitals and units (the demo's
    # own accounts get theirs too: staff reminders, coordinators' digest of the demo's alert).
    assert to["both@chu-lyon.fr"] == to["nurse@chu-lyon.fr"] == 1, outputs
    assert set(to.values()) == {1}, (to, outputs)
    by_to = {m["To"]: m for m in smtp_server.messages}
    both = by_to["both@chu-lyon.fr"]
    text = both.get_body(preferencelist=("plain",)).get_content()
    html = both.get_body(preferencelist=("html",)).get_content()
    assert "Rappel" in both["Subject"]
    assert len(LINK_RE.findall(text)) == 6  # 4 units at Herriot, 2 at the Croix-Rousse
    assert "http://bedwatch.test/alerts/link/" in html
    nurse_text = by_to["nurse@chu-lyon.fr"].get_body(preferencelist=("plain",)).get_content()
    assert len(LINK_RE.findall(nurse_text)) == 4
    # A third run in the same round, or the next, sends nothing new.
    manage(
        db,
        "run_scheduler",
        "--once",
        env={"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_server.port)},
    )
    assert len(smtp_server.messages) == sum(to.values())
    count = manage(
        db, "shell", "-c", "from alerts.models import Reminder; print(Reminder.objects.count())"
    )
    herriot_and_croix_rousse = 6
    assert int(count.split()[-1]) >= herriot_and_croix_rousse


@pytest.mark.django_db
def test_reminders_go_through_a_real_smtp_server_in_english_too(
    smtp_server, settings, overdue_unit, alice_mail
):
    from alerts import services
    from alerts.models import ReminderSettings

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    ReminderSettings.objects.create(hospital=overdue_unit.hospital, language="en")

    assert services.reminders_round().emails == 1

    [message] = smtp_server.messages
    assert message["To"] == "alice@chu-lyon.fr"
    assert message["Subject"].startswith("Reminder: figures to update")
    assert "overdue" in message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert overdue_unit.label in html and '<html lang="en">' in html
