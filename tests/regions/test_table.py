"""The live table of a région (/regions/<code>/table/): readers of the région only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import report_received


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client, unit_lyon):
    response = client.get("/regions/84/table/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "code"),
    [("bob", "84"), ("alice", "11"), ("carol", "11")],  # staff and coordinator elsewhere
)
def test_non_readers_of_the_region_get_403(client, request, who, code, unit_lyon, unit_paris):
    client.force_login(request.getfixturevalue(who))
    assert client.get(f"/regions/{code}/table/").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["alice", "carol", "dave", "erin"])
def test_readers_of_the_region_see_the_table(client, request, who, unit_lyon):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/regions/84/table/").status_code == 200


@pytest.mark.django_db
def test_unknown_region_is_404(client, erin):
    client.force_login(erin)
    assert client.get("/regions/99/table/").status_code == 404


@pytest.mark.django_db
def test_rows_carry_unit_id_and_available_and_the_page_goes_live(
    client, carol, unit_lyon, unit_paris
):
    client.force_login(carol)

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
def test_the_last_24_hours_show_available_of_open_beds_per_kind_every_4_hours(
    client, carol, unit_lyon
):
    now = timezone.now()
    report_received(unit_lyon, 1, now - timedelta(hours=30), available=6)
    report_received(unit_lyon, 2, now - timedelta(hours=10), available=1)
    client.force_login(carol)

    html = client.get("/regions/84/table/").content.decode()

    trend = html[html.index('aria-labelledby="trend-title"') :]
    assert "Les dernières 24 heures" in trend
    assert trend.count("<time datetime=") == 7  # 24 h ago, then every 4 hours until now
    # Réanimation adulte: 6 of 10 until 10 hours ago, then 1 of 10 (in tension).
    cells = re.findall(r'<td data-tension="(\w+)">(\d+) / (\d+)</td>', trend)
    assert cells == [("normal", "6", "10")] * 4 + [("tension", "1", "10")] * 3
    assert "data-unit-id" not in trend  # totals, not a unit: live updates leave them alone
