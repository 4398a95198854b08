"""A reminder's one-time link: that unit's card, once, for two hours, and nothing else."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from alerts import services
from alerts.models import AuditEvent, UnitLink
from beds.models import CapacityReport, Source
from tests.alerts.conftest import links_in
from tests.factories import UnitFactory
from tests.helpers import report_form

pytestmark = pytest.mark.django_db


def _post(client: Client, unit, **figures) -> object:  # noqa: ANN001
    return client.post("/alerts/link/", report_form(unit, **figures, note=""))


@pytest.fixture
def token(overdue_unit, alice_mail) -> str:  # noqa: ANN001
    services.reminders_round()
    [token] = links_in(mail.outbox[0])
    return token


def test_the_link_opens_the_units_card_and_reports_once(overdue_unit, alice_mail, token):
    client = Client()
    opened = client.get(f"/alerts/link/{token}/")
    # The token's address is left at once, and tells no other site where it came from.
    assert opened.status_code == 302 and opened["Location"] == "/alerts/link/"
    assert opened["Referrer-Policy"] == "no-referrer"
    card = client.get("/alerts/link/")
    assert card.status_code == 200
    assert overdue_unit.label in card.content.decode()

    done = _post(client, overdue_unit, available=2, occupied=8)

    assert done.status_code == 302
    report = CapacityReport.objects.get(unit=overdue_unit, version=overdue_unit.version + 1)
    assert (report.available, report.reported_by, report.source) == (2, alice_mail, Source.WEB)
    assert client.get("/alerts/link/").status_code == 200  # "recorded, thank you"
    # Once: the card takes no second report, and the link does not open again.
    assert _post(client, overdue_unit, available=1, occupied=9).status_code in (403, 410)
    again = Client().get(f"/alerts/link/{token}/", follow=True)
    assert again.status_code == 410
    assert "déjà été utilisé" in again.content.decode()
    assert CapacityReport.objects.filter(unit=overdue_unit).count() == 1
    kinds = list(AuditEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds[-3:] == ["link_opened", "link_reported", "link_refused"]


def test_the_link_gives_access_to_nothing_else(overdue_unit, alice_mail, token):
    other = UnitFactory(hospital=overdue_unit.hospital, label="USC")
    client = Client()
    client.get(f"/alerts/link/{token}/")

    # No other page, no API, no other unit of the same hospital.
    assert client.get("/beds/").status_code == 302  # to the login page
    assert client.get("/api/v1/hospitals/").status_code in (401, 403)
    response = client.post(f"/beds/units/{other.pk}/report/", report_form(other, version=1))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    # Posting another unit's fields to the card changes nothing but its own unit.
    _post(client, overdue_unit, available=2, occupied=8)
    assert other.reports.count() == 0


def test_a_tampered_link_gets_a_french_page_and_no_access(overdue_unit, token):
    client = Client()
    response = client.get(f"/alerts/link/{token[:-2]}xx/", follow=True)
    assert response.status_code == 403
    assert "Ce lien n’est pas valide" in response.content.decode() or "pas valide" in (
        response.content.decode()
    )
    assert _post(client, overdue_unit, available=2, occupied=8).status_code == 403
    assert UnitLink.objects.get().opened_at is None
    assert AuditEvent.objects.filter(kind="link_refused", detail__reason="tampered").exists()


def test_an_expired_link_is_refused(overdue_unit, token):
    UnitLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = Client().get(f"/alerts/link/{token}/", follow=True)
    assert response.status_code == 410
    assert "expiré" in response.content.decode()


def test_a_link_expiring_while_the_card_is_open_reports_nothing(overdue_unit, token):
    client = Client()
    client.get(f"/alerts/link/{token}/")
    UnitLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _post(client, overdue_unit, available=2, occupied=8).status_code == 410
    assert overdue_unit.reports.count() == 0


def test_a_new_link_revokes_the_previous_one(overdue_unit, alice_mail, token):
    services.unit_link_issue(user=alice_mail, unit=overdue_unit)
    response = Client().get(f"/alerts/link/{token}/", follow=True)
    assert response.status_code == 403
    assert "remplacé" in response.content.decode()


def test_deactivating_the_account_revokes_its_links(overdue_unit, alice_mail, token):
    client = Client()
    client.get(f"/alerts/link/{token}/")
    alice_mail.is_active = False
    alice_mail.save()
    assert _post(client, overdue_unit, available=2, occupied=8).status_code == 403
    assert overdue_unit.reports.count() == 0


def test_a_refused_report_does_not_spend_the_link(overdue_unit, token):
    client = Client()
    client.get(f"/alerts/link/{token}/")
    bad = _post(client, overdue_unit, available=20, occupied=8)
    assert bad.status_code == 400
    assert "available" in bad.content.decode() or "Trop de lits" in bad.content.decode()
    assert _post(client, overdue_unit, available=2, occupied=8).status_code == 302


def test_links_never_appear_in_logs(overdue_unit, alice_mail, caplog):
    caplog.set_level(logging.DEBUG)
    services.reminders_round()
    [token] = links_in(mail.outbox[0])
    client = Client()
    client.get(f"/alerts/link/{token}/")
    _post(client, overdue_unit, available=2, occupied=8)
    Client().get(f"/alerts/link/{token}/")  # reused
    Client().get(f"/alerts/link/{token[:-3]}abc/")  # tampered
    secret = token.split(":")[0].split(".", 1)[1]
    assert caplog.records  # the requests were logged (403/410 …), just not their links
    for record in caplog.records:
        text = record.getMessage()
        assert token not in text and secret not in text
    assert not AuditEvent.objects.filter(detail__icontains=secret).exists()


def test_the_link_card_is_the_staff_pages_unit_card_in_its_short_form(
    overdue_unit, alice_mail, token
):
    link = Client()
    link.get(f"/alerts/link/{token}/")
    staff = Client()
    staff.force_login(alice_mail)

    card = link.get("/alerts/link/")
    page = staff.get("/beds/")

    # One partial for both: a change to a unit's card reaches the reminder's card too.
    used = {t.name for t in card.templates} & {t.name for t in page.templates}
    assert "beds/_unit_card.html" in used
    # Short: it posts to the link's page, with no steppers and no "Nothing changed".
    html = card.content.decode()
    assert 'action="/alerts/link/"' in html and "data-link-card" in html
    assert "stepper" not in html and 'value="unchanged"' not in html
    assert "stepper" in page.content.decode()
