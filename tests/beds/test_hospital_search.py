"""The hospitals list's search (`hospital_search` + `hospital_hits_with_units`): the hospitals
each filter and scope keep, in order, as worked out by hand from the fixture's map, and every
field of the answer; on SQLite and, with DATABASE_URL, on PostgreSQL."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.models import Role
from beds.models import Hospital, UnitKind
from beds.scopes import hospitals_readable
from beds.selectors import (
    haversine_km,
    hospital_hits_with_units,
    hospital_search,
)
from regions.models import Department, Region
from tests.conftest import HOSPITAL_API_FIELDS
from tests.factories import HospitalFactory, UnitFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.databases]

ORIGIN = (45.0, 4.85)
# One degree of latitude on the mean Earth sphere (R = 6371.0088 km).
KM_PER_DEGREE = 111.19508


@pytest.fixture
def around_lyon(db):  # noqa: ANN001, ANN201
    """Hospitals around ORIGIN with units of several kinds, figures and ages, and the awkward
    cases: two at the same place with the same name, one inactive, one in another région,
    one without units, one never reported."""
    now = timezone.now()
    rhone = Department.objects.get(code="69")
    saone_et_loire = Department.objects.get(code="71")  # région 27, not 84
    drome = Department.objects.get(code="26")
    made = {}

    def hospital(key, dlat, dlon, **kwargs):  # noqa: ANN001, ANN003, ANN202
        made[key] = HospitalFactory(
            name=kwargs.pop("name", key),
            lat=ORIGIN[0] + dlat,
            lon=ORIGIN[1] + dlon,
            address=f"{key} street",
            postcode="69000",
            city="Lyon",
            **kwargs,
        )
        return made[key]

    def unit(h, kind, available, *, hours=1.0, label=None, **kwargs):  # noqa: ANN001, ANN003, ANN202
        return UnitFactory(
            hospital=h,
            kind=kind,
            label=label or f"{kind} {h.name}",
            installed=10,
            available=available,
            occupied=10 - available,
            updated_at=None if hours is None else now - timedelta(hours=hours),
            version=0 if hours is None else 1,
            **kwargs,
        )

    a = hospital("a", 0.1, 0.0, department=rhone)
    unit(a, UnitKind.REA, 3, ecmo=True)
    unit(a, UnitKind.USIC, 4, label="B cardio")
    unit(a, UnitKind.USIC, 1, label="A cardio", hours=13)
    b = hospital("b", 0.0, 0.2, department=rhone)
    unit(b, UnitKind.REA, 0)
    c = hospital("c", -0.3, 0.1, department=drome)
    unit(c, UnitKind.REA, 2, hours=6)
    # Same place, same name: FINESS decides.
    twin2 = hospital("twin2", 0.2, -0.1, name="twin", department=rhone, finess="699999902")
    unit(twin2, UnitKind.REA, 1)
    twin1 = hospital("twin1", 0.2, -0.1, name="twin", department=rhone, finess="699999901")
    unit(twin1, UnitKind.REA, 5)
    d = hospital("d", 0.3, 0.3, department=saone_et_loire)
    unit(d, UnitKind.REA_PED, 2)
    unit(d, UnitKind.REA, 1, hours=None)
    hospital("empty", 0.05, 0.05, department=rhone)
    gone = hospital("gone", 0.01, 0.0, department=rhone, active=False)
    unit(gone, UnitKind.REA, 9)
    far = hospital("far", 2.0, 0.0, department=rhone)
    unit(far, UnitKind.REA, 5)
    return made


def search(**filters) -> list[dict]:  # noqa: ANN003
    return hospital_hits_with_units(hospital_search(**filters), now=filters["now"])


# Distances from ORIGIN: empty 6.8 km, a 11.1, b 15.7, twin1 and twin2 23.6, c 34.3, d 40.9,
# far 222.4. Freshness: a's REA and "B cardio" fresh, "A cardio" stale; b, twins, d's REA_PED,
# far fresh; c ageing; d's REA never reported (expired). Régions: d is in 27, the others in 84.
# The hospitals each filter keeps for a reader who sees them all, in the answer's order.
EXPECTED = [
    ({}, ["a", "b", "c", "d", "empty", "far", "twin1", "twin2"]),
    ({"near": ORIGIN}, ["empty", "a", "b", "twin1", "twin2", "c", "d"]),
    ({"near": ORIGIN, "radius_km": 300}, ["empty", "a", "b", "twin1", "twin2", "c", "d", "far"]),
    ({"near": ORIGIN, "radius_km": 30, "kind": "REA"}, ["a", "b", "twin1", "twin2"]),
    (
        {"near": ORIGIN, "radius_km": 40, "kind": "REA", "min_available": 1},
        ["a", "twin1", "twin2", "c"],
    ),
    (
        {"near": ORIGIN, "radius_km": 40, "kind": "REA", "min_available": 1, "freshness": "fresh"},
        ["a", "twin1", "twin2"],
    ),
    ({"near": ORIGIN, "kind": "USIC", "freshness": "stale"}, ["a"]),
    ({"near": ORIGIN, "freshness": "expired"}, ["d"]),
    ({"near": ORIGIN, "freshness": "ageing", "min_available": 2}, ["c"]),
    ({"near": ORIGIN, "region": "84", "kind": "REA"}, ["a", "b", "twin1", "twin2", "c"]),
    ({"near": ORIGIN, "department": "71"}, ["d"]),
    ({"near": (ORIGIN[0] + 0.2, ORIGIN[1] - 0.1), "radius_km": 0.001}, ["twin1", "twin2"]),
    ({"kind": "REA", "min_available": 1}, ["a", "c", "d", "far", "twin1", "twin2"]),
    ({"region": "84"}, ["a", "b", "c", "empty", "far", "twin1", "twin2"]),
]
EVERYONE = {"a", "b", "c", "d", "empty", "far", "twin1", "twin2"}
# What each reader may see of them.
SEES = {
    "admin": EVERYONE,
    "staff": {"a", "c"},
    "coordinator": EVERYONE - {"d"},
    "other-coordinator": set(),
    "anonymous": set(),
}


@pytest.fixture(params=list(SEES))
def reader(request, around_lyon):  # noqa: ANN001, ANN201
    """Every kind of scope `hospitals_readable` gives: all, a few hospitals, a région, none."""
    if request.param == "admin":
        user = UserFactory(role=Role.ADMIN)
    elif request.param == "staff":
        user = UserFactory(role=Role.STAFF, hospitals=[around_lyon["a"], around_lyon["c"]])
    elif request.param == "coordinator":
        user = UserFactory(role=Role.COORDINATOR, regions=[Region.objects.get(code="84")])
    elif request.param == "other-coordinator":
        user = UserFactory(role=Role.COORDINATOR, regions=[Region.objects.get(code="11")])
    else:
        user = AnonymousUser()
    return request.param, user


@pytest.mark.parametrize(("filters", "expected"), EXPECTED)
def test_search_keeps_what_each_filter_and_scope_keep_in_order(
    around_lyon, reader, filters, expected
):
    kind, user = reader
    key_of = {h.finess: key for key, h in around_lyon.items()}

    found = search(hospitals=hospitals_readable(user), now=timezone.now(), **filters)

    assert [key_of[h["finess"]] for h in found] == [k for k in expected if k in SEES[kind]]
    for h in found:
        assert ("distance_km" in h) == ("near" in filters)


def test_staff_search_finds_only_their_hospitals(around_lyon):
    staff = UserFactory(role=Role.STAFF, hospitals=[around_lyon["c"], around_lyon["far"]])
    found = search(hospitals=hospitals_readable(staff), near=ORIGIN, now=timezone.now())
    assert [h["name"] for h in found] == ["c"]  # "far" is 222 km away


def test_search_finds_known_distances_nearest_first_with_ties_by_name_then_finess(around_lyon):
    found = search(hospitals=Hospital.objects.all(), near=ORIGIN, now=timezone.now())

    assert [(h["name"], h["finess"]) for h in found] == [
        ("empty", around_lyon["empty"].finess),
        ("a", around_lyon["a"].finess),
        ("b", around_lyon["b"].finess),
        ("twin", "699999901"),
        ("twin", "699999902"),
        ("c", around_lyon["c"].finess),
        ("d", around_lyon["d"].finess),
    ]
    assert found[1]["distance_km"] == pytest.approx(0.1 * KM_PER_DEGREE, abs=0.001)
    for h in found:
        exact = haversine_km(ORIGIN[0], ORIGIN[1], h["lat"], h["lon"])
        assert h["distance_km"] == round(exact, 3)


def test_search_keeps_every_field_of_hospital_and_units(around_lyon):
    now = timezone.now()
    [found] = search(hospitals=Hospital.objects.filter(name="a"), near=ORIGIN, now=now)
    a = around_lyon["a"]
    units = {u.label: u for u in a.units.all()}

    assert list(found) == [*HOSPITAL_API_FIELDS, "distance_km"]
    assert found["department"] == "69" and found["region"] == "84"
    assert (found["address"], found["postcode"], found["city"]) == ("a street", "69000", "Lyon")
    # Units sorted by kind, then label, each with its freshness.
    assert [(u["kind"], u["label"], u["freshness"]) for u in found["units"]] == [
        ("REA", "REA a", "fresh"),
        ("USIC", "A cardio", "stale"),
        ("USIC", "B cardio", "fresh"),
    ]
    rea = found["units"][0]
    assert rea == {
        "id": units["REA a"].pk,
        "hospital": a.finess,
        "kind": "REA",
        "label": "REA a",
        "ecmo": True,
        "installed": 10,
        "available": 3,
        "occupied": 7,
        "reserved": 0,
        "closed": 0,
        "extra": 0,
        "version": 1,
        "updated_at": units["REA a"].updated_at.isoformat(),
        "freshness": "fresh",
    }


@pytest.mark.parametrize("microsecond", [0, 1, 500000, 999999])
def test_unit_time_reads_as_isoformat_writes_it(db, microsecond):  # noqa: ANN001
    """The search reads times as plain values and formats them itself: as `unit_to_dict` and
    `datetime.isoformat` do, whole seconds without a fraction, on every database."""
    moment = timezone.now().replace(microsecond=microsecond) - timedelta(hours=5)
    unit = UnitFactory(updated_at=moment, version=1)
    now = timezone.now()
    [found] = search(hospitals=Hospital.objects.filter(pk=unit.hospital_id), now=now)
    unit.refresh_from_db()
    assert found["units"][0]["updated_at"] == unit.updated_at.isoformat() == moment.isoformat()
    assert found["units"][0]["freshness"] == "ageing"


def test_unit_never_reported_has_no_date_and_is_expired(around_lyon):
    [d] = search(hospitals=Hospital.objects.filter(name="d"), now=timezone.now())
    never = next(u for u in d["units"] if u["kind"] == "REA")
    assert never["updated_at"] is None and never["freshness"] == "expired"


def test_search_reads_hospitals_in_one_query_and_units_of_the_page_in_one_more(
    around_lyon, django_assert_num_queries
):
    now = timezone.now()
    with django_assert_num_queries(1):
        hits = hospital_search(hospitals=Hospital.objects.all(), near=ORIGIN, now=now)
    with django_assert_num_queries(1):
        page = hospital_hits_with_units(hits[:2], now=now)
    assert [h["name"] for h in page] == ["empty", "a"]
    assert [len(h["units"]) for h in page] == [0, 3]
    # The next hospital ("b", one unit) is found but not on the page: only the page's units
    # were read (one query), and "b" never became a dict.
    assert hits[2].row[1] == "b" and "b" not in [h["name"] for h in page]


def test_empty_page_reads_no_units(django_assert_num_queries, db):  # noqa: ANN001
    with django_assert_num_queries(0):
        assert hospital_hits_with_units([], now=timezone.now()) == []


def test_hospital_at_exactly_the_radius_is_kept(around_lyon):
    a = around_lyon["a"]
    exact = haversine_km(ORIGIN[0], ORIGIN[1], a.lat, a.lon)
    hospitals = Hospital.objects.filter(pk=a.pk)
    now = timezone.now()

    assert [h["name"] for h in search(hospitals=hospitals, near=ORIGIN, radius_km=exact, now=now)]
    assert not search(hospitals=hospitals, near=ORIGIN, radius_km=exact - 0.001, now=now)


def test_coordinator_search_stays_in_their_region(around_lyon):
    carol = UserFactory(role=Role.COORDINATOR, regions=[Region.objects.get(code="84")])
    found = search(hospitals=hospitals_readable(carol), near=ORIGIN, now=timezone.now())
    # "d" (Saône-et-Loire, région 27) is within 50 km but outside her région.
    assert [h["name"] for h in found] == ["empty", "a", "b", "twin", "twin", "c"]
