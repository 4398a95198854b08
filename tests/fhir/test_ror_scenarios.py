"""The ROR IG's own examples, replayed against Bedwatch: the RORLocation example as a PUT body,
and the capacity scenarios 2 (add), 2 BIS (replace) and 3 (delete) of the technical spec page,
sent as ROR sends them (conditional PATCH by identifier)."""

import json

import pytest

from beds import events
from beds.models import CapacityReport, Source
from fhir import terminology as t
from tests.factories import UnitFactory, report
from tests.fhir.helpers import FHIR_JSON, expressions, fsh_instance, ig_root, scenario_bodies


@pytest.fixture
def sent(monkeypatch):  # noqa: ANN001, ANN201
    """Every (audience, event) the live feed was given, round-tripped through JSON."""
    messages: list[tuple[str, dict]] = []

    def publish_each(pairs):  # noqa: ANN001, ANN202
        messages.extend((audience, json.loads(json.dumps(event))) for audience, event in pairs)
        return True

    monkeypatch.setattr(events, "publish_each", publish_each)
    return messages


def the_location_example() -> dict:
    return fsh_instance(ig_root() / "input" / "fsh" / "examples" / "RORLocationExemple1.fsh")


def records(location: dict) -> list[dict]:
    return [e for e in location["extension"] if e["url"] == t.SUPPORTED_CAPACITY]


@pytest.mark.django_db
def test_the_igs_location_example_put_stores_its_figures_history_and_live_event(
    api, alice, unit_lyon, sent, django_capture_on_commit_callbacks
):
    example = the_location_example()

    with django_capture_on_commit_callbacks(execute=True):
        response = api(alice).put(
            f"/fhir/Location/{unit_lyon.pk}", json.dumps(example), content_type=FHIR_JSON
        )

    assert response.status_code == 200, response.content
    unit_lyon.refresh_from_db()
    # Installed 15; available 0 (men) + 0 (women) + 3 (either): summed; extra 0 (crisis beds);
    # the statuses the example does not give are 0.
    assert unit_lyon.figures() == {
        "installed": 15,
        "available": 3,
        "occupied": 0,
        "reserved": 0,
        "closed": 0,
        "extra": 0,
    }
    history = CapacityReport.objects.get(unit=unit_lyon, version=unit_lyon.version)
    assert history.source == Source.FHIR and history.figures() == unit_lyon.figures()
    assert history.observed_at.isoformat() == "2024-07-08T18:15:39+00:00"
    assert [m[1]["units"][0]["available"] for m in sent] == [3, 3]  # région and nation
    # The records come back as sent, capacitySourceType 01 included.
    served = json.loads(response.content)
    assert records(served) == records(example)
    assert response["ETag"] == f'W/"{unit_lyon.version}"'
    assert response["Last-Modified"] == "Mon, 08 Jul 2024 18:15:39 GMT"


@pytest.mark.django_db
def test_the_spec_pages_scenarios_2_2bis_and_3_by_conditional_patch(
    api, alice, hospital_lyon, sent, django_capture_on_commit_callbacks
):
    unit = UnitFactory(hospital=hospital_lyon, label="USC chir", kind="USC")
    report(unit, alice, installed=80, available=5, occupied=35)
    unit.refresh_from_db()
    start = unit.version
    add, replace, delete = scenario_bodies()
    client = api(alice)
    url = f"/fhir/Location?identifier={t.UNIT_ID_SYSTEM}|{unit.pk}"

    def patch(body):  # noqa: ANN001, ANN202
        with django_capture_on_commit_callbacks(execute=True):
            return client.patch(url, json.dumps(body), content_type=FHIR_JSON)

    # Scenario 2: 25 places available for either gender, beside Bedwatch's own record of 5.
    added = patch(add)
    assert added.status_code == 200, added.content
    unit.refresh_from_db()
    assert (unit.available, unit.occupied, unit.version) == (30, 35, start + 1)
    assert (
        records(json.loads(added.content))[-1]
        == add["parameter"][0]["part"][2]["part"][0]["extension"][0]
    )
    # Scenario 2 BIS: that record becomes 12.
    replaced = patch(replace)
    assert replaced.status_code == 200, replaced.content
    unit.refresh_from_db()
    assert (unit.available, unit.version) == (17, start + 2)
    # Scenario 3: it is deleted; Bedwatch's own record of 5 remains.
    deleted = patch(delete)
    assert deleted.status_code == 200, deleted.content
    unit.refresh_from_db()
    assert (unit.available, unit.version) == (5, start + 3)
    assert list(
        CapacityReport.objects.filter(unit=unit)
        .order_by("version")
        .values_list("available", "source")
    ) == [(5, "web"), (30, "fhir"), (17, "fhir"), (5, "fhir")]
    assert [m[1]["units"][0]["available"] for m in sent if m[0] == "national"] == [30, 17, 5]
    # Deleting again finds nothing: a 422 naming the path, nothing written.
    again = patch(delete)
    assert again.status_code == 422
    assert expressions(again) == ["Parameters.parameter[0].part[1].valueString"]
    assert CapacityReport.objects.filter(unit=unit).count() == 4
    unit.refresh_from_db()
    assert unit.version == start + 3
