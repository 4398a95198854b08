import io

import pytest
from django.core.management import call_command
from lxml import etree

from beds.exports.edxl import BED_TYPES, HAVE, hospital_status
from beds.models import UnitKind
from tests.beds.exports_helpers import (
    seed_lyon,
    shared_dir,
)
from tests.conftest import service_missing

URL = "/api/v1/exports/edxl-have.xml"
NS = {"have": HAVE, "xnl": "urn:oasis:names:tc:ciq:xnl:3", "xpil": "urn:oasis:names:tc:ciq:xpil:3"}


@pytest.fixture(scope="module")
def have_schema() -> etree.XMLSchema:
    path = shared_dir("standards", "edxl-have-1.0", "xsd", "edxl-have.xsd")
    if path is None:
        service_missing("the OASIS EDXL-HAVE schema (../shared/standards/edxl-have-1.0)")
    return etree.XMLSchema(etree.parse(str(path)))


def api_units(client, region):  # noqa: ANN001, ANN201
    """Every unit the API lists for the région, by id."""
    body = client.get("/api/v1/hospitals/", {"region": region, "page_size": 1000}).json()
    return {u["id"]: (h, u) for h in body["results"] for u in h["units"]}


@pytest.mark.django_db
def test_edxl_export_of_a_region_validates_and_its_counts_equal_the_api(
    api, carol, hospital_lyon, alice, have_schema
):
    seed_lyon(hospital_lyon, alice)
    client = api(carol)

    response = client.get(URL, {"region": "84"})

    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/xml")
    root = etree.fromstring(response.content)
    assert have_schema.validate(root), have_schema.error_log
    expected = api_units(client, "84")
    seen = {}
    for hospital in root.findall("have:Hospital", NS):
        finess = hospital.findtext(".//xpil:IdentifierElement", namespaces=NS)
        for capacity in hospital.findall(".//have:BedCapacity", NS):
            comment = dict(
                part.split("=", 1)
                for part in capacity.findtext("have:CommentText", namespaces=NS).split("; ")
            )
            seen[int(comment["id"])] = (
                finess,
                capacity.findtext("have:BedType", namespaces=NS),
                capacity.findtext("have:SubCategoryBedType", namespaces=NS),
                int(capacity.findtext(".//have:AvailableCount", namespaces=NS)),
                int(capacity.findtext(".//have:BaselineCount", namespaces=NS)),
            )
    assert seen.keys() == expected.keys()
    for unit_id, (hospital, unit) in expected.items():
        assert seen[unit_id] == (
            hospital["finess"],
            BED_TYPES[unit["kind"]],
            unit["kind"],
            unit["available"],
            unit["installed"],
        )


@pytest.mark.django_db
def test_edxl_names_position_and_last_update_of_each_hospital(api, carol, hospital_lyon, alice):
    units = seed_lyon(hospital_lyon, alice)
    root = etree.fromstring(api(carol).get(URL, {"region": "84"}).content)
    by_name = {
        h.findtext(".//xnl:NameElement", namespaces=NS): h
        for h in root.findall("have:Hospital", NS)
    }

    lyon = by_name["Hôpital Édouard Herriot"]
    assert lyon.findtext(".//{http://www.opengis.net/gml}pos") == "45.7434 4.87997"
    units["usic"].refresh_from_db()
    assert (
        lyon.findtext("have:LastUpdateTime", namespaces=NS) == units["usic"].updated_at.isoformat()
    )
    # Quotes and ampersands survive as text.
    assert 'Clinique "Saint-Jean" & Cie' in by_name


def test_every_unit_kind_has_a_bed_type_the_schema_allows(have_schema):
    hospital = {"finess": "690783154", "name": "H", "lat": 45.0, "lon": 4.0, "phone": "04"}
    units = [
        {
            "id": i,
            "label": kind.label,
            "kind": kind.value,
            "installed": 1,
            "available": 1,
            "occupied": 0,
            "reserved": 0,
            "closed": 0,
            "extra": 0,
            "version": 1,
            "updated_at": "2026-01-01T00:00:00+00:00",
            "freshness": "fresh",
        }
        for i, kind in enumerate(UnitKind)
    ]
    root = etree.fromstring(hospital_status([{**hospital, "units": units}]))
    assert have_schema.validate(root), have_schema.error_log
    assert [e.text for e in root.iter(f"{{{HAVE}}}SubCategoryBedType")] == [
        k.value for k in UnitKind
    ]
    assert BED_TYPES[UnitKind.REA_PED] == "PediatricICU"
    assert BED_TYPES[UnitKind.REA_NEO] == "NeonatalICU"
    assert BED_TYPES[UnitKind.BURN] == "Burn"
    assert BED_TYPES[UnitKind.USIC] == "AdultICU"
    # Continuous care is step-down care, not ventilator-capable ICU: not counted as AdultICU.
    assert BED_TYPES[UnitKind.USC] == "MedicalSurgical"


def test_a_full_unit_has_no_not_available_status_beside_its_sub_category(have_schema):
    hospital = {"finess": "690783154", "name": "H", "lat": 45.0, "lon": 4.0, "phone": ""}
    unit = {
        "id": 1,
        "label": "Réa",
        "kind": "REA",
        "installed": 8,
        "available": 0,
        "occupied": 8,
        "reserved": 0,
        "closed": 0,
        "extra": 0,
        "version": 1,
        "updated_at": "2026-01-01T00:00:00+00:00",
        "freshness": "fresh",
    }
    free = {**unit, "id": 2, "available": 2, "occupied": 6}

    root = etree.fromstring(hospital_status([{**hospital, "units": [unit, free]}]))

    assert have_schema.validate(root), have_schema.error_log
    capacities = root.findall(".//have:BedCapacity", NS)
    assert [c.findtext(".//have:CapacityStatus", namespaces=NS) for c in capacities] == [
        None,
        "Vacant/Available",
    ]
    assert [c.findtext(".//have:AvailableCount", namespaces=NS) for c in capacities] == ["0", "2"]
    assert not [e for e in root.iter(f"{{{HAVE}}}CapacityStatus") if e.text == "NotAvailable"]


@pytest.mark.django_db
def test_edxl_region_outside_scope_is_403_and_unknown_region_is_400(api, carol, hospital_lyon):
    assert api(carol).get(URL, {"region": "11"}).status_code == 403
    response = api(carol).get(URL, {"region": "99"})
    assert response.status_code == 400
    assert "region" in response.json()


@pytest.mark.django_db
def test_edxl_without_region_covers_what_the_caller_reads(
    api, alice, bob, hospital_lyon, unit_paris
):
    seed_lyon(hospital_lyon, alice)
    root = etree.fromstring(api(bob).get(URL).content)
    names = [
        h.findtext(".//xnl:NameElement", namespaces=NS) for h in root.findall("have:Hospital", NS)
    ]
    assert names == ["Pitié-Salpêtrière"]


@pytest.mark.django_db
def test_edxl_with_nothing_in_scope_is_404_not_an_invalid_document(api, dave):
    response = api(dave).get(URL, {"region": "94"})
    assert response.status_code == 404


@pytest.mark.django_db
def test_edxl_export_refuses_anonymous(api):
    assert api(None).get(URL).status_code == 401


@pytest.mark.django_db
def test_edxl_of_every_seeded_region_validates_and_has_one_bed_capacity_per_unit(
    api, erin, have_schema
):
    call_command("seed_demo", stdout=io.StringIO())
    client = api(erin)
    regions = sorted(
        {
            h["region"]
            for h in client.get("/api/v1/hospitals/", {"page_size": 1000}).json()["results"]
        }
    )
    assert len(regions) >= 3

    for region in regions:
        root = etree.fromstring(client.get(URL, {"region": region}).content)
        assert have_schema.validate(root), (region, have_schema.error_log)
        statuses = {e.text for e in root.iter(f"{{{HAVE}}}CapacityStatus")}
        assert statuses <= {"Vacant/Available"}  # never NotAvailable beside a sub-category
        counts = [int(e.text) for e in root.iter(f"{{{HAVE}}}AvailableCount")]
        units = api_units(client, region)
        assert len(counts) == len(units)
        assert sum(counts) == sum(u["available"] for _h, u in units.values())
