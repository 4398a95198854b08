"""What FHIR clients send, read defensively: JSON bodies, capacity records, patches.

Pure functions. Every element is type-checked before use; every problem becomes an `Issue`
naming the element by its FHIRPath, raised as `FHIRInputError` (status 400 for a malformed
request, 422 for a well-formed one that breaks a rule or targets nothing).
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fhir import terminology as t
from fhir.builders import Issue

MAX_DEPTH = 64
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
VERSION_RE = re.compile(r"[0-9]{1,9}")


class FHIRInputError(Exception):
    def __init__(self, issues: list[Issue], status: int = 400) -> None:
        super().__init__("; ".join(i.message for i in issues))
        self.issues = issues
        self.status = status


def fail(message: str, expression: str | None = None, *, code: str = "invalid", status: int = 400):  # noqa: ANN201
    raise FHIRInputError([Issue(code, message, expression)], status)


def load_json(raw: bytes) -> Any:
    """The body as JSON, refusing nesting deeper than MAX_DEPTH before the parser recurses."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        fail("The request body is not UTF-8.", code="structure")
    depth = deepest = 0
    for match in _BRACKETS.finditer(_STRINGS.sub("", text)):
        depth += 1 if match.group() in "[{" else -1
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            fail(f"The JSON is nested deeper than {MAX_DEPTH} levels.", code="too-costly")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        fail(f"The request body is not valid JSON: {exc}", code="structure")
    root = value.get("resourceType") if isinstance(value, dict) else None
    where = _bad_string(value, root if isinstance(root, str) and root.isalpha() else "body")
    if where is not None:
        fail(
            "A string holds a control character or a lone surrogate (\\u0000–\\u001f other "
            "than tab and line breaks, \\ud800–\\udfff): FHIR strings cannot.",
            where,
        )
    return value


# FHIR strings are Unicode text: no C0 control but tab, CR, LF; no lone surrogate (JSON's \\uD800
# escapes decode to one, and neither UTF-8 nor PostgreSQL's jsonb can hold it).
_BAD_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def _bad_string(value: Any, where: str) -> str | None:
    """The path of the first string (key or value) FHIR cannot hold, or None."""
    if isinstance(value, str):
        return where if _BAD_CHARACTERS.search(value) else None
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _bad_string(item, f"{where}[{index}]")
            if found:
                return found
    elif isinstance(value, dict):
        for key, item in value.items():
            if _BAD_CHARACTERS.search(key):
                return where
            found = _bad_string(item, f"{where}.{key}")
            if found:
                return found
    return None


def version_of(raw: Any, where: str) -> int:
    if isinstance(raw, str) and VERSION_RE.fullmatch(raw):
        return int(raw)
    fail(
        f'{raw!r} is not a version this server issued (ASCII digits, e.g. "3").',
        where,
        code="value",
    )


# ---------------------------------------------------------------------------------------------
# Capacity records → figures


@dataclass
class Capacity:
    """The records of a Location and the six figures they add up to."""

    records: list[dict] = field(default_factory=list)
    figures: dict[str, int] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)  # figure → element of its first record
    observed_at: datetime | None = None
    observed_at_where: str | None = None


def _datetime(raw: Any) -> datetime | None:
    """A FHIR dateTime with a time and an offset; None when it is not one."""
    if not isinstance(raw, str) or "T" not in raw or len(raw) > 40:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def _coded(sub: dict, name: str, where: str, issues: list[Issue], *, strict: bool) -> str | None:
    """The code of a coded sub-extension, checked element by element."""
    concept = sub.get("valueCodeableConcept")
    at = f"{where}.valueCodeableConcept"
    if not isinstance(concept, dict):
        issues.append(Issue("structure", f"{name} needs a valueCodeableConcept object.", at))
        return None
    codings = concept.get("coding")
    if not isinstance(codings, list) or not codings:
        issues.append(
            Issue("structure", f"{name}'s coding must be a non-empty array.", f"{at}.coding")
        )
        return None
    systems = t.CAPACITY_SYSTEMS.get(name, frozenset())
    for index, coding in enumerate(codings):
        here = f"{at}.coding[{index}]"
        if not isinstance(coding, dict):
            issues.append(Issue("structure", f"{name}'s coding must hold objects.", here))
            return None
        system, code = coding.get("system"), coding.get("code")
        if not isinstance(system, str) or not isinstance(code, str):
            issues.append(
                Issue("structure", f"{name}'s coding needs a system and a code (strings).", here)
            )
            return None
        if not strict or system in systems:
            return code
    issues.append(
        Issue(
            "value",
            f"{name} has no coding from {t.CAPACITY_CODED[name][0]} "
            f"(or its value set {t.CAPACITY_CODED[name][1]}).",
            f"{at}.coding",
        )
    )
    return None


_ALLOWED_CODES = {
    "capacityStatus": frozenset(t.FIGURE_OF_STATUS),
    "capacityType": t.NATURE_CODES,
    "temporalityCapacity": t.TEMPORALITY_CODES,
    "capacitySourceType": t.SOURCE_TYPE_CODES,
    "genderCapacityAvailable": t.GENDER_CODES,
}


def _record(extension: dict, where: str, issues: list[Issue]) -> dict[str, Any] | None:
    """One capacity record's values by sub-extension name, or None (issues appended)."""
    subs = extension.get("extension")
    if not isinstance(subs, list):
        issues.append(Issue("structure", "A capacity extension needs its sub-extensions.", where))
        return None
    values: dict[str, Any] = {}
    places: dict[str, str] = {}
    before = len(issues)
    for index, sub in enumerate(subs):
        here = f"{where}.extension[{index}]"
        if not isinstance(sub, dict) or not isinstance(sub.get("url"), str):
            issues.append(Issue("structure", "A sub-extension needs a url (a string).", here))
            continue
        name = sub["url"]
        if name in places:
            issues.append(Issue("invalid", f"{name} is given twice in one record.", here))
            continue
        places[name] = here
        if name in t.CAPACITY_CODED:
            strict = name in _ALLOWED_CODES or name == "temporaryAssignement"
            code = _coded(sub, name, here, issues, strict=strict)
            allowed = _ALLOWED_CODES.get(name)
            if code is not None and allowed is not None and code not in allowed:
                issues.append(
                    Issue(
                        "value",
                        f"{name} {code!r} is not one of {', '.join(sorted(allowed))}.",
                        f"{here}.valueCodeableConcept",
                    )
                )
                code = None
            values[name] = code
        elif name == "nbCapacity":
            number = sub.get("valueInteger")
            if isinstance(number, bool) or not isinstance(number, int) or number < 0:
                issues.append(
                    Issue(
                        "value",
                        f"nbCapacity {number!r} is not a whole number of 0 or more (valueInteger).",
                        f"{here}.valueInteger",
                    )
                )
            values[name] = number
        elif name == "capacityUpdateDate":
            date = _datetime(sub.get("valueDateTime"))
            if date is None:
                issues.append(
                    Issue(
                        "value",
                        f"capacityUpdateDate {sub.get('valueDateTime')!r} is not a dateTime with "
                        "a time zone, e.g. 2026-11-29T08:30:00+01:00.",
                        f"{here}.valueDateTime",
                    )
                )
            values[name] = date
        elif name == "comment":
            if not isinstance(sub.get("valueString"), str):
                issues.append(Issue("value", "comment needs a valueString.", f"{here}.valueString"))
        else:
            issues.append(
                Issue(
                    "value",
                    f"{name!r} is not a sub-extension of ror-location-supported-capacity.",
                    f"{here}.url",
                )
            )
    for required in t.CAPACITY_REQUIRED:
        if required not in places:
            issues.append(
                Issue("required", f"The capacity record lacks its {required} (1..1).", where)
            )
    if len(issues) > before:
        return None
    values["_places"] = places
    return values


def capacity_of(body: Any, *, location_id: str | None, require_records: bool = False) -> Capacity:
    """Read a Location's capacity records and add them up into Bedwatch's six figures.

    The rule: a record counts when it is current (temporalityCapacity 01) and counts beds or
    places (capacityType 01 or 02); records of one capacity status are summed whatever else
    tells them apart (gender, temporary assignment, crisis, additional-bed type). Forecasts
    (02, 03) are kept and served back but do not count. A status with no current record is 0.
    """
    if not isinstance(body, dict):
        fail("Send a FHIR Location resource (a JSON object).", code="structure")
    if body.get("resourceType") != "Location":
        fail(
            f"resourceType must be Location, not {body.get('resourceType')!r}.",
            "Location.resourceType",
        )
    issues: list[Issue] = []
    if location_id is not None and "id" in body and body["id"] != location_id:
        issues.append(
            Issue(
                "invalid",
                f"The resource id {body['id']!r} differs from the id in the URL ({location_id}).",
                "Location.id",
            )
        )
    extensions = body.get("extension", [])
    if not isinstance(extensions, list):
        raise FHIRInputError(
            issues + [Issue("structure", "extension must be an array.", "Location.extension")]
        )
    capacity = Capacity()
    dates: list[tuple[datetime, str]] = []
    for index, extension in enumerate(extensions):
        where = f"Location.extension[{index}]"
        if not isinstance(extension, dict) or not isinstance(extension.get("url"), str):
            issues.append(Issue("structure", "An extension needs a url (a string).", where))
            continue
        if extension["url"] != t.SUPPORTED_CAPACITY:
            continue  # commune, creation date …: ours to write, not to read
        values = _record(extension, where, issues)
        if values is None:
            continue
        capacity.records.append(_normalised(extension))
        places = values["_places"]
        dates.append(
            (values["capacityUpdateDate"], f"{places['capacityUpdateDate']}.valueDateTime")
        )
        if values["temporalityCapacity"] != "01":
            continue
        figure = t.FIGURE_OF_STATUS[values["capacityStatus"]]
        capacity.figures[figure] = capacity.figures.get(figure, 0) + values["nbCapacity"]
        capacity.where.setdefault(figure, f"{places['nbCapacity']}.valueInteger")
    if require_records and not capacity.records and not issues:
        issues.append(
            Issue(
                "required",
                "No ror-location-supported-capacity record: a PUT replaces them all, so send at "
                "least one (PATCH to change some).",
                "Location.extension",
            )
        )
    if issues:
        raise FHIRInputError(issues)
    if dates:
        capacity.observed_at, capacity.observed_at_where = max(dates, key=lambda d: d[0])
    for name in t.STATUS_CODES:
        capacity.figures.setdefault(name, 0)
    return capacity


def _normalised(extension: dict) -> dict:
    """A record as stored and served back: the url and sub-extensions, nothing else."""
    return {"url": t.SUPPORTED_CAPACITY, "extension": copy.deepcopy(extension["extension"])}


def meta_version(body: Any) -> int | None:
    """`meta.versionId` of a Location body, when given."""
    if not isinstance(body, dict) or "meta" not in body:
        return None
    meta = body["meta"]
    if not isinstance(meta, dict):
        fail("meta must be an object.", "Location.meta", code="structure")
    if "versionId" not in meta:
        return None
    return version_of(meta["versionId"], "Location.meta.versionId")


# ---------------------------------------------------------------------------------------------
# Patches. Each turns the current Location into the one the client wants; `capacity_of` then
# reads it like a PUT body.


def merge_patch(current: dict, body: Any) -> dict:
    """Bedwatch's merge-PATCH: the capacity statuses sent replace all current records of those
    statuses; the others are kept."""
    if not isinstance(body, dict):
        fail("Send a partial FHIR Location (a JSON object).", code="structure")
    sent = capacity_of(body, location_id=current["id"])
    statuses = {_status_of(r) for r in sent.records}
    kept = [
        e
        for e in current.get("extension", [])
        if e.get("url") != t.SUPPORTED_CAPACITY or _status_of(e) not in statuses
    ]
    result = dict(current)
    result["extension"] = kept + sent.records
    return result


def _status_of(record: dict) -> str | None:
    for sub in record.get("extension", []):
        if isinstance(sub, dict) and sub.get("url") == "capacityStatus":
            codings = (sub.get("valueCodeableConcept") or {}).get("coding") or []
            for coding in codings:
                if isinstance(coding, dict) and isinstance(coding.get("code"), str):
                    return coding["code"]
    return None


_POINTER_ESCAPE = re.compile(r"~[01]")


def _pointer(path: Any, where: str) -> list[str]:
    if not isinstance(path, str) or not (path == "" or path.startswith("/")):
        fail(f"{path!r} is not a JSON Pointer (RFC 6901), e.g. /extension/0.", where)
    return [
        _POINTER_ESCAPE.sub(lambda m: "~" if m.group() == "~0" else "/", token)
        for token in path.split("/")[1:]
    ]


def _walk(document: Any, tokens: list[str], where: str) -> tuple[Any, str]:
    """The container of the pointer's last token, and that token."""
    node = document
    for token in tokens[:-1]:
        node = _child(node, token, where)
    return node, tokens[-1]


def _child(node: Any, token: str, where: str) -> Any:
    if isinstance(node, dict) and token in node:
        return node[token]
    if (
        isinstance(node, list)
        and re.fullmatch(r"0|[1-9][0-9]{0,5}", token)
        and int(token) < len(node)
    ):
        return node[int(token)]
    fail(
        f"The path does not exist in the Location (at {token!r}).",
        where,
        status=422,
        code="processing",
    )


def json_patch(current: dict, body: Any) -> dict:
    """RFC 6902 JSON Patch (add, remove, replace, test, move, copy) on the current Location."""
    if not isinstance(body, list):
        fail("A JSON Patch is an array of operations.", "JSONPatch", code="structure")
    document = copy.deepcopy(current)
    for index, op in enumerate(body):
        where = f"JSONPatch[{index}]"
        if not isinstance(op, dict) or not isinstance(op.get("op"), str):
            fail("Each operation is an object with an op.", where, code="structure")
        kind = op["op"]
        if kind not in ("add", "remove", "replace", "test", "move", "copy"):
            fail(f"op {kind!r} is not add, remove, replace, test, move or copy.", f"{where}.op")
        tokens = _pointer(op.get("path"), f"{where}.path")
        if kind in ("add", "replace", "test") and "value" not in op:
            fail(f"{kind} needs a value.", where, code="required")
        if kind in ("move", "copy"):
            source = _pointer(op.get("from"), f"{where}.from")
            if not source:
                fail("from cannot be the whole document.", f"{where}.from")
            container, token = _walk(document, source, f"{where}.from")
            value = copy.deepcopy(_child(container, token, f"{where}.from"))
            if kind == "move":
                _remove(container, token)
            document = _add(document, tokens, value, f"{where}.path")
            continue
        if kind == "test":
            target = document
            for token in tokens:
                target = _child(target, token, f"{where}.path")
            if target != op["value"]:
                fail(
                    "test failed: the value differs.",
                    f"{where}.path",
                    status=422,
                    code="processing",
                )
            continue
        if not tokens:
            if kind == "remove":
                fail("remove cannot remove the whole Location.", f"{where}.path")
            document = copy.deepcopy(op["value"])
            continue
        if kind == "add":
            document = _add(document, tokens, copy.deepcopy(op["value"]), f"{where}.path")
            continue
        container, token = _walk(document, tokens, f"{where}.path")
        _child(container, token, f"{where}.path")  # must exist
        if kind == "remove":
            _remove(container, token)
        else:
            if isinstance(container, list):
                container[int(token)] = copy.deepcopy(op["value"])
            else:
                container[token] = copy.deepcopy(op["value"])
    if not isinstance(document, dict):
        fail("The patched document is not a Location.", code="structure")
    return document


def _add(document: Any, tokens: list[str], value: Any, where: str) -> Any:
    if not tokens:
        return value
    container, token = _walk(document, tokens, where)
    if isinstance(container, dict):
        container[token] = value
    elif isinstance(container, list):
        if token == "-":
            container.append(value)
        elif re.fullmatch(r"0|[1-9][0-9]{0,5}", token) and int(token) <= len(container):
            container.insert(int(token), value)
        else:
            fail(f"Index {token!r} is outside the array.", where, status=422, code="processing")
    else:
        fail(
            "The path's parent is not an object or an array.", where, status=422, code="processing"
        )
    return document


def _remove(container: Any, token: str) -> None:
    if isinstance(container, list):
        del container[int(token)]
    else:
        del container[token]


# FHIRPath Patch: the subset ROR's capacity scenarios use (technical spec page 10).
_WS = r"\s*"
_RECORDS = r"Location\.extension\.where\(url" + _WS + "=" + _WS + r"'([^']+)'\)"
_CONDITION = re.compile(
    r"extension\.where\(url" + _WS + "=" + _WS + r"'(\w+)'" + r"\s+and\s+"
    r"value(?:CodeableConcept)?\.coding\.code" + _WS + "=" + _WS + r"'([^']*)'\)"
)
_PATH = re.compile(
    "^"
    + _RECORDS
    + r"(?:\.where\(("
    + _WS
    + _CONDITION.pattern
    + r"(?:\s+and\s+"
    + _CONDITION.pattern
    + r")*"
    + _WS
    + r")\))?$"
)


@dataclass
class Target:
    url: str
    conditions: list[tuple[str, str]]


def _fhirpath_target(raw: Any, where: str) -> Target:
    if not isinstance(raw, str) or len(raw) > 4000:
        fail("path must be a FHIRPath string.", where)
    path = " ".join(raw.split())
    if path in ("Location", "Location.extension"):
        return Target(url="", conditions=[])
    match = _PATH.match(path)
    if match is None:
        fail(
            "Only these paths are supported: Location.extension, "
            "Location.extension.where(url='…'), and that followed by "
            ".where(extension.where(url = '<sub-extension>' and valueCodeableConcept.coding.code "
            "= '<code>') and …), as in ROR's capacity scenarios.",
            where,
            status=422,
            code="not-supported",
        )
    return Target(url=match.group(1), conditions=_CONDITION.findall(match.group(2) or ""))


def _matches(extension: Any, target: Target) -> bool:
    if not isinstance(extension, dict) or (target.url and extension.get("url") != target.url):
        return False
    subs = extension.get("extension") if isinstance(extension.get("extension"), list) else []
    for name, code in target.conditions:
        found = False
        for sub in subs:
            if not isinstance(sub, dict) or sub.get("url") != name:
                continue
            concept = sub.get("valueCodeableConcept")
            codings = concept.get("coding") if isinstance(concept, dict) else None
            if isinstance(codings, list) and any(
                isinstance(c, dict) and c.get("code") == code for c in codings
            ):
                found = True
        if not found:
            return False
    return True


def _parts(parameter: dict, where: str) -> dict[str, tuple[int, dict]]:
    parts = parameter.get("part")
    if not isinstance(parts, list):
        fail("An operation needs its parts (type, path, value).", f"{where}.part", code="structure")
    named: dict[str, tuple[int, dict]] = {}
    for index, part in enumerate(parts):
        if not isinstance(part, dict) or not isinstance(part.get("name"), str):
            fail("Each part needs a name.", f"{where}.part[{index}]", code="structure")
        named[part["name"]] = (index, part)
    return named


def _values(part: dict, where: str) -> list[Any]:
    """The value(s) of a `value` part: a value[x], or ROR's form where the extension travels as
    `part[0].extension[0]`."""
    for key, value in part.items():
        if key.startswith("value") and key != "value":
            return [value]
    inner = part.get("part")
    if isinstance(inner, list):
        found = []
        for index, item in enumerate(inner):
            if not isinstance(item, dict):
                fail("A value part must be an object.", f"{where}.part[{index}]", code="structure")
            extensions = item.get("extension")
            if isinstance(extensions, list):
                found += extensions
            elif "value" in "".join(item):
                found += [v for k, v in item.items() if k.startswith("value")]
        if found:
            return found
    fail("The value part carries no value.", where, code="required")


def fhirpath_patch(current: dict, body: Any) -> dict:
    """Apply a FHIRPath Patch (`Parameters`) to the current Location's extensions.

    `add` appends the value (ROR's capacity records) to Location.extension; `replace` swaps
    the one record the path selects; `delete` removes the record(s) it selects. A replace or
    delete that selects nothing is a 422: the client's view of the Location is stale.
    """
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        fail(
            "A FHIRPath Patch is a Parameters resource.",
            "Parameters.resourceType",
            code="structure",
        )
    parameters = body.get("parameter")
    if not isinstance(parameters, list) or not parameters:
        fail(
            "A FHIRPath Patch needs at least one operation.",
            "Parameters.parameter",
            code="required",
        )
    document = copy.deepcopy(current)
    extensions = document.setdefault("extension", [])
    for index, parameter in enumerate(parameters):
        where = f"Parameters.parameter[{index}]"
        if not isinstance(parameter, dict) or parameter.get("name") != "operation":
            fail("Each parameter must be an operation.", f"{where}.name", code="structure")
        parts = _parts(parameter, where)
        if "type" not in parts or "path" not in parts:
            fail("An operation needs a type and a path.", f"{where}.part", code="required")
        type_index, type_part = parts["type"]
        kind = type_part.get("valueCode", type_part.get("valueString"))
        type_where = f"{where}.part[{type_index}].value"
        if kind not in ("add", "replace", "delete", "insert", "move"):
            fail(f"type {kind!r} is not a FHIRPath Patch operation.", type_where)
        if kind in ("insert", "move"):
            fail(
                f"{kind} is not supported: use add, replace or delete.",
                type_where,
                status=422,
                code="not-supported",
            )
        path_index, path_part = parts["path"]
        path_where = f"{where}.part[{path_index}].valueString"
        target = _fhirpath_target(path_part.get("valueString"), path_where)
        if kind == "add":
            if "name" in parts:
                name = parts["name"][1].get("valueString")
                if name != "extension":
                    fail(
                        f"Only extensions can be added, not {name!r}.",
                        f"{where}.part[{parts['name'][0]}].valueString",
                        status=422,
                        code="not-supported",
                    )
            if "value" not in parts:
                fail("add needs a value.", f"{where}.part", code="required")
            value_index, value_part = parts["value"]
            extensions += copy.deepcopy(_values(value_part, f"{where}.part[{value_index}]"))
            continue
        selected = [i for i, e in enumerate(extensions) if _matches(e, target) and target.url]
        if not selected:
            fail(
                f"The path selects no element of Location/{current['id']}: read it again.",
                path_where,
                status=422,
                code="processing",
            )
        if kind == "delete":
            for i in reversed(selected):
                del extensions[i]
            continue
        if len(selected) > 1:
            fail(
                f"The path selects {len(selected)} records; replace needs exactly one.",
                path_where,
                status=422,
                code="multiple-matches",
            )
        if "value" not in parts:
            fail("replace needs a value.", f"{where}.part", code="required")
        value_index, value_part = parts["value"]
        values = _values(value_part, f"{where}.part[{value_index}]")
        if len(values) != 1:
            fail("replace takes one value.", f"{where}.part[{value_index}]")
        extensions[selected[0]] = copy.deepcopy(values[0])
    return document
