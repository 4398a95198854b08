from datetime import timedelta

import pytest
from django.utils import timezone

from beds.models import UnitKind
from tests.factories import HospitalFactory, UnitFactory

pytestmark = pytest.mark.django_db


def test_summary_totals_per_kind_with_freshness_counts(api, carol, hospital_lyon):
    now = timezone.now()
    other = HospitalFactory()
    UnitFactory(
        hospital=hospital_lyon,
        kind=UnitKind.REA,
        installed=10,
        available=2,
        occupied=8,
        updated_at=now - timedelta(hours=1),
    )
    UnitFactory(
        hospital=other,
        kind=UnitKind.REA,
        installed=6,
        available=0,
        occupied=5,
        reserved=1,
        updated_at=now - timedelta(hours=20),
    )
    UnitFactory(
        hospital=other,
        kind=UnitKind.USIC,
        installed=4,
        available=4,
        occupied=0,
        updated_at=None,
        version=0,
    )
    # A unit in another région is not counted.
    UnitFactory(
        hospital=HospitalFactory(finess="750000001", department_id="75"),
        installed=99,
        available=50,
        occupied=49,
    )

    summary = api(carol).get("/api/v1/regions/84/summary/").json()

    assert summary["units"] == 3
    assert summary["freshness"] == {"fresh": 1, "ageing": 0, "stale": 1, "expired": 1}
    rea = next(k for k in summary["kinds"] if k["kind"] == "REA")
    assert (rea["units"], rea["installed"], rea["available"], rea["occupied"], rea["reserved"]) == (
        2,
        16,
        2,
        13,
        1,
    )
    assert rea["freshness"] == {"fresh": 1, "ageing": 0, "stale": 1, "expired": 0}
    usic = next(k for k in summary["kinds"] if k["kind"] == "USIC")
    assert usic["freshness"]["expired"] == 1 and usic["tension"] == "normal"


def test_summary_of_unknown_region_is_404(api, carol, db):
    assert api(carol).get("/api/v1/regions/99/summary/").status_code == 404


def test_freshness_thresholds_are_configurable(api, carol, hospital_lyon, settings):
    UnitFactory(hospital=hospital_lyon, updated_at=timezone.now() - timedelta(hours=2))
    settings.BEDWATCH_FRESH_HOURS = 1
    summary = api(carol).get("/api/v1/regions/84/summary/").json()
    assert summary["freshness"]["ageing"] == 1


def test_openapi_schema_describes_the_api(client, db):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in [
        "/api/v1/hospitals/",
        "/api/v1/units/{unit_id}/",
        "/api/v1/units/{unit_id}/reports/",
        "/api/v1/regions/{code}/summary/",
    ]:
        assert path in schema["paths"], path
    assert "post" in schema["paths"]["/api/v1/units/{unit_id}/reports/"]
    assert "409" in schema["paths"]["/api/v1/units/{unit_id}/reports/"]["post"]["responses"]
