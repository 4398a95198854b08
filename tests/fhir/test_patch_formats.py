"""JSON Patch, merge-PATCH and the write headers (If-Match, Prefer, ETag, Last-Modified)."""

import json

import pytest

from beds.models import CapacityReport
from fhir import terminology as t
from tests.beds.exports_helpers import seed_lyon
from tests.fhir.helpers import FHIR_JSON, expressions, outcome

JSON_PATCH = "application/json-patch+json"


def read(client, unit):  # noqa: ANN001, ANN201
    response = client.get(f"/fhir/Location/{unit.pk}")
    return json.loads(response.content), response


def pointer_to_available(location) -> str:  # noqa: ANN001
    for index, extension in enumerate(location["extension"]):
        if extension["url"] != t.SUPPORTED_CAPACITY:
            continue
        subs = extension["extension"]
        status = next(s for s in subs if s["url"] == "capacityStatus")
        if status["valueCodeableConcept"]["coding"][0]["code"] == "02":
            position = next(i for i, s in enumerate(subs) if s["url"] == "nbCapacity")
            return f"/extension/{index}/extension/{position}/valueInteger"
    raise AssertionError("no available record")


@pytest.mark.django_db
def test_json_patch_with_a_test_op_changes_one_figure(api, alice, hospital_lyon):
    units = seed_lyon(hospital_lyon, alice)
    client = api(alice)
    location, response = read(client, units["rea"])
    path = pointer_to_available(location)
    patch = [{"op": "test", "path": path, "value": 1}, {"op": "replace", "path": path, "value": 0}]

    changed = client.patch(
        f"/fhir/Location/{units['rea'].pk}",
        json.dumps(patch),
        content_type=JSON_PATCH,
        HTTP_IF_MATCH=response["ETag"],
    )
    stale = client.patch(
        f"/fhir/Location/{units['rea'].pk}",
        json.dumps(patch),
        content_type=JSON_PATCH,
        HTTP_IF_MATCH=response["ETag"],
    )
    failed_test = client.patch(
        f"/fhir/Location/{units['rea'].pk}", json.dumps(patch), content_type=JSON_PATCH
    )

    assert changed.status_code == 200, changed.content
    units["rea"].refresh_from_db()
    assert units["rea"].available == 0
    assert stale.status_code == 412 and stale["ETag"] == f'W/"{units["rea"].version}"'
    assert failed_test.status_code == 422 and expressions(failed_test) == ["JSONPatch[0].path"]
    assert CapacityReport.objects.filter(unit=units["rea"]).count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("patch", "expression"),
    [
        ({"op": "replace"}, "JSONPatch"),
        ([{"op": "jump", "path": "/x"}], "JSONPatch[0].op"),
        ([{"op": "remove", "path": "extension"}], "JSONPatch[0].path"),
        ([{"op": "remove", "path": "/extension/99"}], "JSONPatch[0].path"),
        (
            [
                {
                    "op": "add",
                    "path": "/extension/-",
                    "value": {"url": t.SUPPORTED_CAPACITY, "extension": 3},
                }
            ],
            "Location.extension",
        ),
    ],
)
def test_bad_json_patches_name_the_operation(api, alice, hospital_lyon, patch, expression):
    units = seed_lyon(hospital_lyon, alice)

    response = api(alice).patch(
        f"/fhir/Location/{units['rea'].pk}", json.dumps(patch), content_type=JSON_PATCH
    )

    assert response.status_code in (400, 422), response.content
    assert any(e.startswith(expression) for e in expressions(response)) or expression in str(
        outcome(response)
    ), response.content
    assert CapacityReport.objects.filter(unit=units["rea"]).count() == 2


@pytest.mark.django_db
def test_prefer_return_minimal_and_operation_outcome(api, alice, hospital_lyon):
    units = seed_lyon(hospital_lyon, alice)
    client = api(alice)
    location, _response = read(client, units["rea"])

    minimal = client.put(
        f"/fhir/Location/{units['rea'].pk}",
        json.dumps(location),
        content_type=FHIR_JSON,
        HTTP_PREFER="return=minimal",
    )
    location["meta"]["versionId"] = minimal["ETag"].split('"')[1]
    informed = client.put(
        f"/fhir/Location/{units['rea'].pk}",
        json.dumps(location),
        content_type=FHIR_JSON,
        HTTP_PREFER="return=OperationOutcome",
    )

    assert minimal.status_code == 200 and minimal.content == b""
    assert minimal["ETag"] and minimal["Last-Modified"]
    assert informed.status_code == 200 and outcome(informed).issue[0].severity == "information"


@pytest.mark.django_db
def test_jdv_urls_are_accepted_as_systems_and_source_type_is_kept(api, alice, hospital_lyon):
    units = seed_lyon(hospital_lyon, alice)
    client = api(alice)
    location, _response = read(client, units["rea"])
    for extension in location["extension"]:
        if extension["url"] != t.SUPPORTED_CAPACITY:
            continue
        for sub in extension["extension"]:
            if sub["url"] == "capacityStatus":
                sub["valueCodeableConcept"]["coding"][0]["system"] = (
                    t.jdv("JDV_J188-TypeStatutCapacite-ROR") + "/"
                )
            if sub["url"] == "capacitySourceType":
                sub["valueCodeableConcept"]["coding"][0]["code"] = "03"

    response = client.put(
        f"/fhir/Location/{units['rea'].pk}", json.dumps(location), content_type=FHIR_JSON
    )

    assert response.status_code == 200, response.content
    served = json.loads(client.get(f"/fhir/Location/{units['rea'].pk}").content)
    sources = {
        s["valueCodeableConcept"]["coding"][0]["code"]
        for e in served["extension"]
        if e["url"] == t.SUPPORTED_CAPACITY
        for s in e["extension"]
        if s["url"] == "capacitySourceType"
    }
    assert sources == {"03"}


@pytest.mark.django_db
def test_a_patch_raced_by_another_report_is_reapplied_on_top_of_it(
    api, alice, hospital_lyon, monkeypatch
):
    from fhir import services
    from tests.factories import report

    units = seed_lyon(hospital_lyon, alice)
    client = api(alice)
    location, _response = read(client, units["rea"])
    path = pointer_to_available(location).replace("/valueInteger", "")
    real = services.location_capacity_report
    raced = []

    def with_a_report_first(**kwargs):  # noqa: ANN003, ANN202
        if not raced:  # the staff page reports between the patch's read and its write
            raced.append(report(units["rea"], alice, installed=12, available=2, occupied=8))
        return real(**kwargs)

    monkeypatch.setattr(services, "location_capacity_report", with_a_report_first)
    patch = [{"op": "replace", "path": f"{path}/valueInteger", "value": 0}]

    response = client.patch(
        f"/fhir/Location/{units['rea'].pk}", json.dumps(patch), content_type=JSON_PATCH
    )

    assert response.status_code == 200, response.content
    units["rea"].refresh_from_db()
    # The staff page's installed=12 is kept; the patch's available=0 is applied on top of it.
    assert (units["rea"].installed, units["rea"].available) == (12, 0)
    assert len(raced) == 1
