"""Overdue reminders: who gets what, once, and when."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Role
from alerts import services
from alerts.models import AuditEvent, Reminder, ReminderSettings
from tests.alerts.conftest import links_in
from tests.factories import HospitalFactory, UnitFactory, UserFactory, report

pytestmark = pytest.mark.django_db


def test_overdue_unit_staff_get_one_email_with_a_link(overdue_unit, alice_mail):
    result = services.reminders_round()

    assert result.reminders == 1 and result.emails == 1
    [message] = mail.outbox
    assert message.to == ["alice@chu-lyon.fr"]
    assert overdue_unit.label in message.body
    assert len(links_in(message)) == 1
    assert message.alternatives[0][1] == "text/html"
    assert overdue_unit.label in message.alternatives[0][0]
    reminder = Reminder.objects.get()
    assert (reminder.unit_id, reminder.stage, reminder.recipients) == (overdue_unit.pk, 1, 1)
    assert reminder.sent_at is not None
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.REMINDER_SENT)
    assert (event.username, event.unit_id) == ("alice", overdue_unit.pk)


def test_a_fresh_unit_is_not_reminded(unit_lyon, alice_mail):
    assert services.reminders_round().reminders == 0
    assert mail.outbox == []


def test_a_second_round_sends_nothing_new(overdue_unit, alice_mail):
    services.reminders_round()
    services.reminders_round()
    assert len(mail.outbox) == 1
    assert Reminder.objects.count() == 1


def test_staff_of_several_hospitals_get_one_email_per_round(overdue_unit, alice_mail):
    other = HospitalFactory()
    old = timezone.now() - timedelta(hours=6)
    other_unit = UnitFactory(hospital=other, label="USC", updated_at=old)
    alice_mail.hospitals.add(other)

    services.reminders_round()

    [message] = mail.outbox
    assert overdue_unit.label in message.body and other_unit.label in message.body
    assert len(links_in(message)) == 2
    assert Reminder.objects.count() == 2


def test_second_reminder_then_coordinators(overdue_unit, alice_mail, carol_mail, settings):
    settings.BEDWATCH_REMINDER_REPEAT_MINUTES = 60
    settings.BEDWATCH_REMINDER_ESCALATE_MINUTES = 30
    now = timezone.now()
    services.reminders_round(now=now)
    services.reminders_round(now=now + timedelta(minutes=59))
    assert len(mail.outbox) == 1
    services.reminders_round(now=now + timedelta(minutes=60))
    assert [m.to for m in mail.outbox] == [["alice@chu-lyon.fr"]] * 2
    services.reminders_round(now=now + timedelta(minutes=90))
    assert mail.outbox[-1].to == ["carol@ars-ara.fr"]
    assert overdue_unit.label in mail.outbox[-1].body
    assert links_in(mail.outbox[-1]) == []  # coordinators get no link to the unit's card
    assert sorted(Reminder.objects.values_list("stage", flat=True)) == [1, 2, 3]
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.ESCALATION_SENT).count() == 1


def test_a_report_ends_the_overdue_period(overdue_unit, alice_mail):
    services.reminders_round()
    report(overdue_unit, alice_mail, source="api", **overdue_unit.figures())
    services.reminders_round()
    assert len(mail.outbox) == 1
    assert services.reminders_round(now=timezone.now() + timedelta(hours=4, minutes=1)).emails == 1


def test_quiet_hours_defer_reminders_until_they_end(overdue_unit, alice_mail, settings):
    settings.TIME_ZONE = "UTC"
    now = timezone.now().replace(hour=3, minute=0)
    overdue_unit.updated_at = now - timedelta(hours=5)
    overdue_unit.save(update_fields=["updated_at"])
    ReminderSettings.objects.create(
        hospital=overdue_unit.hospital, quiet_start=time(22), quiet_end=time(7)
    )

    assert services.reminders_round(now=now).quiet == 1
    assert mail.outbox == []
    assert services.reminders_round(now=now.replace(hour=7)).emails == 1


def test_only_the_hospitals_chosen_people_are_reminded(overdue_unit, alice_mail):
    zoe = UserFactory(
        username="zoe", role=Role.STAFF, hospitals=[overdue_unit.hospital], email="zoe@chu.fr"
    )
    settings = ReminderSettings.objects.create(hospital=overdue_unit.hospital, language="en")
    settings.recipients.set([zoe])

    services.reminders_round()

    [message] = mail.outbox
    assert message.to == ["zoe@chu.fr"]
    assert "Reminder" in message.subject and "overdue" in message.body  # in English


def test_reminders_are_in_french_by_default(overdue_unit, alice_mail):
    services.reminders_round()
    assert "Rappel" in mail.outbox[0].subject
    assert "en retard" in mail.outbox[0].body


def test_inactive_or_addressless_staff_are_not_reminded(overdue_unit, alice_mail, bob):
    alice_mail.is_active = False
    alice_mail.save()
    services.reminders_round()
    assert mail.outbox == []


def test_a_runner_that_lost_the_race_sends_nothing(overdue_unit, alice_mail):
    # Another scheduler created this stage first (its own round, its own slot).
    Reminder.objects.create(unit=overdue_unit, unit_version=overdue_unit.version, stage=1)
    result = services.reminders_round()
    assert result.reminders == 0 and result.taken == []  # already known before claiming
    assert mail.outbox == []


def test_the_database_refuses_a_second_reminder_of_a_stage(overdue_unit):
    from django.db import IntegrityError, transaction

    Reminder.objects.create(unit=overdue_unit, unit_version=overdue_unit.version, stage=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(unit=overdue_unit, unit_version=overdue_unit.version, stage=1)


def test_catches_up_after_a_ten_minute_stop(overdue_unit, alice_mail, settings):
    # The unit went overdue while no scheduler ran: the first round after is enough.
    settings.BEDWATCH_REPORT_CADENCE_MINUTES = 240
    overdue_unit.updated_at = timezone.now() - timedelta(hours=4, minutes=10)
    overdue_unit.save(update_fields=["updated_at"])
    assert services.reminders_round().emails == 1


def test_a_mail_server_down_is_retried_next_round(overdue_unit, alice_mail, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    assert services.reminders_round().failed == 1
    assert Reminder.objects.count() == 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.reminders_round().emails == 1


def test_crisis_cadence_makes_units_overdue_sooner(unit_lyon, alice_mail, region_ara, settings):
    settings.BEDWATCH_CRISIS_CADENCE_MINUTES = 60
    unit_lyon.updated_at = timezone.now() - timedelta(minutes=90)
    unit_lyon.save(update_fields=["updated_at"])
    assert services.reminders_round().emails == 0
    region_ara.crisis = True
    region_ara.save()
    assert services.reminders_round().emails == 1
