"""The live table of a région (/regions/<code>/table/): readers of the région only."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from beds.models import UnitKind
from regions.models import Department
from tests.factories import HospitalFactory, UnitFactory, report_received
from tests.helpers import session_client


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client, unit_lyon):
    response = client.get("/regions/84/table/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "code"),
    [("bob", "84"), ("alice", "11"), ("carol", "11")],  # staff and coordinator elsewhere
)
def test_non_readers_of_the_region_get_403(request, who, code, unit_lyon, unit_paris):
    client = session_client(request.getfixturevalue(who))
    assert client.get(f"/regions/{code}/table/").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["alice", "carol", "dave", "erin"])
def test_readers_of_the_region_see_the_table(request, who, unit_lyon):
    client = session_client(request.getfixturevalue(who))
    assert client.get("/regions/84/table/").status_code == 200


@pytest.mark.django_db
def test_unknown_region_is_404(erin):
    client = session_client(erin)
    assert client.get("/regions/99/table/").status_code == 404


@pytest.mark.django_db
def test_rows_carry_unit_id_and_available_and_the_page_goes_live(carol, unit_lyon, unit_paris):
    client = session_client(carol)

    response = client.get("/regions/84/table/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-unit-id="{unit_lyon.pk}" data-available="{unit_lyon.available}"' in html
    assert f'data-unit-id="{unit_paris.pk}"' not in html  # another région
    assert 'data-figure="available"' in html
    assert 'data-live-url="/ws/regions/84/" data-live-autoconnect' in html
    assert 'src="/static/realtime/live.js"' in html
    assert "http://" not in html and "https://" not in html  # nothing from another host


@pytest.mark.django_db
def test_the_last_24_hours_show_available_of_open_beds_per_kind_every_4_hours(carol, unit_lyon):
    now = timezone.now()
    report_received(unit_lyon, 1, now - timedelta(hours=30), available=6)
    report_received(unit_lyon, 2, now - timedelta(hours=10), available=1)
    client = session_client(carol)

    html = client.get("/regions/84/table/").content.decode()

    trend = html[html.index('aria-labelledby="trend-title"') :]
    assert "Les dernières 24 heures" in trend
    assert trend.count("<time datetime=") == 7  # 24 h ago, then every 4 hours until now
    # Réanimation adulte: 6 of 10 until 10 hours ago, then 1 of 10 (in tension).
    cells = re.findall(r'<td data-tension="(\w+)">(\d+) / (\d+)</td>', trend)
    assert cells == [("normal", "6", "10")] * 4 + [("tension", "1", "10")] * 3
    assert "data-unit-id" not in trend  # totals, not a unit: live updates leave them alone


@pytest.mark.django_db
def test_rows_say_tension_and_freshness_in_french_with_classes(carol, unit_lyon):
    full = UnitFactory(
        hospital=unit_lyon.hospital,
        kind=UnitKind.USIC,
        label="USIC",
        available=0,
        occupied=10,
        updated_at=timezone.now() - timedelta(hours=13),
    )
    client = session_client(carol)

    html = client.get("/regions/84/table/").content.decode()

    row = re.search(rf'<tr data-unit-id="{full.pk}"[^>]*>.*?</tr>', html, re.S)[0]
    assert 'class="bw-t-saturated bw-f-stale"' in row
    assert ">saturé<" in row and ">ancien<" in row  # words, not colour alone
    fresh = re.search(rf'<tr data-unit-id="{unit_lyon.pk}"[^>]*>.*?</tr>', html, re.S)[0]
    assert ">normal<" in fresh and ">à jour<" in fresh
    for english in (">fresh<", ">ageing<", ">stale<", ">expired<"):
        assert english not in html
    # Disponibles comes right after the unit's name.
    head = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', html)
    assert head[:2] == ["Unité", "Disponibles"]


@pytest.mark.django_db
def test_the_table_links_to_the_map_and_its_csv_export_and_the_maps_link_to_it(
    carol, dave, unit_lyon
):
    client = session_client(carol)
    html = client.get("/regions/84/table/").content.decode()
    assert 'href="/maps/regions/84/"' in html
    assert 'href="/api/v1/exports/capacity.csv?region=84"' in html
    assert client.get("/api/v1/exports/capacity.csv?region=84").status_code == 200
    assert 'href="/regions/84/table/"' in client.get("/maps/regions/84/").content.decode()
    client = session_client(dave)
    national = client.get("/maps/").content.decode()
    assert 'href="/regions/84/table/"' in national and 'href="/regions/11/table/"' in national


@pytest.mark.django_db
def test_times_are_in_the_regions_own_zone(erin):
    # 12:00 UTC is 08:00 in Guadeloupe, 13:00 in Paris (November).
    noon = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    guadeloupe = HospitalFactory(department=Department.objects.get(code="971"), finess="970100001")
    unit = UnitFactory(hospital=guadeloupe, updated_at=noon)
    client = session_client(erin)

    html = client.get("/regions/01/table/").content.decode()

    assert 'data-time-zone="America/Guadeloupe"' in html
    row = re.search(rf'<tr data-unit-id="{unit.pk}"[^>]*>.*?</tr>', html, re.S)[0]
    assert re.search(r"<time data-bw-clock[^>]*>(\d\d/\d\d )?08:00</time>", row), row
    assert "America/Guadeloupe" in html  # named where the viewer's zone differs
    paris = client.get("/regions/84/table/").content.decode()
    assert 'data-time-zone="Europe/Paris"' in paris


@pytest.mark.django_db
def test_the_trend_is_a_chart_too_over_24_hours_or_7_days(carol, unit_lyon):
    now = timezone.now()
    report_received(unit_lyon, 1, now - timedelta(days=3), available=6)
    report_received(unit_lyon, 2, now - timedelta(hours=10), available=1)
    client = session_client(carol)

    day = client.get("/regions/84/table/").content.decode()
    week = client.get("/regions/84/table/?span=7d").content.decode()

    assert "Lits libres par type sur les dernières 24 heures" in day
    line = re.search(r'<polyline class="bw-series bw-series-0" points="([^"]+)"', day)[1]
    assert len(line.split()) == 25  # every hour
    ys = [float(p.split(",")[1]) for p in line.split()]
    assert ys[0] < ys[-1]  # 6 free beds then 1: the line goes down (SVG y grows downwards)
    assert "Réanimation adulte — <strong>1</strong>" in day
    assert (
        "Les 7 derniers jours" in week and "Lits libres par type sur les 7 derniers jours" in week
    )
    assert re.search(r'<polyline class="bw-series bw-series-0" points="[^"]+"', week)
    assert client.get("/regions/84/table/?span=1y").status_code == 400


def test_the_table_page_lives_in_maps_and_regions_imports_no_app_above_it():
    root = Path(__file__).resolve().parents[2] / "regions"
    assert not (root / "views.py").exists()
    # (regions/services.py's import of accounts is the layering contract's to settle.)
    ours = ("beds", "maps", "realtime", "alerts", "fhir")
    for path in root.rglob("*.py"):
        source = path.read_text()
        for app in ours:
            assert not re.search(rf"^\s*(from|import) {app}\b", source, re.M), (path, app)
