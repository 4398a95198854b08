"""The hospitals list: scope, filters, near search with distances, pagination, bad filters."""

from datetime import timedelta

import pytest
from django.utils import timezone

from beds.models import UnitKind
from beds.selectors import haversine_km
from regions.models import Department
from tests.conftest import HOSPITAL_API_FIELDS, UNIT_CONTRACT_FIELDS
from tests.factories import HospitalFactory, UnitFactory

pytestmark = [pytest.mark.django_db, pytest.mark.databases]

# One degree of latitude on the mean Earth sphere (R = 6371.0088 km).
KM_PER_DEGREE = 111.19508


def results(response):  # noqa: ANN001, ANN201
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture
def north_of_lyon(db):  # noqa: ANN001, ANN201
    """Hospitals due north of (45.0, 4.85) at 0.1°, 0.2°, 0.5° and 2°, with adult ICU beds
    available 3, 0, 1 and 5."""
    origin = (45.0, 4.85)
    made = {}
    for name, dlat, available in [
        ("near", 0.1, 3),
        ("full", 0.2, 0),
        ("mid", 0.5, 1),
        ("far", 2.0, 5),
    ]:
        hospital = HospitalFactory(name=name, lat=origin[0] + dlat, lon=origin[1])
        UnitFactory(
            hospital=hospital,
            kind=UnitKind.REA,
            installed=10,
            available=available,
            occupied=10 - available,
        )
        UnitFactory(hospital=hospital, kind=UnitKind.USIC, installed=4, available=4, occupied=0)
        made[name] = hospital
    return origin, made


def test_haversine_matches_known_distances():
    # Paris Notre-Dame to Lyon Bellecour: 391.5 km on the sphere.
    assert haversine_km(48.8530, 2.3499, 45.7578, 4.8320) == pytest.approx(391.5, abs=1.0)
    assert haversine_km(0, 0, 1, 0) == pytest.approx(KM_PER_DEGREE, rel=1e-4)
    assert haversine_km(10, 20, 10, 20) == 0


def test_near_search_returns_hospitals_within_radius_with_free_beds_nearest_first(
    api, dave, north_of_lyon
):
    origin, made = north_of_lyon
    found = results(
        api(dave).get(
            "/api/v1/hospitals/",
            {
                "near": f"{origin[0]},{origin[1]}",
                "radius_km": 60,
                "kind": "REA",
                "min_available": 1,
            },
        )
    )

    # "full" has no free adult ICU bed; "far" is 222 km away.
    assert [h["name"] for h in found] == ["near", "mid"]
    assert found[0]["distance_km"] == pytest.approx(0.1 * KM_PER_DEGREE, abs=0.01)
    assert found[1]["distance_km"] == pytest.approx(0.5 * KM_PER_DEGREE, abs=0.01)


def test_near_search_without_kind_keeps_every_hospital_in_radius_sorted(api, dave, north_of_lyon):
    origin, _ = north_of_lyon
    found = results(
        api(dave).get("/api/v1/hospitals/", {"near": f"{origin[0]},{origin[1]}", "radius_km": 300})
    )
    assert [h["name"] for h in found] == ["near", "full", "mid", "far"]
    distances = [h["distance_km"] for h in found]
    assert distances == sorted(distances)


def test_radius_boundary_is_inclusive_of_closer_and_excludes_farther(api, dave, north_of_lyon):
    origin, _ = north_of_lyon
    found = results(
        api(dave).get("/api/v1/hospitals/", {"near": f"{origin[0]},{origin[1]}", "radius_km": 22})
    )
    assert [h["name"] for h in found] == ["near"]  # "full" is 22.24 km away


def test_near_search_default_radius_is_50_km(api, dave, north_of_lyon):
    origin, _ = north_of_lyon
    found = results(api(dave).get("/api/v1/hospitals/", {"near": f"{origin[0]},{origin[1]}"}))
    assert [h["name"] for h in found] == ["near", "full"]


def test_min_available_applies_to_units_of_the_kind(api, dave, north_of_lyon):
    found = results(api(dave).get("/api/v1/hospitals/", {"kind": "USIC", "min_available": 4}))
    assert len(found) == 4  # every USIC has 4 free beds, whatever the REA figures
    found = results(api(dave).get("/api/v1/hospitals/", {"kind": "REA", "min_available": 3}))
    assert {h["name"] for h in found} == {"near", "far"}


def test_region_and_department_filters(api, dave, unit_lyon, unit_paris):
    assert [
        h["finess"] for h in results(api(dave).get("/api/v1/hospitals/", {"region": "11"}))
    ] == ["750100125"]
    assert [
        h["finess"] for h in results(api(dave).get("/api/v1/hospitals/", {"department": "69"}))
    ] == ["690783154"]


def test_freshness_filter(api, dave, db):
    now = timezone.now()
    for name, age in [("fresh", 1), ("ageing", 5), ("stale", 13), ("expired", 30)]:
        UnitFactory(hospital=HospitalFactory(name=name), updated_at=now - timedelta(hours=age))
    UnitFactory(hospital=HospitalFactory(name="never"), updated_at=None, version=0)
    for freshness, names in [
        ("fresh", {"fresh"}),
        ("ageing", {"ageing"}),
        ("stale", {"stale"}),
        ("expired", {"expired", "never"}),
    ]:
        found = results(api(dave).get("/api/v1/hospitals/", {"freshness": freshness}))
        assert {h["name"] for h in found} == names, freshness
        for h in found:
            assert h["units"][0]["freshness"] == freshness


def test_unit_fields_follow_the_contract(api, dave, unit_lyon):
    [hospital] = results(api(dave).get("/api/v1/hospitals/"))
    assert {"finess", "name", "lat", "lon", "department", "region", "phone", "units"} <= set(
        hospital
    )
    assert hospital["department"] == "69" and hospital["region"] == "84"
    [unit] = hospital["units"]
    assert set(unit) >= UNIT_CONTRACT_FIELDS


def test_overseas_region_answers_to_its_department_code(api, dave, db):
    HospitalFactory(
        finess="970100442", department=Department.objects.get(code="971"), lat=16.27, lon=-61.5
    )
    assert [
        h["finess"] for h in results(api(dave).get("/api/v1/hospitals/", {"region": "971"}))
    ] == ["970100442"]
    assert [
        h["finess"] for h in results(api(dave).get("/api/v1/hospitals/", {"region": "01"}))
    ] == ["970100442"]


def test_list_is_paginated(api, dave, db):
    for _ in range(5):
        HospitalFactory()
    page = api(dave).get("/api/v1/hospitals/", {"page_size": 2}).json()
    assert page["count"] == 5 and len(page["results"]) == 2 and page["next"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"near": "45.7"}, "near"),
        ({"near": "north,south"}, "near"),
        ({"near": "95,4"}, "near"),
        ({"near": "45,4", "radius_km": "-3"}, "radius_km"),
        ({"near": "45,4", "radius_km": "far"}, "radius_km"),
        ({"near": "45,4", "radius_km": "5000"}, "radius_km"),
        ({"radius_km": "10"}, "radius_km"),
        ({"kind": "ICU"}, "kind"),
        ({"min_available": "-1"}, "min_available"),
        ({"min_available": "two"}, "min_available"),
        ({"freshness": "old"}, "freshness"),
        ({"region": "99"}, "region"),
    ],
)
def test_bad_filters_get_400_naming_the_field(api, dave, db, params, field):
    response = api(dave).get("/api/v1/hospitals/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_unknown_unit_detail_is_404(api, dave, db):
    assert api(dave).get("/api/v1/units/424242/").status_code == 404


def test_unit_detail_carries_tension_from_region_thresholds(api, dave, hospital_lyon):
    unit = UnitFactory(hospital=hospital_lyon, installed=10, available=0, occupied=10)
    body = api(dave).get(f"/api/v1/units/{unit.pk}/").json()
    assert body["tension"] == "saturated" and body["region"] == "84"


def test_near_search_combines_kind_min_available_and_freshness(api, dave, north_of_lyon):
    origin, made = north_of_lyon
    # "mid" (55.6 km) last reported its adult ICU 5 hours ago: ageing.
    made["mid"].units.filter(kind=UnitKind.REA).update(
        updated_at=timezone.now() - timedelta(hours=5)
    )
    query = {"near": f"{origin[0]},{origin[1]}", "radius_km": 60, "kind": "REA"}

    fresh = results(
        api(dave).get("/api/v1/hospitals/", {**query, "min_available": 1, "freshness": "fresh"})
    )
    ageing = results(
        api(dave).get("/api/v1/hospitals/", {**query, "min_available": 1, "freshness": "ageing"})
    )
    full_fresh = results(
        api(dave).get("/api/v1/hospitals/", {**query, "min_available": 0, "freshness": "fresh"})
    )

    assert [(h["name"], h["distance_km"]) for h in fresh] == [
        ("near", round(0.1 * KM_PER_DEGREE, 3))
    ]
    assert [(h["name"], h["distance_km"]) for h in ageing] == [
        ("mid", round(0.5 * KM_PER_DEGREE, 3))
    ]
    assert [h["name"] for h in full_fresh] == ["near", "full"]
    # Every unit of a hospital found comes with it, whatever the filters.
    assert sorted(u["kind"] for u in ageing[0]["units"]) == ["REA", "USIC"]
    assert {u["freshness"] for u in ageing[0]["units"]} == {"ageing", "fresh"}


def test_staff_near_search_finds_only_their_hospitals(api, alice, hospital_lyon, north_of_lyon):
    origin, _ = north_of_lyon
    UnitFactory(hospital=hospital_lyon, kind=UnitKind.REA, available=2, occupied=8)

    found = results(
        api(alice).get(
            "/api/v1/hospitals/",
            {
                "near": f"{origin[0]},{origin[1]}",
                "radius_km": 200,
                "kind": "REA",
                "min_available": 1,
            },
        )
    )

    # The four hospitals north of Lyon are nearer, but alice may read only her own.
    assert [h["finess"] for h in found] == [hospital_lyon.finess]
    expected = haversine_km(origin[0], origin[1], hospital_lyon.lat, hospital_lyon.lon)
    assert found[0]["distance_km"] == round(expected, 3)


def test_near_search_second_page_goes_on_with_the_next_nearest(api, dave, north_of_lyon):
    origin, made = north_of_lyon
    query = {"near": f"{origin[0]},{origin[1]}", "radius_km": 300, "page_size": 3}

    first = api(dave).get("/api/v1/hospitals/", query).json()
    second = api(dave).get("/api/v1/hospitals/", {**query, "page": 2}).json()

    assert first["count"] == second["count"] == 4
    assert [h["name"] for h in first["results"]] == ["near", "full", "mid"]
    assert first["next"] and not second["next"] and second["previous"]
    [far] = second["results"]
    assert far["name"] == "far" and far["distance_km"] == round(2.0 * KM_PER_DEGREE, 3)
    assert [u["kind"] for u in far["units"]] == ["REA", "USIC"]
    assert {u["id"] for u in far["units"]} == set(made["far"].units.values_list("pk", flat=True))
    assert set(far) == {*HOSPITAL_API_FIELDS, "distance_km"}
    assert set(far["units"][0]) >= UNIT_CONTRACT_FIELDS


def test_near_search_beyond_the_last_page_is_404(api, dave, north_of_lyon):
    origin, _ = north_of_lyon
    response = api(dave).get(
        "/api/v1/hospitals/", {"near": f"{origin[0]},{origin[1]}", "radius_km": 30, "page": 2}
    )
    assert response.status_code == 404
