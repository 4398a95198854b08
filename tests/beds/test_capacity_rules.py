"""The ROR invariants, in validation and in the database itself."""

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from beds.capacity import figures_errors, freshness_judge, freshness_of, tension_of
from beds.models import CapacityReport, Unit
from tests.factories import UnitFactory

OK = {"installed": 10, "available": 2, "occupied": 6, "reserved": 1, "closed": 1, "extra": 0}


def test_acceptable_figures_have_no_errors():
    assert figures_errors(OK) == {}
    assert figures_errors({**OK, "extra": 3, "available": 5}) == {}
    assert figures_errors(dict.fromkeys(OK, 0)) == {}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"available": -1}, "available"),
        ({"installed": 1000}, "installed"),
        ({"extra": "2"}, "extra"),
        ({"closed": None}, "closed"),
        ({"available": 3}, "available"),
        ({"closed": 10, "occupied": 0, "reserved": 0, "available": 1}, "available"),
    ],
)
def test_broken_rules_name_the_field(change, field):
    assert field in figures_errors({**OK, **change})


def test_freshness_bands():
    now = timezone.now()
    assert freshness_of(now - timedelta(hours=3), now=now) == "fresh"
    assert freshness_of(now - timedelta(hours=4), now=now) == "ageing"
    assert freshness_of(now - timedelta(hours=12), now=now) == "stale"
    assert freshness_of(now - timedelta(hours=25), now=now) == "expired"
    assert freshness_of(None, now=now) == "expired"


def test_freshness_judge_agrees_with_freshness_of_on_every_boundary():
    now = timezone.now()
    judge = freshness_judge(now=now)
    ages = [timedelta(0), timedelta(days=3)]
    for hours in (4, 12, 24):
        for microseconds in (-1, 0, 1):
            ages.append(timedelta(hours=hours, microseconds=microseconds))
    for age in ages:
        expected = freshness_of(now - age, now=now)
        assert judge(now - age) == expected, age
    assert judge(None) == "expired"


def test_tension_levels():
    base = {"installed": 10, "extra": 0, "closed": 0, "occupancy_pct": 90, "available_max": 1}
    assert tension_of(available=0, occupied=10, **base) == "saturated"
    assert tension_of(available=1, occupied=5, **base) == "tension"
    assert tension_of(available=2, occupied=8, **{**base, "occupancy_pct": 80}) == "tension"
    assert tension_of(available=5, occupied=5, **base) == "normal"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "figures",
    [
        {"available": 5, "occupied": 6},
        {"installed": 1000},
        {"closed": 10, "available": 1, "occupied": 0},
    ],
)
def test_database_refuses_figures_that_break_the_invariants(unit_lyon, figures):
    with pytest.raises(IntegrityError):
        Unit.objects.filter(pk=unit_lyon.pk).update(**figures)


@pytest.mark.django_db
def test_database_refuses_negative_figures(unit_lyon):
    with pytest.raises(IntegrityError):
        Unit.objects.filter(pk=unit_lyon.pk).update(available=-1, occupied=0)


@pytest.mark.django_db
def test_reports_are_append_only(alice, unit_lyon):
    from beds.services import unit_report_create

    report = unit_report_create(unit_id=unit_lyon.pk, user=alice, figures=OK, source="api")
    with pytest.raises(TypeError):
        report.save()
    with pytest.raises(TypeError):
        report.delete()
    with pytest.raises(TypeError):
        CapacityReport.objects.filter(pk=report.pk).update(available=0)
    with pytest.raises(TypeError):
        CapacityReport.objects.all().delete()
    assert CapacityReport.objects.get(pk=report.pk).available == 2


@pytest.mark.django_db
def test_two_reports_cannot_share_a_version(unit_lyon):
    CapacityReport.objects.create(unit=unit_lyon, version=5, source="api", **OK)
    with pytest.raises(IntegrityError):
        CapacityReport.objects.create(unit=unit_lyon, version=5, source="api", **OK)


@pytest.mark.django_db
def test_unit_factory_respects_the_invariants():
    unit = UnitFactory()
    assert figures_errors(unit.figures()) == {}
