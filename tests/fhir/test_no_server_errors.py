"""Awkward bodies, byte strings and queries on every write and search path: never a 500."""

import json

import pytest

from fhir import terminology as t
from tests.beds.exports_helpers import seed_lyon

BODIES = [
    None,
    [],
    "",
    1,
    True,
    {},
    {"resourceType": "Location"},
    {"resourceType": "Location", "extension": {}},
    {"resourceType": "Location", "extension": [None]},
    {"resourceType": "Location", "extension": [{"url": 1}]},
    {"resourceType": "Location", "extension": [{"url": t.SUPPORTED_CAPACITY}]},
    {
        "resourceType": "Location",
        "extension": [{"url": t.SUPPORTED_CAPACITY, "extension": [None, 1, {"url": []}]}],
    },
    {
        "resourceType": "Location",
        "extension": [
            {
                "url": t.SUPPORTED_CAPACITY,
                "extension": [{"url": "nbCapacity", "valueInteger": 1e400}],
            }
        ],
    },
    {"resourceType": "Location", "meta": [], "id": []},
    {"resourceType": "Location", "meta": {"versionId": None}},
    {"resourceType": "Location", "meta": {"versionId": "99999999999999999999"}},
    {"resourceType": "Parameters"},
    {"resourceType": "Parameters", "parameter": None},
    {"resourceType": "Parameters", "parameter": [1]},
    {"resourceType": "Parameters", "parameter": [{"name": "operation"}]},
    {"resourceType": "Parameters", "parameter": [{"name": "operation", "part": [1]}]},
    {
        "resourceType": "Parameters",
        "parameter": [
            {
                "name": "operation",
                "part": [
                    {"name": "type", "valueString": ["add"]},
                    {"name": "path", "valueString": "Location"},
                ],
            }
        ],
    },
    {
        "resourceType": "Parameters",
        "parameter": [
            {
                "name": "operation",
                "part": [
                    {"name": "type", "valueString": "add"},
                    {"name": "path", "valueString": {}},
                ],
            }
        ],
    },
    {
        "resourceType": "Parameters",
        "parameter": [
            {
                "name": "operation",
                "part": [
                    {"name": "type", "valueString": "add"},
                    {"name": "path", "valueString": "Location.extension"},
                    {"name": "value", "part": [1, {"extension": 3}]},
                ],
            }
        ],
    },
    {
        "resourceType": "Parameters",
        "parameter": [
            {
                "name": "operation",
                "part": [
                    {"name": "type", "valueString": "add"},
                    {"name": "path", "valueString": "Location.extension"},
                    {"name": "value", "valueString": "x"},
                ],
            }
        ],
    },
    {
        "resourceType": "Parameters",
        "parameter": [
            {
                "name": "operation",
                "part": [
                    {"name": "type", "valueString": "delete"},
                    {
                        "name": "path",
                        "valueString": "Location.extension.where(url='"
                        + t.SUPPORTED_CAPACITY
                        + "')",
                    },
                ],
            }
        ],
    },
    {
        "resourceType": "Parameters",
        "parameter": [
            {
                "name": "operation",
                "part": [
                    {"name": "type", "valueString": "replace"},
                    {
                        "name": "path",
                        "valueString": "Location.extension.where(url='"
                        + t.SUPPORTED_CAPACITY
                        + "').where(extension.where(url = 'capacityStatus' and valueCodeableConcept.coding.code = '02'))",
                    },
                    {"name": "value", "valueInteger": 3},
                ],
            }
        ],
    },
    [{"op": "add", "path": "/extension/a", "value": 1}],
    [{"op": "move", "from": "/", "path": "/x"}],
    [{"op": "move", "from": "/extension", "path": "/extension/0"}],
    [{"op": "replace", "path": "/meta/versionId", "value": []}],
    [{"op": "replace", "path": "", "value": 3}],
    [{"op": "copy", "from": "/id", "path": "/extension/-"}],
    [{"op": "remove", "path": "/extension/00"}],
    [{"op": "add", "path": 5}],
    [{"op": "test", "path": "/nope", "value": 1}],
    [{"op": "replace", "path": "/resourceType", "value": "Patient"}],
    [{"op": "replace", "path": "/id", "value": "7"}],
    [{"op": "add", "path": "/extension/99999999", "value": 1}],
]
TYPES = ["application/fhir+json", "application/json-patch+json", "application/merge-patch+json"]


@pytest.mark.django_db
def test_no_body_or_query_makes_a_server_error(api, alice, hospital_lyon):  # noqa: C901
    units = seed_lyon(hospital_lyon, alice)
    c = api(alice)
    for body in BODIES:
        for ct in TYPES:
            for method in ("patch", "put"):
                r = getattr(c, method)(
                    f"/fhir/Location/{units['rea'].pk}", json.dumps(body), content_type=ct
                )
                assert r.status_code < 500, (body, ct, method, r.content)
                r = c.patch(
                    f"/fhir/Location?identifier={units['rea'].pk}",
                    json.dumps(body),
                    content_type=ct,
                )
                assert r.status_code < 500, (body, ct, r.content)
    for raw in [b"\xff\xfe", b'{"a":', b"1e99999", b"[" * 70 + b"]" * 70, b"NaN", b'"\\ud800"']:
        r = c.patch(f"/fhir/Location/{units['rea'].pk}", raw, content_type="application/fhir+json")
        assert r.status_code < 500, (raw, r.content)
    for q in [
        "_lastUpdated=ge2026-02-30",
        "_lastUpdated=9999-12-31T23:59:59Z",
        "_lastUpdated=gt9999",
        "_count=9999999999",
        "_page=0",
        "_id=,,,",
        "identifier=|",
        "_tag=|",
        "_lastUpdated=2026-01-01T25:00",
        "_lastUpdated=",
        "identifier=a|b|c",
        "identifier=%00",
        "_id=%00",
        "_tag=%00",
        "region=%00",
        "identifier=https://finess.esante.gouv.fr|69%00",
    ]:
        for path in [
            "/fhir/Location",
            "/fhir/HealthcareService",
            "/fhir/Organization",
            "/api/v1/exports/fhir/Location",
        ]:
            r = c.get(f"{path}?{q}")
            assert r.status_code < 500, (path, q, r.content)
