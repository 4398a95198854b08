"""`run_scheduler`: one round per period across runners, a failing job reported."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from alerts import scheduler, services
from alerts.models import JobRun

pytestmark = pytest.mark.django_db


def test_a_round_runs_once_per_period_whoever_asks(overdue_unit, alice_mail):
    now = timezone.now()
    assert scheduler.run_job("reminders", now=now).emails == 1
    assert scheduler.run_job("reminders", now=now) is None  # another runner, same period
    assert JobRun.objects.filter(job="reminders").count() == 1
    later = scheduler.run_job("reminders", now=now + timedelta(seconds=60))
    assert later is not None and later.emails == 0  # ran, nothing new to send
    assert len(mail.outbox) == 1


def test_run_scheduler_once_runs_every_job(overdue_unit, alice_mail):
    out = StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == ["reminders", "alerts", "alert_digest"]
    assert len(mail.outbox) == 1


def test_a_failing_job_does_not_stop_the_others_and_fails_the_command(
    overdue_unit, alice_mail, monkeypatch
):
    def broken(*, now):  # noqa: ANN001, ANN202
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "alerts_round", broken)
    out = StringIO()
    with pytest.raises(CommandError, match="failed: alerts"):
        call_command("run_scheduler", "--once", stdout=out)
    assert len(mail.outbox) == 1  # the reminders went all the same


def test_forever_schedules_every_job_at_its_period(monkeypatch, settings):
    from apscheduler.schedulers.blocking import BlockingScheduler

    settings.BEDWATCH_SCHEDULER_SECONDS = 30
    settings.BEDWATCH_ALERT_DIGEST_MINUTES = 10
    settings.BEDWATCH_ALERTS_SWEEP_SECONDS = 0.25
    seen = {}

    def start(self):  # noqa: ANN001, ANN202
        for job in self.get_jobs():
            seen[job.id] = (job.trigger.interval.total_seconds(), job.coalesce, job.max_instances)

    monkeypatch.setattr(BlockingScheduler, "start", start)
    scheduler.run_forever()
    assert seen == {
        "reminders": (30, True, 1),
        "alerts": (30, True, 1),
        "alert_digest": (600, True, 1),
        "alerts_sweep": (0.25, True, 1),
    }
