"""Searches, reads and $export: what they match, what they include, how they page, and scope."""

import json

import pytest
from django.utils import timezone

from fhir import terminology as t
from tests.beds.exports_helpers import seed_lyon


def bundle(client, path, **params):  # noqa: ANN001, ANN003, ANN201
    response = client.get(path, params)
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def ids(found, mode="match", kind=None):  # noqa: ANN001, ANN201
    return [
        e["resource"]["id"]
        for e in found["entry"]
        if e["search"]["mode"] == mode and (kind is None or e["resource"]["resourceType"] == kind)
    ]


@pytest.mark.django_db
def test_last_updated_filters_with_each_prefix(api, carol, alice, hospital_lyon):
    units = seed_lyon(hospital_lyon, alice)
    client = api(carol)
    today = timezone.now().date().isoformat()

    assert ids(bundle(client, "/fhir/Location", _lastUpdated="ge2099")) == []
    assert len(ids(bundle(client, "/fhir/Location", _lastUpdated="lt2099"))) == 4
    assert len(ids(bundle(client, "/fhir/Location", _lastUpdated=today))) == 4
    assert ids(bundle(client, "/fhir/Location", _lastUpdated=f"gt{today}")) == []
    assert len(ids(bundle(client, "/fhir/Location", _lastUpdated=f"le{today}"))) == 4
    ranged = client.get("/fhir/Location?_lastUpdated=ge2000&_lastUpdated=lt2001")
    assert json.loads(ranged.content)["total"] == 0
    assert str(units["rea"].pk) in ids(
        bundle(client, "/fhir/Location", _lastUpdated="ge2000-01-01T00:00:00Z")
    )


@pytest.mark.django_db
def test_tag_id_and_identifier_select_units(api, erin, alice, hospital_lyon, unit_paris):
    units = seed_lyon(hospital_lyon, alice)
    client = api(erin)
    rea = str(units["rea"].pk)

    assert ids(bundle(client, "/fhir/Location", _tag="11")) == [str(unit_paris.pk)]
    assert ids(bundle(client, "/fhir/Location", _tag=f"{t.REGION_OM}|11")) == [str(unit_paris.pk)]
    assert ids(bundle(client, "/fhir/Location", _id=rea)) == [rea]
    assert ids(bundle(client, "/fhir/Location", identifier=f"{t.UNIT_ID_SYSTEM}|{rea}")) == [rea]
    assert ids(bundle(client, "/fhir/Location", _id="²")) == []
    assert ids(bundle(client, "/fhir/Organization", identifier=f"{t.FINESS_SYSTEM}|690783154")) == [
        "690783154"
    ]
    assert ids(bundle(client, "/fhir/HealthcareService", _id=rea)) == [rea]


@pytest.mark.django_db
def test_includes_and_revincludes(api, carol, alice, hospital_lyon):
    units = seed_lyon(hospital_lyon, alice)
    client = api(carol)
    rea = str(units["rea"].pk)

    found = bundle(
        client,
        "/fhir/Location",
        _id=rea,
        _revinclude="HealthcareService:location",
        _include="Location:organization",
    )
    services = bundle(
        client, "/fhir/HealthcareService", _id=rea, _include="HealthcareService:location"
    )
    organizations = bundle(
        client, "/fhir/Organization", _id="690783154", _revinclude="Location:organization"
    )

    assert ids(found, "include", "HealthcareService") == [rea]
    assert ids(found, "include", "Organization") == ["690783154"]
    service = next(
        e["resource"]
        for e in found["entry"]
        if e["resource"]["resourceType"] == "HealthcareService"
    )
    assert service["location"][0]["reference"] == f"Location/{rea}"
    assert ids(services, "include", "Location") == [rea]
    assert set(ids(organizations, "include", "Location")) == {rea, str(units["usic"].pk)}


@pytest.mark.django_db
def test_paging_follows_next_links_without_echoing_unknown_parameters(
    api, carol, alice, hospital_lyon
):
    seed_lyon(hospital_lyon, alice)
    client = api(carol)
    url = "/fhir/Location?_count=3&_tag=84"
    seen, pages = [], 0
    while url:
        found = json.loads(client.get(url).content)
        pages += 1
        assert found["total"] == 4
        seen += ids(found)
        links = {link["relation"]: link["url"] for link in found["link"]}
        assert "_tag=84" in links["self"]
        url = links.get("next", "").removeprefix("http://testserver") or None

    assert pages == 2 and len(set(seen)) == 4
    assert ids(bundle(client, "/fhir/Location", _count="0")) == []


@pytest.mark.django_db
def test_export_is_ndjson_of_the_callers_scope(api, bob, erin, alice, hospital_lyon, unit_paris):
    seed_lyon(hospital_lyon, alice)

    everything = api(erin).get("/fhir/$export")
    bobs = api(bob).get("/fhir/$export")
    organizations = api(erin).get("/fhir/$export", {"_type": "Organization"})
    bad = api(erin).get("/fhir/$export", {"_type": "Patient"})

    assert everything["Content-Type"].startswith("application/fhir+ndjson")
    lines = [json.loads(line) for line in everything.content.decode().splitlines()]
    kinds = [r["resourceType"] for r in lines]
    assert kinds.count("Location") == kinds.count("HealthcareService") == 5
    assert kinds.count("Organization") == 3
    bob_lines = [json.loads(line) for line in bobs.content.decode().splitlines()]
    assert {(r["resourceType"], r["id"]) for r in bob_lines} == {
        ("Organization", unit_paris.hospital.finess),
        ("Location", str(unit_paris.pk)),
        ("HealthcareService", str(unit_paris.pk)),
    }
    assert {
        json.loads(line)["resourceType"] for line in organizations.content.decode().splitlines()
    } == {"Organization"}
    assert bad.status_code == 400


@pytest.mark.django_db
def test_reads_answer_403_outside_the_scope(api, bob, alice, hospital_lyon):
    units = seed_lyon(hospital_lyon, alice)
    client = api(bob)

    assert client.get(f"/fhir/Location/{units['rea'].pk}").status_code == 403
    assert client.get(f"/fhir/HealthcareService/{units['rea'].pk}").status_code == 403
    assert client.get("/fhir/Organization/690783154").status_code == 403
    assert client.get("/fhir/Organization/690000999").status_code == 404


@pytest.mark.django_db
def test_the_capability_statement_lists_what_is_implemented(api):
    statement = json.loads(api(None).get("/fhir/metadata").content)

    rest = statement["rest"][0]
    resources = {r["type"]: r for r in rest["resource"]}
    assert statement["fhirVersion"] == "4.0.1"
    assert set(statement["patchFormat"]) == {
        "application/fhir+json",
        "application/json-patch+json",
        "application/merge-patch+json",
    }
    assert {i["code"] for i in resources["Location"]["interaction"]} == {
        "read",
        "search-type",
        "update",
        "patch",
    }
    assert {i["code"] for i in resources["Organization"]["interaction"]} == {"read", "search-type"}
    assert resources["Location"]["searchRevInclude"] == ["HealthcareService:location"]
    assert {p["name"] for p in resources["Location"]["searchParam"]} == {
        "_id",
        "_lastUpdated",
        "_tag",
        "identifier",
    }
    assert (
        rest["operation"][0]["name"] == "export"
        and "synchronous" in rest["operation"][0]["documentation"]
    )
