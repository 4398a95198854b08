"""`HospitalFilter` applies the hospitals list's filters itself (django-filter), from a query
string as from the selectors' typed values."""

from datetime import timedelta

import pytest
from django.utils import timezone

from beds.filters import HospitalFilter, UnitFilter
from beds.models import Hospital, Unit, UnitKind
from regions.models import Department
from tests.factories import HospitalFactory, UnitFactory

pytestmark = [pytest.mark.django_db, pytest.mark.databases]


@pytest.fixture
def three(db):  # noqa: ANN001, ANN201
    """Lyon with a free REA bed, reported an hour ago; Villeurbanne (4 km away) with a full
    USIC, reported a day and a half ago; Paris, 390 km away, with a free REA bed."""
    now = timezone.now()
    rhone, paris = Department.objects.get(code="69"), Department.objects.get(code="75")
    lyon = HospitalFactory(name="Lyon", department=rhone, lat=45.75, lon=4.85)
    UnitFactory(
        hospital=lyon,
        kind=UnitKind.REA,
        installed=10,
        available=2,
        occupied=8,
        updated_at=now - timedelta(hours=1),
    )
    villeurbanne = HospitalFactory(name="Villeurbanne", department=rhone, lat=45.77, lon=4.88)
    UnitFactory(
        hospital=villeurbanne,
        kind=UnitKind.USIC,
        installed=6,
        available=0,
        occupied=6,
        updated_at=now - timedelta(hours=36),
    )
    pitie = HospitalFactory(name="Paris", department=paris, lat=48.84, lon=2.36)
    UnitFactory(
        hospital=pitie,
        kind=UnitKind.REA,
        installed=10,
        available=1,
        occupied=9,
        updated_at=now - timedelta(hours=1),
    )
    return now


def names(query: dict, now) -> list[str]:  # noqa: ANN001
    filters = HospitalFilter(query, queryset=Hospital.objects.all(), now=now)
    assert filters.is_valid(), filters.form.errors
    return sorted(filters.qs.values_list("name", flat=True))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["Lyon", "Paris", "Villeurbanne"]),
        ({"region": "84"}, ["Lyon", "Villeurbanne"]),
        ({"department": "75"}, ["Paris"]),
        ({"kind": "REA"}, ["Lyon", "Paris"]),
        ({"min_available": "1"}, ["Lyon", "Paris"]),
        ({"kind": "USIC", "min_available": "1"}, []),
        ({"freshness": "expired"}, ["Villeurbanne"]),
        ({"kind": "REA", "region": "84", "freshness": "fresh"}, ["Lyon"]),
        # The box around Lyon holds Villeurbanne (4 km), not Paris.
        ({"near": "45.75,4.85", "radius_km": "10"}, ["Lyon", "Villeurbanne"]),
        ({"near": "48.84,2.36"}, ["Paris"]),
    ],
)
def test_the_query_string_filters_the_hospitals(three, query, expected):
    assert names(query, three) == expected


def test_unit_filter_keeps_units_matching_all_three_together(three):
    units = UnitFilter(now=three).filter_values(
        Unit.objects.all(), {"kind": "REA", "min_available": 2, "freshness": "fresh"}
    )
    assert [u.hospital.name for u in units] == ["Lyon"]
