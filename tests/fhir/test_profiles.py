"""Every resource Bedwatch serves, checked against the ROR IG's FSH (tests/fhir/profile_check.py)
and against R4 core structure by independent libraries: fhir.resources, and the npm `fhir`
package's validator (R4 StructureDefinitions and value sets) when installed in tests/fhir/r4."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.codesystem import CodeSystem
from fhir.resources.R4B.healthcareservice import HealthcareService
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.organization import Organization

from beds.models import Hospital
from tests.beds.exports_helpers import seed_lyon
from tests.conftest import service_missing
from tests.fhir.helpers import fsh_instance, ig_root
from tests.fhir.profile_check import IG, Checker

MODELS = {
    "Location": Location,
    "HealthcareService": HealthcareService,
    "Organization": Organization,
}
# What Bedwatch cannot say yet, and why (docs/interoperability.md, "What is not implemented").
KNOWN_GAPS: set[str] = set()


def with_addresses() -> None:
    Hospital.objects.filter(finess="690783154").update(postcode="69003", city="LYON")
    Hospital.objects.filter(finess="690000880").update(postcode="69100", city="Villeurbanne")


def everything_served(client) -> list[dict]:  # noqa: ANN001
    """Every resource of the seeded scope, as reads, searches with includes and $export give it."""
    served = []
    for path in (
        "/fhir/Location?_revinclude=HealthcareService:location&_include=Location:organization",
        "/fhir/HealthcareService?_include=HealthcareService:location",
        "/fhir/Organization?_revinclude=Location:organization",
        "/api/v1/exports/fhir/Location?region=84",
    ):
        response = client.get(path)
        assert response.status_code == 200, response.content
        bundle = json.loads(response.content)
        Bundle.model_validate(bundle)
        served += [entry["resource"] for entry in bundle["entry"]]
    export = client.get("/fhir/$export")
    assert export.status_code == 200
    served += [json.loads(line) for line in export.content.decode().splitlines()]
    for resource in list(served):
        kind, rid = resource["resourceType"], resource["id"]
        read = client.get(f"/fhir/{kind}/{rid}")
        assert read.status_code == 200, read.content
        served.append(json.loads(read.content))
    return served


@pytest.mark.django_db
def test_every_resource_served_passes_the_ror_profiles_and_r4_core(
    api, carol, alice, hospital_lyon
):
    seed_lyon(hospital_lyon, alice)
    with_addresses()
    checker = Checker(IG(ig_root()))

    served = everything_served(api(carol))

    assert {r["resourceType"] for r in served} == set(MODELS)
    problems = set()
    for resource in served:
        MODELS[resource["resourceType"]].model_validate(resource)
        problems |= set(checker.check(resource))
    assert problems == KNOWN_GAPS


@pytest.mark.django_db
def test_the_profile_check_finds_what_a_resource_lacks(api, carol, alice, hospital_lyon):
    units = seed_lyon(hospital_lyon, alice)
    checker = Checker(IG(ig_root()))
    # No address: the gazetteer cannot tell the commune, so ror-commune-cog (1..1) is missing.
    location = json.loads(api(carol).get(f"/fhir/Location/{units['rea'].pk}").content)
    broken = json.loads(json.dumps(location))
    del broken["meta"]["lastUpdated"]
    broken["type"][0]["coding"] = broken["type"][0]["coding"][1:]  # Bedwatch's kind only

    problems = checker.check(broken)

    assert "Location.extension[ror-commune-cog]: 0 found, 1..1 allowed" in problems
    assert "Location.meta.lastUpdated: 0 found, 1..1 allowed" in problems
    assert any("Location.type" in p and "required binding" in p for p in problems)


def test_the_igs_own_location_example_passes_the_profile_check():
    example = fsh_instance(ig_root() / "input" / "fsh" / "examples" / "RORLocationExemple1.fsh")
    example["meta"]["profile"] = [
        "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-location"
    ]

    assert Checker(IG(ig_root())).check(example) == []
    Location.model_validate(example)


@pytest.mark.django_db
def test_metadata_and_the_unit_kind_code_system_parse_as_r4(api):
    statement = api(None).get("/fhir/metadata")
    code_system = api(None).get("/fhir/CodeSystem/bedwatch-unit-kind")

    parsed = CapabilityStatement.model_validate(json.loads(statement.content))
    kinds = CodeSystem.model_validate(json.loads(code_system.content))
    assert parsed.fhirVersion == "4.0.1"
    assert kinds.url == "https://bedwatch.fr/fhir/CodeSystem/bedwatch-unit-kind"
    assert {c.code for c in kinds.concept} >= {"REA", "USC", "BURN"}


@pytest.mark.django_db
def test_each_units_activity_is_its_kinds_tre_r211_code(api, carol, alice, hospital_lyon):
    units = seed_lyon(hospital_lyon, alice)
    client = api(carol)

    def activity(unit):  # noqa: ANN001, ANN202
        service = json.loads(client.get(f"/fhir/HealthcareService/{unit.pk}").content)
        return [
            c["code"]
            for s in service["specialty"]
            for c in s["coding"]
            if c["system"].endswith("TRE-R211-ActiviteOperationnelle")
        ]

    assert activity(units["rea"]) == ["127"]
    assert activity(units["usic"]) == ["354"]
    assert activity(units["burn"]) == ["121"]
    assert activity(units["never"]) == ["128"]


R4_VALIDATOR = Path(__file__).parent / "r4"


@pytest.mark.django_db
def test_every_resource_served_passes_the_npm_fhir_r4_validator(api, carol, alice, hospital_lyon):
    node = shutil.which("node")
    if node is None or not (R4_VALIDATOR / "node_modules" / "fhir").exists():
        service_missing("the npm fhir validator: npm ci --prefix tests/fhir/r4")
    seed_lyon(hospital_lyon, alice)
    with_addresses()
    served = everything_served(api(carol))
    served.append(json.loads(api(None).get("/fhir/metadata").content))
    served.append(json.loads(api(None).get("/fhir/CodeSystem/bedwatch-unit-kind").content))
    broken = {**served[0], "status": "bogus"}  # the validator must see this one

    result = subprocess.run(
        [node, str(R4_VALIDATOR / "validate.js")],
        input="".join(json.dumps(r) + "\n" for r in [*served, broken]),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    invalid = [json.loads(line) for line in result.stdout.splitlines()]
    assert [i["resource"] for i in invalid] == [f"{broken['resourceType']}/{broken['id']}"], invalid
