import pytest

from regions.models import Department, Region
from regions.selectors import region_get

pytestmark = pytest.mark.django_db


def test_every_region_and_department_exists_after_migrate():
    # The 18 régions and 101 départements, and Saint-Pierre-et-Miquelon (its own health
    # authority: one région with one département, both 975).
    assert Region.objects.count() == 19
    assert Department.objects.count() == 102
    assert Department.objects.get(code="975").region.name == "Saint-Pierre-et-Miquelon"
    assert Department.objects.get(code="2A").region_id == "94"
    assert Department.objects.get(code="974").region.name == "La Réunion"
    assert Department.objects.get(code="69").region_id == "84"


def test_region_lookup_accepts_overseas_department_codes():
    assert region_get(code="971").code == "01"
    assert region_get(code="975").code == "975"
    assert region_get(code="84").code == "84"
    assert region_get(code="99") is None
    assert region_get(code="69") is None  # a metropolitan département is not a région
