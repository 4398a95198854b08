from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from beds.models import CapacityReport, Hospital, Unit
from beds.selectors import region_trend
from regions.models import Region

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_spans_several_regions(client):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    counts = (Hospital.objects.count(), Unit.objects.count(), CapacityReport.objects.count())
    assert "password" in out.getvalue()  # demo accounts are shown the first time

    again = StringIO()
    call_command("seed_demo", stdout=again)

    assert (
        Hospital.objects.count(),
        Unit.objects.count(),
        CapacityReport.objects.count(),
    ) == counts
    assert "password" not in again.getvalue()
    regions_with_units = Region.objects.filter(
        departments__hospitals__units__isnull=False
    ).distinct()
    assert regions_with_units.count() >= 4
    assert Region.objects.count() == 19  # the 18 régions and Saint-Pierre-et-Miquelon
    # A day of history per unit, with figures that respect the invariants (the DB enforces them).
    day_ago = timezone.now() - timedelta(hours=23)
    for unit in Unit.objects.all():
        assert unit.reports.count() >= 3
        assert unit.reports.order_by("observed_at").first().observed_at <= day_ago
    # The day reads as if reported live: each report received when observed, so the région's
    # trend moves over the day.
    assert not CapacityReport.objects.exclude(received_at=F("observed_at")).exists()
    trend = region_trend(region=Region.objects.get(code="84"), hours=24, step_minutes=240)
    available = [sum(k["available"] for k in p["kinds"]) for p in trend["points"]]
    assert len(set(available)) > 1, available
    # The printed accounts log in.
    assert client.login(username="coord-ara", password="demo-coord-2026")
    assert User.objects.get(username="staff-herriot").hospitals.count() == 1


def test_seed_demo_hospitals_are_real_finess_in_their_departments():
    call_command("seed_demo", stdout=StringIO())
    by_finess = {h.finess: h for h in Hospital.objects.select_related("department")}
    assert by_finess["690783154"].department_id == "69"
    assert by_finess["2A0000022"].department.region_id == "94"
    assert by_finess["970100442"].department.region_id == "01"
