"""The demo shows the alerts: an overdue unit and an open alert."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from alerts import services
from alerts.models import Alert
from beds import demo

pytestmark = pytest.mark.django_db(transaction=True)


def test_seed_demo_leaves_an_overdue_unit_and_an_open_alert(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("seed_demo", stdout=StringIO())
    services.alerts_round()  # what `make run`'s scheduler does first

    saturated = Alert.objects.filter(region_id="84", scope="region", unit_kind="BURN")
    assert saturated.get().level == "saturated"
    assert saturated.get().state == "open"

    services.reminders_round()
    reminded = [m for m in mail.outbox if m.to == ["staff-herriot@bedwatch.test"]]
    assert len(reminded) == 1
    assert demo.OVERDUE_UNIT[1] in reminded[0].body
