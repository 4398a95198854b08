"""`PATCH /api/v1/regions/{code}/` sets the reporting cadence and crisis mode."""

import pytest

from tests.helpers import session_client

pytestmark = pytest.mark.django_db


def test_coordinator_sets_crisis_with_a_shorter_cadence(api, carol, region_ara):
    response = api(carol).patch(
        "/api/v1/regions/84/", {"crisis": True, "reporting_cadence_minutes": 60}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["crisis"] is True
    assert response.json()["reporting_cadence_minutes"] == 60
    region_ara.refresh_from_db()
    assert (region_ara.crisis, region_ara.reporting_cadence_minutes) == (True, 60)
    # Back to normal: the default cadence again.
    back = api(carol).patch(
        "/api/v1/regions/84/", {"crisis": False, "reporting_cadence_minutes": None}, format="json"
    )
    assert back.json()["reporting_cadence_minutes"] is None
    assert back.json()["tension_occupancy_pct"] == region_ara.tension_occupancy_pct


def test_a_cadence_out_of_range_is_refused_naming_the_field(api, carol, region_ara):
    response = api(carol).patch(
        "/api/v1/regions/84/", {"reporting_cadence_minutes": 5}, format="json"
    )
    assert response.status_code == 400
    assert "reporting_cadence_minutes" in response.json()
    region_ara.refresh_from_db()
    assert region_ara.reporting_cadence_minutes is None


def test_staff_and_other_regions_cannot_set_crisis(api, alice, carol, region_idf):
    assert (
        api(alice).patch("/api/v1/regions/84/", {"crisis": True}, format="json").status_code == 403
    )
    assert (
        api(carol).patch("/api/v1/regions/11/", {"crisis": True}, format="json").status_code == 403
    )
    region_idf.refresh_from_db()
    assert region_idf.crisis is False


def test_create_account_takes_an_email_address(db):  # noqa: ANN001
    from io import StringIO

    from django.core.management import CommandError, call_command

    from accounts.models import User
    from tests.factories import HospitalFactory

    HospitalFactory(finess="690000017")
    call_command(
        "create_account",
        "nina",
        "--role",
        "staff",
        "--hospital",
        "690000017",
        "--email",
        "nina@chu-lyon.fr",
        stdout=StringIO(),
    )
    assert User.objects.get(username="nina").email == "nina@chu-lyon.fr"
    with pytest.raises(CommandError, match="--email: 'nina@' is not an email address"):
        call_command(
            "create_account",
            "olga",
            "--role",
            "staff",
            "--hospital",
            "690000017",
            "--email",
            "nina@",
            stdout=StringIO(),
        )
    assert not User.objects.filter(username="olga").exists()


def test_an_admin_sets_crisis_in_django_admin(erin, region_ara):
    client = session_client(erin)
    response = client.post(
        "/admin/regions/region/84/change/",
        {
            "tension_occupancy_pct": region_ara.tension_occupancy_pct,
            "tension_available_max": region_ara.tension_available_max,
            "reporting_cadence_minutes": 30,
            "crisis": "on",
            "departments-TOTAL_FORMS": 0,
            "departments-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    region_ara.refresh_from_db()
    assert (region_ara.crisis, region_ara.reporting_cadence_minutes) == (True, 30)
