"""Bedwatch's CapabilityStatement: exactly what `fhir.views` implements, modelled on ROR's
server statement (`ror-serveur`). Keep it in step with `fhir.search` and `fhir.views`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fhir import terminology as t

FHIR_JSON = "application/fhir+json"
JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
NDJSON = "application/fhir+ndjson"

COMMON_SEARCH = [
    ("_id", "token", "Logical id (comma-separated for several)."),
    (
        "_lastUpdated",
        "date",
        "meta.lastUpdated with the prefixes eq (default), gt, ge, lt, le; repeat for a range.",
    ),
    (
        "_tag",
        "token",
        f"codeRegion tag: the INSEE région code, optionally as {t.REGION_OM}|<code>.",
    ),
]

# resource → (profile, interactions, search parameters, _include values, _revinclude values)
RESOURCES: dict[str, dict[str, Any]] = {
    "Location": {
        "profile": t.PROFILE_LOCATION,
        "interactions": {
            "read": "A unit: its capacity records as last sent, or one per figure.",
            "search-type": "Units in the caller's scope.",
            "update": "PUT a whole Location: its capacity records replace the current ones "
            "(a status with no current record is 0). If-Match (412 when stale) or "
            "meta.versionId (409 when stale).",
            "patch": "FHIRPath Patch (Parameters; add, replace, delete of capacity records as in "
            "ROR's scenarios 2, 2 BIS and 3), JSON Patch (application/json-patch+json) or a "
            "merge of a partial Location; also conditional, PATCH [base]/Location?identifier=…",
        },
        "search": [
            *COMMON_SEARCH,
            ("identifier", "token", f"{t.UNIT_ID_SYSTEM}|<unit id> (idLocation)."),
        ],
        "include": ["Location:organization"],
        "revinclude": ["HealthcareService:location"],
        "conditional": True,
    },
    "HealthcareService": {
        "profile": t.PROFILE_HEALTHCARE_SERVICE,
        "interactions": {
            "read": "A unit's activity.",
            "search-type": "Activities of the units in the caller's scope.",
        },
        "search": [
            *COMMON_SEARCH,
            ("identifier", "token", f"{t.UNIT_ID_SYSTEM}|<unit id>."),
        ],
        "include": ["HealthcareService:location", "HealthcareService:organization"],
        "revinclude": [],
        "conditional": False,
    },
    "Organization": {
        "profile": t.PROFILE_ORGANIZATION,
        "interactions": {
            "read": "A hospital (établissement géographique), id = FINESS ET.",
            "search-type": "Hospitals in the caller's scope.",
        },
        "search": [
            *COMMON_SEARCH,
            ("identifier", "token", f"{t.FINESS_SYSTEM}|<FINESS ET>."),
        ],
        "include": [],
        "revinclude": ["Location:organization", "HealthcareService:organization"],
        "conditional": False,
    },
    "CodeSystem": {
        "profile": None,
        "interactions": {"read": f"{t.UNIT_KIND_ID}: Bedwatch's unit kinds."},
        "search": [],
        "include": [],
        "revinclude": [],
        "conditional": False,
    },
}


def capability_statement(*, base_url: str, date: datetime, software_version: str) -> dict:
    resources = []
    for name, spec in RESOURCES.items():
        resource: dict[str, Any] = {"type": name}
        if spec["profile"]:
            resource["profile"] = spec["profile"]
        resource["interaction"] = [
            {"code": code, "documentation": doc} for code, doc in spec["interactions"].items()
        ]
        if "update" in spec["interactions"]:
            resource["versioning"] = "versioned-update"
            resource["readHistory"] = False
            resource["updateCreate"] = False
        if spec["conditional"]:
            resource["conditionalUpdate"] = False
            resource["conditionalDelete"] = "not-supported"
        if spec["include"]:
            resource["searchInclude"] = spec["include"]
        if spec["revinclude"]:
            resource["searchRevInclude"] = spec["revinclude"]
        if spec["search"]:
            resource["searchParam"] = [
                {"name": n, "type": kind, "documentation": doc} for n, kind, doc in spec["search"]
            ]
        resources.append(resource)
    return {
        "resourceType": "CapabilityStatement",
        "id": "bedwatch",
        "url": f"{t.BEDWATCH}/CapabilityStatement/bedwatch",
        "name": "BedwatchFHIRServer",
        "title": "Bedwatch FHIR server (ROR capacity)",
        "status": "active",
        "experimental": False,
        "date": date.isoformat(),
        "publisher": "Bedwatch",
        "description": (
            "Critical-care units as ROR Locations, HealthcareServices and Organizations; "
            "capacity reports by PUT or PATCH of ror-location-supported-capacity. Every error "
            "is an OperationOutcome. $export is synchronous: the answer is the ndjson itself "
            "(no kick-off, no status polling)."
        ),
        "kind": "instance",
        "software": {"name": "Bedwatch", "version": software_version},
        "implementation": {"description": "Bedwatch", "url": base_url},
        "fhirVersion": "4.0.1",
        "format": [FHIR_JSON, "application/json", "json"],
        "patchFormat": [FHIR_JSON, JSON_PATCH, MERGE_PATCH],
        "rest": [
            {
                "mode": "server",
                "documentation": "Bedwatch's access rules: see docs/interoperability.md.",
                "security": {
                    "cors": False,
                    "description": (
                        "Authorization: Token <key> (accounts made with create_account --token), "
                        "or a browser session. mTLS with IGC-Santé certificates is terminated by "
                        "a proxy that maps each certificate to a token."
                    ),
                },
                "resource": resources,
                "searchParam": [
                    {
                        "name": "_count",
                        "type": "number",
                        "documentation": "Results per page, 0 to 1000; 200 by default.",
                    },
                    {
                        "name": "_page",
                        "type": "number",
                        "documentation": "Page number (1-based), as the next/previous links give.",
                    },
                    {"name": "_include", "type": "special", "documentation": "See each resource."},
                    {
                        "name": "_revinclude",
                        "type": "special",
                        "documentation": "See each resource.",
                    },
                    {"name": "_format", "type": "special", "documentation": "json or fhir+json."},
                ],
                "operation": [
                    {
                        "name": "export",
                        "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export",
                        "documentation": (
                            "GET [base]/$export: synchronous; answers 200 with "
                            f"{NDJSON} of Organization, Location and HealthcareService in the "
                            "caller's scope (_type narrows). No kick-off, no polling."
                        ),
                    }
                ],
            }
        ],
    }
