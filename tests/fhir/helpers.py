"""Shared set-up of the FHIR tests: the IG bundle, its examples as JSON, parsing helpers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fhir.resources.R4B.operationoutcome import OperationOutcome

from tests.beds.exports_helpers import shared_dir

FHIR_JSON = "application/fhir+json"


def ig_root() -> Path:
    root = shared_dir("standards", "ror-fhir-ig")
    if root is None:
        pytest.skip("the ROR IG bundle (../shared/standards/ror-fhir-ig) is not here")
    return root


def scenario_bodies() -> list[dict]:
    """The JSON request bodies of the spec page's capacity scenarios, in page order:
    2 (add), 2 BIS (replace), 3 (delete)."""
    text = (
        ig_root() / "extracts" / "specifications_techniques_10.capacity-scenarios.extracted.md"
    ).read_text(encoding="utf-8")
    blocks = re.findall(r"```json\n(.*?)```", text, flags=re.DOTALL)
    bodies = []
    for block in blocks:
        lines = [line for line in block.splitlines() if not line.startswith("PATCH ")]
        bodies.append(json.loads("\n".join(lines)))
    return bodies


def outcome(response) -> OperationOutcome:  # noqa: ANN001
    """The response parsed as a FHIR OperationOutcome by an independent library."""
    assert response["Content-Type"].startswith(("application/fhir+json", "application/json"))
    parsed = OperationOutcome.model_validate(json.loads(response.content))
    assert parsed.issue
    return parsed


def expressions(response) -> list[str]:  # noqa: ANN001
    return [e for issue in outcome(response).issue for e in (issue.expression or [])]


# FSH instance → FHIR JSON, enough for the IG's RORLocation example: indentation-nested rules,
# [0]/[+]/[=] indices, strings, numbers, booleans, #codes and $ALIAS#code "display" concepts.
_ARRAYS = {"extension", "identifier", "line", "tag", "type", "coding", "profile", "telecom"}
_CODINGS = {"tag"}
_RULE = re.compile(r"^(\s*)\* (\S+)(?: = (.*))?$")


def fsh_instance(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    aliases = dict(re.findall(r"^Alias: (\$\S+) = (\S+)", text, flags=re.MULTILINE))
    kind = re.search(r"^InstanceOf: (\S+)", text, flags=re.MULTILINE).group(1)
    document: dict = {"resourceType": kind.removeprefix("ROR")}
    stack: list[tuple[int, list]] = []
    for line in text.splitlines():
        match = _RULE.match(line)
        if match is None:
            continue
        indent, rule_path, raw = len(match.group(1)), match.group(2), match.group(3)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        tokens = list(stack[-1][1]) if stack else []
        node = _node(document, tokens)
        segments = rule_path.split(".")
        for segment in segments[:-1]:
            node, token = _descend(node, segment, root=node is document)
            tokens.append(token)
        last = segments[-1]
        if raw is None:
            node, token = _descend(node, last, root=node is document)
            stack.append((indent, tokens + [token]))
            continue
        value = _value(raw, last, aliases)
        name, index = _split(last)
        if name in _ARRAYS and (name != "type" or node is document):
            items = node.setdefault(name, [])
            position = len(items) if index in (None, "+") and name != "type" else int(index or 0)
            while len(items) <= position:
                items.append(None)
            items[position] = value
            tokens.append((name, position))
        else:
            node[name] = value
            tokens.append((name, None))
        stack.append((indent, tokens))
    return document


def _split(segment: str) -> tuple[str, str | None]:
    match = re.fullmatch(r"(\w+)(?:\[(\+|=|\d+)\])?", segment)
    return match.group(1), match.group(2)


def _descend(node: dict, segment: str, *, root: bool) -> tuple[dict, tuple]:
    """Only Location.type is an array among the `type` elements the example uses."""
    name, index = _split(segment)
    if name not in _ARRAYS or (name == "type" and not root):
        child = node.setdefault(name, {})
        return child, (name, None)
    items = node.setdefault(name, [])
    if index == "+":
        items.append({})
        position = len(items) - 1
    elif index == "=":
        position = len(items) - 1
    else:
        position = int(index or 0)
        while len(items) <= position:
            items.append({})
    if not isinstance(items[position], dict):  # a primitive's children go to _name
        shadow = node.setdefault(f"_{name}", [])
        while len(shadow) <= position:
            shadow.append(None)
        shadow[position] = shadow[position] or {}
        return shadow[position], (f"_{name}", position)
    return items[position], (name, position)


def _node(document: dict, tokens: list) -> dict:
    node = document
    for name, position in tokens:
        parent = node
        node = parent[name] if position is None else parent[name][position]
        if not isinstance(node, dict | list):  # a primitive's children go to _name
            shadow = parent.setdefault(f"_{name}", [])
            while len(shadow) <= position:
                shadow.append(None)
            shadow[position] = shadow[position] or {}
            node = shadow[position]
    return node


def _value(raw: str, name: str, aliases: dict) -> object:
    raw = raw.strip()
    if raw.startswith('"'):
        return json.loads(raw)
    if raw in ("true", "false"):
        return raw == "true"
    if re.fullmatch(r"-?\d+", raw):
        return int(raw)
    if re.fullmatch(r"-?\d+\.\d+", raw):
        return float(raw)
    if raw.startswith("#"):
        return raw[1:]
    match = re.fullmatch(r'(\$\S+)#(\S+)(?: "(.*)")?', raw)
    if match is None:
        raise ValueError(f"FSH value not understood: {raw}")
    coding = {"system": aliases[match.group(1)], "code": match.group(2)}
    if match.group(3):
        coding["display"] = match.group(3)
    return coding if name.split("[")[0] in _CODINGS else {"coding": [coding]}
