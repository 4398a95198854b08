"""`GET /api/v1/places/?q=`: communes for a text, for any signed-in role; and the hospitals
list's `near` reading the same texts."""

from __future__ import annotations

import pytest

from tests.factories import HospitalFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/places/"
FIELDS = {"name", "insee", "postcode", "department", "region", "lat", "lon"}


@pytest.mark.parametrize("who", ["alice", "carol", "dave", "erin"])
def test_every_signed_in_role_gets_places_best_first(api, request, who):
    response = api(request.getfixturevalue(who)).get(URL, {"q": "Villeurbanne"})
    assert response.status_code == 200
    places = response.json()
    assert places[0] == {
        "name": "Villeurbanne",
        "insee": "69266",
        "postcode": "69100",
        "department": "69",
        "region": "84",
        "lat": places[0]["lat"],
        "lon": places[0]["lon"],
    }
    assert 45.7 < places[0]["lat"] < 45.8
    assert all(set(p) == FIELDS for p in places)


def test_anonymous_gets_401(api):
    assert api(None).get(URL, {"q": "Lyon"}).status_code in (401, 403)


@pytest.mark.parametrize(
    ("q", "insee"),
    [("69003", "69383"), ("lyon 3e", "69383"), ("st etienne", "42218"), ("2A004", "2A004")],
)
def test_postcodes_arrondissements_abbreviations_and_codes(api, dave, q, insee):
    assert api(dave).get(URL, {"q": q}).json()[0]["insee"] == insee


def test_an_ambiguous_name_prefers_the_callers_own_departments(api, dave, region_ara):
    # dave dispatches for Auvergne-Rhône-Alpes (84): its Saint-Julien-… come first.
    national = UserFactory(username="nat", role="dispatcher")
    mine = api(dave).get(URL, {"q": "saint-julien"}).json()
    anyone = api(national).get(URL, {"q": "saint-julien"}).json()
    assert mine[0]["region"] == "84"
    assert anyone[0]["region"] != "84"
    assert len(mine) == len(anyone) == 8


def test_nothing_matching_is_an_empty_list(api, dave):
    response = api(dave).get(URL, {"q": "Zzzzville"})
    assert response.status_code == 200 and response.json() == []


@pytest.mark.parametrize("q", [None, "", "   ", "x" * 121])
def test_empty_or_over_long_q_is_a_400_naming_q(api, dave, q):
    response = api(dave).get(URL, {} if q is None else {"q": q})
    assert response.status_code == 400
    assert list(response.json()) == ["q"]


def test_places_are_in_the_openapi_schema(api, erin):
    schema = api(erin).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    get = schema["paths"]["/api/v1/places/"]["get"]
    q = next(p for p in get["parameters"] if p["name"] == "q")
    assert q["required"] is True
    item = get["responses"]["200"]["content"]["application/json"]["schema"]["items"]
    ref = item["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == FIELDS


@pytest.mark.parametrize(
    "near", ["Villeurbanne", "69003", "Saint-Étienne", "Lyon 3e", "45.76, 4.84"]
)
def test_hospital_search_near_accepts_the_dispatch_pages_texts(api, dave, near):
    lyon = HospitalFactory(name="Lyon hospital", lat=45.76, lon=4.84)
    HospitalFactory(name="Paris hospital", lat=48.85, lon=2.35)
    response = api(dave).get("/api/v1/hospitals/", {"near": near, "radius_km": 100})
    assert response.status_code == 200, response.content
    found = response.json()["results"]
    assert [h["finess"] for h in found] == [lyon.finess]
    assert found[0]["distance_km"] < 60


def test_hospital_search_near_an_unknown_place_is_a_400_naming_it(api, dave):
    response = api(dave).get("/api/v1/hospitals/", {"near": "Zzzzville"})
    assert response.status_code == 400
    assert "Zzzzville" in response.json()["near"][0]
