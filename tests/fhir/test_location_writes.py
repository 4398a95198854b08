import copy
import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.operationoutcome import OperationOutcome

from beds.models import CapacityReport, Source, Unit
from fhir import terminology as fhir
from tests.beds.exports_helpers import (
    seed_lyon,
)

EXPORT = "/api/v1/exports/fhir/Location"
FHIR_JSON = "application/fhir+json"


def export(client, **params):  # noqa: ANN001, ANN003, ANN201
    response = client.get(EXPORT, params)
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def location_of(bundle, unit):  # noqa: ANN001, ANN201
    for entry in bundle["entry"]:
        if entry["resource"]["id"] == str(unit.pk):
            return entry["resource"]
    raise AssertionError(f"unit {unit.pk} is not in the bundle")


def figures_of(location):  # noqa: ANN001, ANN201
    """The six figures as an independent reader finds them in the ROR extensions."""
    figures = {}
    for extension in location.get("extension", []):
        if extension["url"] != fhir.SUPPORTED_CAPACITY:
            continue
        subs = {s["url"]: s for s in extension["extension"]}
        code = subs["capacityStatus"]["valueCodeableConcept"]["coding"][0]["code"]
        figures[fhir.FIGURE_OF_STATUS[code]] = subs["nbCapacity"]["valueInteger"]
    return figures


def set_figure(location, figure, value):  # noqa: ANN001, ANN201
    code = fhir.STATUS_CODES[figure][0]
    for extension in location["extension"]:
        if extension["url"] != fhir.SUPPORTED_CAPACITY:
            continue
        subs = {s["url"]: s for s in extension["extension"]}
        if subs["capacityStatus"]["valueCodeableConcept"]["coding"][0]["code"] == code:
            subs["nbCapacity"]["valueInteger"] = value
            return extension
    raise AssertionError(figure)


def send(client, method, unit, body, content_type=FHIR_JSON, **headers):  # noqa: ANN001, ANN003, ANN201
    call = getattr(client, method)
    return call(f"/fhir/Location/{unit.pk}", json.dumps(body), content_type=content_type, **headers)


def outcome(response):  # noqa: ANN001, ANN201
    """The response parsed as a FHIR OperationOutcome by an independent library."""
    parsed = OperationOutcome.model_validate(json.loads(response.content))
    assert parsed.issue
    return parsed


@pytest.mark.django_db
def test_fhir_export_parses_with_fhir_resources_and_matches_the_api(
    api, carol, alice, hospital_lyon
):
    units = seed_lyon(hospital_lyon, alice)
    client = api(carol)

    response = client.get(EXPORT, {"region": "84"})

    assert response["Content-Type"].startswith(FHIR_JSON)
    body = json.loads(response.content)
    bundle = Bundle.model_validate(body)
    assert bundle.type == "searchset"
    matches = [e for e in bundle.entry if e.search.mode == "match"]
    sites = {e.resource.id: e.resource for e in bundle.entry if e.search.mode == "include"}
    assert bundle.total == len(matches) == 4
    api_units = {
        u["id"]: u
        for h in client.get("/api/v1/hospitals/", {"region": "84"}).json()["results"]
        for u in h["units"]
    }
    for entry in matches:
        location = entry.resource
        assert isinstance(location, Location)
        unit = api_units[int(location.id)]
        assert location.meta.versionId == str(unit["version"])
        site = sites[location.managingOrganization.reference.removeprefix("Organization/")]
        assert site.identifier[0].system == "https://finess.esante.gouv.fr"
        assert site.identifier[0].value == unit["hospital"]
        raw = next(e["resource"] for e in body["entry"] if e["resource"]["id"] == location.id)
        if unit["updated_at"] is None:
            assert not figures_of(raw)  # never reported: no invented capacity
            continue
        assert figures_of(raw) == {k: unit[k] for k in fhir.STATUS_CODES}
    assert str(units["never"].pk) in {e.resource.id for e in matches}


@pytest.mark.django_db
def test_each_capacity_extension_carries_the_ror_sub_extensions(api, carol, alice, hospital_lyon):
    units = seed_lyon(hospital_lyon, alice)
    location = location_of(export(api(carol), region="84"), units["rea"])

    extensions = [e for e in location["extension"] if e["url"] == fhir.SUPPORTED_CAPACITY]
    assert len(extensions) == 6
    codes = set()
    for extension in extensions:
        subs = {s["url"]: s for s in extension["extension"]}
        assert set(subs) == {
            "capacityType",
            "capacityStatus",
            "temporalityCapacity",
            "nbCapacity",
            "capacitySourceType",
            "capacityUpdateDate",
            "temporaryAssignement",
        }
        status = subs["capacityStatus"]["valueCodeableConcept"]["coding"][0]
        assert status["system"] == fhir.STATUT_CAPACITE
        codes.add(status["code"])
        temporality = subs["temporalityCapacity"]["valueCodeableConcept"]["coding"][0]
        assert (temporality["system"], temporality["code"]) == (fhir.TEMPORALITE, "01")
        source = subs["capacitySourceType"]["valueCodeableConcept"]["coding"][0]
        assert (source["system"], source["code"]) == (fhir.SOURCE_CAPACITE, "01")  # web form
    assert codes == {"01", "02", "03", "04", "05", "06"}


@pytest.mark.django_db
def test_fhir_patch_built_from_the_export_round_trips_into_a_new_report(api, alice, hospital_lyon):
    units = seed_lyon(hospital_lyon, alice)
    unit = units["rea"]
    client = api(alice)
    location = location_of(export(client), unit)
    before = {k: getattr(Unit.objects.get(pk=unit.pk), k) for k in fhir.STATUS_CODES}
    # One figure changes: a reserved bed's patient did not come, the bed is available again.
    patch = copy.deepcopy(location)
    set_figure(patch, "reserved", 0)
    set_figure(patch, "available", before["available"] + 1)
    patch["extension"] = [
        e
        for e in patch["extension"]
        if figures_of({"extension": [e]}).keys() & {"reserved", "available"}
    ]

    response = send(
        client, "patch", unit, patch, HTTP_IF_MATCH=f'W/"{location["meta"]["versionId"]}"'
    )

    assert response.status_code == 200, response.content
    assert response["ETag"] == f'W/"{int(location["meta"]["versionId"]) + 1}"'
    returned = Location.model_validate(json.loads(response.content))
    assert returned.meta.versionId == str(int(location["meta"]["versionId"]) + 1)
    report = CapacityReport.objects.filter(unit=unit).order_by("-version").first()
    assert report.source == Source.FHIR and report.reporter_username == "alice"
    assert report.figures() == {**before, "available": before["available"] + 1, "reserved": 0}
    # The next export shows the new figures: the records as sent (their source type kept) for
    # the statuses sent, Bedwatch's own for the others.
    again = location_of(export(client), unit)
    assert figures_of(again) == report.figures()
    assert [e for e in again["extension"] if e in patch["extension"]] == patch["extension"]


@pytest.mark.django_db
def test_fhir_put_of_the_whole_location_with_meta_version_creates_a_report(
    api, alice, hospital_lyon
):
    units = seed_lyon(hospital_lyon, alice)
    unit = units["usic"]
    client = api(alice)
    location = location_of(export(client), unit)
    set_figure(location, "closed", 0)
    set_figure(location, "available", 6)

    response = send(client, "put", unit, location, content_type="application/json")

    assert response.status_code == 200, response.content
    unit.refresh_from_db()
    assert (unit.closed, unit.available, unit.version) == (0, 6, 3)
    assert CapacityReport.objects.get(unit=unit, version=3).source == Source.FHIR


@pytest.mark.django_db
def test_fhir_capacities_split_by_gender_are_added_and_forecasts_ignored(api, alice, hospital_lyon):
    units = seed_lyon(hospital_lyon, alice)
    unit = units["rea"]
    client = api(alice)
    location = location_of(export(client), unit)
    available = set_figure(location, "available", 1)
    women = copy.deepcopy(available)
    for sub in women["extension"]:
        if sub["url"] == "nbCapacity":
            sub["valueInteger"] = 1
    gender = {
        "url": "genderCapacityAvailable",
        "valueCodeableConcept": {"coding": [{"system": fhir.GENRE, "code": "01"}]},
    }
    women["extension"].append(gender)
    forecast = copy.deepcopy(available)
    for sub in forecast["extension"]:
        if sub["url"] == "temporalityCapacity":
            sub["valueCodeableConcept"]["coding"][0]["code"] = "03"
        if sub["url"] == "nbCapacity":
            sub["valueInteger"] = 9
    location["extension"] += [women, forecast]
    set_figure(location, "reserved", 0)

    response = send(client, "put", unit, location)

    assert response.status_code == 200, response.content
    unit.refresh_from_db()
    assert unit.available == 2


def capacity_records(location):  # noqa: ANN001, ANN201
    return [e for e in location["extension"] if e["url"] == fhir.SUPPORTED_CAPACITY]


def without_update_date(location):  # noqa: ANN001, ANN201
    record = capacity_records(location)[0]
    record["extension"] = [s for s in record["extension"] if s["url"] != "capacityUpdateDate"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("mutate", "status", "expression"),
    [
        (lambda loc: set_figure(loc, "available", -1), 400, "valueInteger"),
        (lambda loc: set_figure(loc, "available", "3"), 400, "valueInteger"),
        (lambda loc: set_figure(loc, "available", 50), 422, "valueInteger"),  # beyond capacity
        (lambda loc: loc.update(resourceType="Patient"), 400, "Location.resourceType"),
        (lambda loc: loc.update(id="999999"), 400, "Location.id"),
        (lambda loc: loc["meta"].update(versionId="v1"), 400, "Location.meta.versionId"),
        (lambda loc: loc["meta"].update(versionId="²"), 400, "Location.meta.versionId"),
        (
            lambda loc: capacity_records(loc)[0]["extension"][1]["valueCodeableConcept"]["coding"][
                0
            ].update(code="07"),
            400,
            "valueCodeableConcept",
        ),
        (
            lambda loc: next(
                s for s in capacity_records(loc)[0]["extension"] if s["url"] == "capacityUpdateDate"
            ).update(valueDateTime="yesterday"),
            400,
            "valueDateTime",
        ),
        (
            lambda loc: [
                s.update(valueDateTime="2999-01-01T00:00:00+00:00")
                for e in capacity_records(loc)
                for s in e["extension"]
                if s["url"] == "capacityUpdateDate"
            ],
            422,
            "valueDateTime",
        ),
        (lambda loc: loc.update(extension=[]), 400, "Location.extension"),
        (without_update_date, 400, "Location.extension["),
    ],
)
def test_bad_fhir_input_is_an_operation_outcome_naming_the_element_and_changes_nothing(
    api, alice, hospital_lyon, mutate, status, expression
):
    units = seed_lyon(hospital_lyon, alice)
    unit = units["rea"]
    client = api(alice)
    location = location_of(export(client), unit)
    mutate(location)

    response = send(client, "put", unit, location)

    assert response.status_code == status, response.content
    parsed = outcome(response)
    assert any(expression in (issue.expression or [""])[0] for issue in parsed.issue), (
        response.content
    )
    assert CapacityReport.objects.filter(unit=unit).count() == 2


@pytest.mark.django_db
def test_a_put_without_some_statuses_sets_them_to_zero(api, alice, hospital_lyon):
    units = seed_lyon(hospital_lyon, alice)
    unit = units["rea"]
    client = api(alice)
    location = location_of(export(client), unit)
    # Drop the reserved record (status 04): the Location sent has no reserved beds.
    location["extension"] = [
        e for e in location["extension"] if "reserved" not in figures_of({"extension": [e]})
    ]

    response = send(client, "put", unit, location)

    assert response.status_code == 200, response.content
    unit.refresh_from_db()
    assert (unit.reserved, unit.occupied, unit.available) == (0, 8, 1)


@pytest.mark.django_db
def test_stale_if_match_is_412_and_stale_meta_version_is_409(api, alice, hospital_lyon):
    units = seed_lyon(hospital_lyon, alice)
    unit = units["rea"]
    client = api(alice)
    location = location_of(export(client), unit)
    location["meta"]["versionId"] = "1"

    stale_header = send(client, "put", unit, location, HTTP_IF_MATCH='W/"1"')
    stale_meta = send(client, "put", unit, location)

    assert stale_header.status_code == 412
    assert stale_header["ETag"] == 'W/"3"'
    assert outcome(stale_header).issue[0].code == "conflict"
    assert stale_meta.status_code == 409
    assert outcome(stale_meta).issue[0].expression == ["Location.meta.versionId"]
    assert CapacityReport.objects.filter(unit=unit).count() == 2


@pytest.mark.django_db
def test_fhir_write_scopes(api, alice, bob, dave, carol, hospital_lyon):
    units = seed_lyon(hospital_lyon, alice)
    unit = units["rea"]
    location = location_of(export(api(alice)), unit)
    del location["meta"]

    other_staff = send(api(bob), "patch", unit, location)
    dispatcher = send(api(dave), "patch", unit, location)
    anonymous = send(api(None), "patch", unit, location)

    assert other_staff.status_code == 403 and outcome(other_staff).issue[0].code == "forbidden"
    assert dispatcher.status_code == 403 and outcome(dispatcher).issue[0].code == "forbidden"
    assert anonymous.status_code == 401 and outcome(anonymous).issue[0].code == "login"
    assert CapacityReport.objects.filter(unit=unit).count() == 2
    # The région's coordinator may, audited as on behalf of the unit.
    assert send(api(carol), "patch", unit, location).status_code == 200
    assert CapacityReport.objects.get(unit=unit, version=4).on_behalf


@pytest.mark.django_db
def test_unknown_location_is_404_and_bad_json_is_400_and_other_media_415(api, alice, hospital_lyon):
    units = seed_lyon(hospital_lyon, alice)
    client = api(alice)

    missing = client.patch("/fhir/Location/999999", "{}", content_type=FHIR_JSON)
    site = client.patch("/fhir/Location/finess-690783154", "{}", content_type=FHIR_JSON)
    broken = client.patch(f"/fhir/Location/{units['rea'].pk}", "{", content_type=FHIR_JSON)
    xml = client.patch(
        f"/fhir/Location/{units['rea'].pk}", "<Location/>", content_type="application/fhir+xml"
    )

    assert missing.status_code == 404 and outcome(missing).issue[0].code == "not-found"
    assert site.status_code == 404
    assert broken.status_code == 400 and outcome(broken).issue[0].code == "structure"
    assert xml.status_code == 415 and outcome(xml)


@pytest.mark.django_db
def test_fhir_read_of_a_unit_gives_its_etag(api, alice, bob, hospital_lyon):
    units = seed_lyon(hospital_lyon, alice)

    response = api(alice).get(f"/fhir/Location/{units['rea'].pk}")

    assert response.status_code == 200
    assert response["ETag"] == 'W/"3"'
    assert Location.model_validate(json.loads(response.content)).id == str(units["rea"].pk)
    assert api(bob).get(f"/fhir/Location/{units['rea'].pk}").status_code == 403


@pytest.mark.django_db
def test_fhir_export_scope(api, carol, bob, alice, hospital_lyon, unit_paris):
    seed_lyon(hospital_lyon, alice)
    assert api(carol).get(EXPORT, {"region": "11"}).status_code == 403
    assert api(carol).get(EXPORT, {"region": "nope"}).status_code == 400
    bundle = export(api(bob))
    assert [e["resource"]["id"] for e in bundle["entry"] if e["search"]["mode"] == "match"] == [
        str(unit_paris.pk)
    ]


@pytest.mark.django_db
def test_fhir_export_pages_with_count_and_next_links(api, carol, alice, hospital_lyon):
    seed_lyon(hospital_lyon, alice)
    client = api(carol)
    everything = export(client, region="84")
    all_ids = [e["resource"]["id"] for e in everything["entry"] if e["search"]["mode"] == "match"]

    seen = []
    url = f"{EXPORT}?region=84&_count=3"
    pages = 0
    while url:
        bundle = Bundle.model_validate(json.loads(client.get(url).content))
        pages += 1
        assert bundle.total == 4
        matches = [e for e in bundle.entry if e.search.mode == "match"]
        seen += [e.resource.id for e in matches]
        # Each page includes the sites of its own units, and only those.
        sites = {e.resource.id for e in bundle.entry if e.search.mode == "include"}
        assert sites == {
            e.resource.managingOrganization.reference.removeprefix("Organization/") for e in matches
        }
        nxt = [link.url for link in bundle.link if link.relation == "next"]
        url = nxt[0].removeprefix("http://testserver") if nxt else None

    assert pages == 2 and seen == all_ids
    bad = client.get(EXPORT, {"_count": "-1"})
    assert bad.status_code == 400 and outcome(bad).issue[0].expression == ["_count"]


@pytest.mark.django_db
def test_a_malformed_if_match_is_a_400_naming_the_header(api, alice, hospital_lyon):
    units = seed_lyon(hospital_lyon, alice)
    location = location_of(export(api(alice)), units["rea"])

    response = send(api(alice), "put", units["rea"], location, HTTP_IF_MATCH="version 3")

    assert response.status_code == 400
    assert outcome(response).issue[0].expression == ["If-Match"]
