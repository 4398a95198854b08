"""The live event of a report carries the unit as committed, and is sent only after commit."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from beds import events, services
from beds.models import Source, UnitKind
from beds.selectors import unit_get, unit_to_dict
from tests.factories import HospitalFactory, UnitFactory

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
    # With the tensions a map shows, judged once here (3 free of 10: normal).
    committed |= {
        "tension": "normal",
        "department": "69",
        "hospital_tension": "normal",
        "hospital_tension_all": "normal",
        "department_tension": "normal",
        "department_tension_all": "normal",
    }
    assert sent == [
        ("region.84", {"type": "units.changed", "units": [committed]}),
        ("national", {"type": "units.changed", "units": [committed]}),
    ]


@pytest.mark.django_db
def test_the_event_judges_the_hospitals_and_the_departements_beds_together(
    alice, unit_lyon, sent, django_capture_on_commit_callbacks
):
    # Another Rhône hospital's REA unit is full; the Lyon hospital's USIC has 8 free beds.
    UnitFactory(hospital=HospitalFactory(), available=0, occupied=10)
    UnitFactory(hospital=unit_lyon.hospital, kind=UnitKind.USIC, available=8, occupied=2)
    with django_capture_on_commit_callbacks(execute=True):
        services.unit_report_create(
            unit_id=unit_lyon.pk,
            user=alice,
            figures=FIGURES | {"available": 1, "occupied": 9},
            source=Source.API,
            version=1,
        )

    (unit,) = sent[0][1]["units"]
    assert unit["tension"] == "tension"  # 1 free bed: at the région's available_max
    assert unit["hospital_tension"] == "tension"  # its REA beds: the same unit
    assert unit["hospital_tension_all"] == "normal"  # 9 free of 20 with the USIC
    assert unit["department_tension"] == "tension"  # the Rhône's REA: 1 free of 20
    assert unit["department_tension_all"] == "normal"  # 9 free, 21 of 30 occupied
    assert unit["department"] == "69"


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
