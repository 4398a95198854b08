"""The staff page `/beds/`: alice (staff, Lyon) updates her units; bob (staff, Paris) may not
touch them; carol (coordinator) and dave (dispatcher) are not staff and get 403."""

from __future__ import annotations

import re

import pytest

from beds.models import CapacityReport, Source, Unit
from tests.factories import REPORT_FIGURES, UnitFactory, report
from tests.helpers import report_form, session_client


def report_url(unit) -> str:  # noqa: ANN001
    return f"/beds/units/{unit.pk}/report/"


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get("/beds/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/beds/")


@pytest.mark.django_db
def test_staff_home_redirects_to_their_units(alice):
    client = session_client(alice)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/beds/"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["carol", "dave", "erin"])
def test_non_staff_get_403_on_the_staff_page(request, who, unit_lyon):
    client = session_client(request.getfixturevalue(who))
    assert client.get("/beds/").status_code == 403


@pytest.mark.django_db
def test_coordinator_home_offers_the_map(carol):
    # Issue 5: "/" takes a coordinator straight to their map (one région: that région's map).
    client = session_client(carol)
    response = client.get("/", follow=True)
    assert response.redirect_chain[0][0] == "/maps/regions/84/"
    assert response.status_code == 200
    assert 'href="/maps/"' in response.content.decode()


@pytest.mark.django_db
def test_staff_page_shows_own_units_prefilled_with_data_attributes(alice, unit_lyon, unit_paris):
    client = session_client(alice)
    response = client.get("/beds/")
    html = response.content.decode()

    assert response.status_code == 200
    assert f'data-unit-id="{unit_lyon.pk}" data-available="3"' in html
    assert f'data-unit-id="{unit_paris.pk}"' not in html  # bob's hospital
    assert "Hôpital Édouard Herriot" in html
    # Pre-filled with the last figures, and the version the page shows.
    assert re.search(rf'name="unit-{unit_lyon.pk}-occupied"[^>]*value="7"', html)
    assert f'name="unit-{unit_lyon.pk}-version" value="1"' in html


@pytest.mark.django_db
def test_staff_update_records_a_web_report(alice, unit_lyon):
    client = session_client(alice)
    response = client.post(report_url(unit_lyon), report_form(unit_lyon, available=2, occupied=8))

    assert response.status_code == 302
    assert response["Location"] == f"/beds/?saved={unit_lyon.pk}#unit-{unit_lyon.pk}"
    report = CapacityReport.objects.get(unit=unit_lyon)
    assert report.source == Source.WEB and report.reporter_username == "alice"
    assert (report.available, report.occupied, report.version) == (2, 8, 2)
    assert not report.on_behalf
    page = client.get(response["Location"]).content.decode()
    assert f'data-unit-id="{unit_lyon.pk}" data-available="2"' in page


@pytest.mark.django_db
def test_wrong_value_shows_error_next_to_field_and_stores_nothing(alice, unit_lyon):
    client = session_client(alice)
    response = client.post(report_url(unit_lyon), report_form(unit_lyon, occupied="huit"))

    html = response.content.decode()
    assert response.status_code == 400
    field_id = f"id_unit-{unit_lyon.pk}-occupied"
    assert f'id="{field_id}_error"' in html
    assert re.search(rf'id="{field_id}"[^>]*aria-invalid="true"', html)
    assert not CapacityReport.objects.exists()
    assert Unit.objects.get(pk=unit_lyon.pk).version == 1


@pytest.mark.django_db
def test_beds_beyond_capacity_are_refused_on_available(alice, unit_lyon):
    client = session_client(alice)
    response = client.post(report_url(unit_lyon), report_form(unit_lyon, available=5))

    assert response.status_code == 400
    assert response.context["rows"][0].units[0].form.errors["available"]
    assert not CapacityReport.objects.exists()


@pytest.mark.django_db
def test_staff_cannot_update_another_hospitals_unit(bob, unit_lyon):
    client = session_client(bob)
    response = client.post(report_url(unit_lyon), report_form(unit_lyon, available=2, occupied=8))

    assert response.status_code == 403
    assert not CapacityReport.objects.exists()


@pytest.mark.django_db
def test_coordinator_cannot_post_through_the_staff_page(carol, unit_lyon):
    client = session_client(carol)
    response = client.post(report_url(unit_lyon), report_form(unit_lyon, available=2, occupied=8))
    assert response.status_code == 403
    assert not CapacityReport.objects.exists()


@pytest.mark.django_db
def test_unknown_unit_is_404(alice):
    client = session_client(alice)
    assert client.post("/beds/units/999999/report/", {}).status_code == 404


@pytest.mark.django_db
def test_get_on_report_url_is_not_allowed(alice, unit_lyon):
    client = session_client(alice)
    assert client.get(report_url(unit_lyon)).status_code == 405


@pytest.mark.django_db
def test_confirm_unchanged_records_a_new_report_with_the_same_figures(alice, unit_lyon):
    first = report(unit_lyon, None, source="api")
    client = session_client(alice)
    # The card posts its fields with the button: here still the recorded figures.
    data = {**report_form(unit_lyon, version=2), "action": "unchanged"}
    response = client.post(report_url(unit_lyon), data)

    assert response.status_code == 302
    latest = CapacityReport.objects.filter(unit=unit_lyon).order_by("-version").first()
    assert latest.pk != first.pk and latest.version == 3
    assert latest.figures() == first.figures() == REPORT_FIGURES
    assert latest.source == Source.WEB and latest.received_at >= first.received_at


@pytest.mark.django_db
def test_stale_version_shows_newer_figures_and_stores_nothing(alice, unit_lyon):
    client = session_client(alice)
    seen = 1
    # Someone else reports in the meantime: available goes to 1.
    report(unit_lyon, None, source="api", available=1, occupied=9)
    response = client.post(
        report_url(unit_lyon), report_form(unit_lyon, available=2, occupied=8, version=seen)
    )

    html = response.content.decode()
    assert response.status_code == 409
    assert CapacityReport.objects.filter(unit=unit_lyon).count() == 1
    assert "notice--warning" in html and 'data-available="1"' in html
    # To keep the newer figures: show them again (the typed ones disable "Nothing changed").
    assert f'<a href="/beds/#unit-{unit_lyon.pk}">Ou réafficher les chiffres plus récents' in html
    # The typed figures stay in the form and the version is now the current one, so saving
    # again confirms them.
    assert re.search(rf'name="unit-{unit_lyon.pk}-available"[^>]*value="2"', html)
    assert f'name="unit-{unit_lyon.pk}-version" value="2"' in html

    again = client.post(
        report_url(unit_lyon), report_form(unit_lyon, available=2, occupied=8, version=2)
    )
    assert again.status_code == 302
    assert Unit.objects.get(pk=unit_lyon.pk).available == 2


@pytest.mark.django_db
def test_confirm_unchanged_without_figures_posted_records_the_recorded_ones(alice, unit_lyon):
    report(unit_lyon, None, source="api")
    client = session_client(alice)
    data = {"action": "unchanged", f"unit-{unit_lyon.pk}-version": 2}
    assert client.post(report_url(unit_lyon), data).status_code == 302
    assert Unit.objects.get(pk=unit_lyon.pk).version == 3


@pytest.mark.django_db
def test_confirm_unchanged_over_edited_figures_is_refused_keeping_what_was_typed(alice, unit_lyon):
    # Issue 13 item 3: typing 0 available / 8 occupied then pressing "Nothing changed" (no
    # JavaScript to disable it) must not record the old "3 available" as fresh.
    report(unit_lyon, None, source="api")
    client = session_client(alice)
    data = {**report_form(unit_lyon, available=0, occupied=8, version=2), "action": "unchanged"}
    data[f"unit-{unit_lyon.pk}-note"] = "lit 4 pris"
    response = client.post(report_url(unit_lyon), data)

    html = response.content.decode()
    assert response.status_code == 400
    assert CapacityReport.objects.filter(unit=unit_lyon).count() == 1
    assert Unit.objects.get(pk=unit_lyon.pk).version == 2
    assert "Vous avez modifié des chiffres" in html
    assert "Rien n’a été enregistré" in html
    assert "Disponibles : enregistré 3, saisi <strong>0</strong>" in html
    assert "Occupés : enregistré 7, saisi <strong>8</strong>" in html
    # What was typed stays, and "Nothing changed" is not offered over it.
    assert re.search(rf'name="unit-{unit_lyon.pk}-available"[^>]*value="0"', html)
    assert re.search(rf'name="unit-{unit_lyon.pk}-occupied"[^>]*value="8"', html)
    assert 'value="lit 4 pris"' in html
    assert re.search(r'value="unchanged" data-unchanged [^>]*disabled', html)
    # Saving them records them.
    saved = client.post(
        report_url(unit_lyon), report_form(unit_lyon, available=0, occupied=8, version=2)
    )
    assert saved.status_code == 302
    assert Unit.objects.get(pk=unit_lyon.pk).available == 0


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["", "abc", "03x"])
def test_confirm_unchanged_over_a_cleared_or_garbled_figure_is_refused(alice, unit_lyon, typed):
    report(unit_lyon, None, source="api")
    client = session_client(alice)
    data = {**report_form(unit_lyon, version=2), "action": "unchanged"}
    data[f"unit-{unit_lyon.pk}-available"] = typed
    assert client.post(report_url(unit_lyon), data).status_code == 400
    assert CapacityReport.objects.filter(unit=unit_lyon).count() == 1


@pytest.mark.django_db
def test_confirm_unchanged_with_the_figures_written_differently_is_accepted(alice, unit_lyon):
    report(unit_lyon, None, source="api")
    client = session_client(alice)
    data = {**report_form(unit_lyon, version=2), "action": "unchanged"}
    data[f"unit-{unit_lyon.pk}-available"] = " 03 "
    assert client.post(report_url(unit_lyon), data).status_code == 302


@pytest.mark.django_db
def test_the_card_offers_nothing_changed_only_over_the_recorded_figures(alice, unit_lyon):
    client = session_client(alice)
    html = client.get("/beds/").content.decode()
    button = re.search(r'<button[^>]*value="unchanged"[^>]*>', html)[0]
    assert "disabled" not in button
    # Each field carries the recorded figure, for the page's script to compare.
    assert re.search(rf'name="unit-{unit_lyon.pk}-available"[^>]*data-current="3"', html)
    # After a sharp-change warning the card shows the typed figures: no "Nothing changed".
    report(unit_lyon, None, source="api")
    warned = client.post(
        report_url(unit_lyon), report_form(unit_lyon, available=10, occupied=0, version=2)
    )
    assert warned.status_code == 200
    button = re.search(r'<button[^>]*value="unchanged"[^>]*>', warned.content.decode())[0]
    assert "disabled" in button


@pytest.mark.django_db
def test_stale_unchanged_is_a_conflict_too(alice, unit_lyon):
    client = session_client(alice)
    report(unit_lyon, None, source="api")
    response = client.post(
        report_url(unit_lyon), {"action": "unchanged", f"unit-{unit_lyon.pk}-version": 1}
    )
    assert response.status_code == 409
    assert CapacityReport.objects.filter(unit=unit_lyon).count() == 1
    # With the card's figures posted too (as shown before the other report): still a conflict.
    data = {**report_form(unit_lyon, version=1, available=2), "action": "unchanged"}
    assert client.post(report_url(unit_lyon), data).status_code == 409


@pytest.mark.django_db
def test_sharp_jump_asks_for_confirmation_before_storing(alice, unit_lyon):
    report(unit_lyon, None, source="api", installed=20, available=2, occupied=18)
    client = session_client(alice)
    jump = report_form(unit_lyon, installed=20, available=14, occupied=6, version=2)
    response = client.post(report_url(unit_lyon), jump)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Disponibles : 2 → <strong>14</strong>" in html
    assert f'name="unit-{unit_lyon.pk}-confirm_jump"' in html
    assert CapacityReport.objects.filter(unit=unit_lyon).count() == 1

    confirmed = client.post(
        report_url(unit_lyon), {**jump, f"unit-{unit_lyon.pk}-confirm_jump": "on"}
    )
    assert confirmed.status_code == 302
    assert Unit.objects.get(pk=unit_lyon.pk).available == 14


@pytest.mark.django_db
def test_page_renders_in_english_and_french(alice, unit_lyon):
    client = session_client(alice)
    french = client.get("/beds/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    english = client.get("/beds/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<html lang="fr"' in french and "Mes unités" in french and "Disponibles" in french
    assert '<html lang="en"' in english and "My units" in english and "Available" in english


@pytest.mark.django_db
def test_language_switch_sets_english(alice, unit_lyon):
    client = session_client(alice)
    client.post("/i18n/setlang/", {"language": "en", "next": "/beds/"})
    assert "My units" in client.get("/beds/").content.decode()


@pytest.mark.django_db
def test_first_report_of_a_new_unit_is_not_a_sharp_change(alice, hospital_lyon):
    unit = UnitFactory(
        hospital=hospital_lyon, installed=0, available=0, occupied=0, version=0, updated_at=None
    )
    client = session_client(alice)
    page = client.get("/beds/").content.decode()
    assert "jamais déclaré" in page

    response = client.post(
        report_url(unit), report_form(unit, installed=20, available=14, occupied=6, version=0)
    )

    assert response.status_code == 302
    assert Unit.objects.get(pk=unit.pk).available == 14
