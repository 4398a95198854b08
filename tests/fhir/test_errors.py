"""Every error of /fhir/ is an OperationOutcome naming the element; no input gives a 500."""

import json

import pytest

from beds.models import CapacityReport
from fhir import terminology as t
from tests.beds.exports_helpers import seed_lyon
from tests.fhir.helpers import FHIR_JSON, expressions, outcome


def capacity_record(status_coding) -> dict:  # noqa: ANN001
    concept = lambda system, code: {"coding": [{"system": system, "code": code}]}  # noqa: E731
    return {
        "url": t.SUPPORTED_CAPACITY,
        "extension": [
            {"url": "capacityType", "valueCodeableConcept": concept(t.NATURE_CAPACITE, "01")},
            {"url": "capacityStatus", "valueCodeableConcept": {"coding": status_coding}},
            {"url": "temporalityCapacity", "valueCodeableConcept": concept(t.TEMPORALITE, "01")},
            {"url": "nbCapacity", "valueInteger": 1},
            {"url": "capacitySourceType", "valueCodeableConcept": concept(t.SOURCE_CAPACITE, "02")},
            {"url": "capacityUpdateDate", "valueDateTime": "2026-11-29T08:30:00+01:00"},
            {"url": "temporaryAssignement", "valueCodeableConcept": concept(t.AFFECTATION, "01")},
        ],
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "expression"),
    [
        # capacityStatus's coding as a list of lists, or an object, or a code that is a list.
        (
            [[{"system": t.STATUT_CAPACITE, "code": "02"}]],
            "Location.extension[0].extension[1].valueCodeableConcept.coding[0]",
        ),
        (
            {"system": t.STATUT_CAPACITE, "code": "02"},
            "Location.extension[0].extension[1].valueCodeableConcept.coding",
        ),
        (
            [{"system": t.STATUT_CAPACITE, "code": ["02"]}],
            "Location.extension[0].extension[1].valueCodeableConcept.coding[0]",
        ),
        (
            [{"system": t.STATUT_CAPACITE, "code": {"a": 1}}],
            "Location.extension[0].extension[1].valueCodeableConcept.coding[0]",
        ),
    ],
)
def test_malformed_codings_are_400s_naming_the_coding(api, alice, hospital_lyon, body, expression):
    units = seed_lyon(hospital_lyon, alice)
    location = {"resourceType": "Location", "extension": [capacity_record(body)]}

    response = api(alice).patch(
        f"/fhir/Location/{units['rea'].pk}", json.dumps(location), content_type=FHIR_JSON
    )

    assert response.status_code == 400, response.content
    assert expression in expressions(response)
    assert CapacityReport.objects.filter(unit=units["rea"]).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/fhir/Location/²", "/fhir/Location/1²", "/fhir/HealthcareService/٣", "/fhir/Organization/²"],
)
def test_ids_that_are_not_ascii_digits_are_404_outcomes(api, alice, hospital_lyon, path):
    seed_lyon(hospital_lyon, alice)

    response = api(alice).get(path)

    assert response.status_code == 404 and outcome(response).issue[0].code == "not-found"


@pytest.mark.django_db
def test_a_deeply_nested_body_is_refused_before_parsing(api, alice, hospital_lyon):
    units = seed_lyon(hospital_lyon, alice)
    deep = "[" * 30000 + "]" * 30000

    for content_type in (FHIR_JSON, "application/json-patch+json", "application/merge-patch+json"):
        response = api(alice).patch(
            f"/fhir/Location/{units['rea'].pk}", deep, content_type=content_type
        )
        assert response.status_code == 400, response.content
        assert outcome(response).issue[0].code == "too-costly"
    put = api(alice).put(
        f"/fhir/Location/{units['rea'].pk}",
        '{"a":' * 3000 + "1" + "}" * 3000,
        content_type=FHIR_JSON,
    )
    assert put.status_code == 400


@pytest.mark.django_db
def test_unknown_paths_methods_and_media_are_outcomes(api, alice, hospital_lyon):
    units = seed_lyon(hospital_lyon, alice)
    client = api(alice)

    unknown = client.get("/fhir/Patient/1")
    delete = client.delete(f"/fhir/Location/{units['rea'].pk}")
    xml = client.put(
        f"/fhir/Location/{units['rea'].pk}", "<Location/>", content_type="application/fhir+xml"
    )
    anonymous = api(None).get(f"/fhir/Location/{units['rea'].pk}")
    other = api(None).get("/fhir/Location")

    assert unknown.status_code == 404 and outcome(unknown)
    assert delete.status_code == 405 and outcome(delete).issue[0].code == "not-supported"
    assert xml.status_code == 415 and expressions(xml) == ["Content-Type"]
    assert anonymous.status_code == 401 and outcome(anonymous).issue[0].code == "login"
    assert other.status_code == 401


@pytest.mark.django_db
def test_content_negotiation_by_format_and_accept(api, alice, hospital_lyon):
    units = seed_lyon(hospital_lyon, alice)
    client = api(alice)
    url = f"/fhir/Location/{units['rea'].pk}"

    assert client.get(url)["Content-Type"].startswith(FHIR_JSON)
    assert client.get(url, {"_format": "json"})["Content-Type"].startswith(FHIR_JSON)
    assert client.get(url, {"_format": "application/json"})["Content-Type"].startswith(
        "application/json"
    )
    assert client.get(url, HTTP_ACCEPT="application/json")["Content-Type"].startswith(
        "application/json"
    )
    xml = client.get(url, {"_format": "xml"})
    assert xml.status_code == 406 and expressions(xml) == ["_format"]
    accept_xml = client.get(url, HTTP_ACCEPT="application/fhir+xml")
    assert accept_xml.status_code == 406 and expressions(accept_xml) == ["Accept"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expression"),
    [
        ({"_lastUpdated": "ge2099-13-01"}, "_lastUpdated"),
        ({"_lastUpdated": "sa2026"}, "_lastUpdated"),
        ({"_count": "-1"}, "_count"),
        ({"_count": "²"}, "_count"),
        ({"_sort": "name"}, "_sort"),
        ({"address-city": "Lyon"}, "address-city"),
        ({"_revinclude": "PractitionerRole:location"}, "_revinclude"),
        ({"_tag": "http://example.org|84"}, "_tag"),
    ],
)
def test_search_errors_name_the_parameter(api, carol, alice, hospital_lyon, query, expression):
    seed_lyon(hospital_lyon, alice)

    response = api(carol).get("/fhir/Location", query)

    assert response.status_code == 400, response.content
    assert expressions(response) == [expression]


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["\ud800x", "a\u0000b", "bell\u0007"])
def test_strings_fhir_cannot_hold_are_400s_naming_them(api, alice, hospital_lyon, text):
    units = seed_lyon(hospital_lyon, alice)
    client = api(alice)
    location = json.loads(client.get(f"/fhir/Location/{units['rea'].pk}").content)
    index = next(i for i, e in enumerate(location["extension"]) if e["url"] == t.SUPPORTED_CAPACITY)
    location["extension"][index]["extension"].append({"url": "comment", "valueString": text})

    response = client.put(
        f"/fhir/Location/{units['rea'].pk}", json.dumps(location), content_type=FHIR_JSON
    )

    assert response.status_code == 400, response.content
    assert expressions(response) == [f"Location.extension[{index}].extension[7].valueString"]
    assert client.get(f"/fhir/Location/{units['rea'].pk}").status_code == 200
    assert CapacityReport.objects.filter(unit=units["rea"]).count() == 2
