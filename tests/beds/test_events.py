"""The live event of a report carries the unit as committed, and is sent only after commit."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from beds import events, services
from beds.models import Source
from beds.selectors import unit_get, unit_to_dict

FIGURES = {"installed": 10, "available": 3, "occupied": 7, "reserved": 0, "closed": 0, "extra": 0}


@pytest.fixture
def sent(monkeypatch):  # noqa: ANN001, ANN201
    """Every (audience, event) the feed was given, round-tripped through JSON."""
    messages: list[tuple[str, dict]] = []

    def publish_each(pairs):  # noqa: ANN001, ANN202
        messages.extend((audience, json.loads(json.dumps(event))) for audience, event in pairs)
        return True

    monkeypatch.setattr(events, "publish_each", publish_each)
    return messages


@pytest.mark.django_db
def test_report_event_equals_the_committed_unit_for_its_region_and_the_nation(
    alice, unit_lyon, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.unit_report_create(
            unit_id=unit_lyon.pk, user=alice, figures=FIGURES, source=Source.API, version=1
        )
    assert sent == []  # nothing before commit

    for callback in callbacks:
        callback()

    committed = unit_to_dict(unit_get(unit_id=unit_lyon.pk), now=timezone.now())
    assert committed["version"] == 2 and committed["available"] == 3
    assert sent == [
        ("region.84", {"type": "units.changed", "units": [committed]}),
        ("national", {"type": "units.changed", "units": [committed]}),
    ]


@pytest.mark.django_db
def test_stale_report_publishes_nothing(alice, unit_lyon, sent, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(services.VersionConflict),
    ):
        services.unit_report_create(
            unit_id=unit_lyon.pk, user=alice, figures=FIGURES, source=Source.API, version=7
        )

    assert sent == []


@pytest.mark.django_db
def test_report_on_an_inactive_hospital_is_stored_but_not_published(
    erin, unit_lyon, sent, django_capture_on_commit_callbacks
):
    unit_lyon.hospital.active = False
    unit_lyon.hospital.save()

    with django_capture_on_commit_callbacks(execute=True):
        services.unit_report_create(
            unit_id=unit_lyon.pk, user=erin, figures=FIGURES, source=Source.API
        )

    assert unit_get(unit_id=unit_lyon.pk).version == 2
    assert sent == []
