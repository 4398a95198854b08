"""Every API response of the test suite checked against the OpenAPI schema (as Zulip's
`validate_api_response_openapi`): its status must be documented for its operation, its content
type listed, and a JSON body must match the documented schema. The documentation cannot drift
from the code without a test failing."""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import jsonschema
from drf_spectacular.generators import SchemaGenerator

# The paths the schema documents; others (the schema itself, pages) are not checked.
CHECKED_PREFIXES = ("/api/v1/",)
UNCHECKED = ("/api/v1/schema/",)


@functools.cache
def openapi() -> dict:
    """The schema drf-spectacular generates, as JSON (what GET /api/v1/schema/ serves)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(json.dumps(schema, default=str))


def _nullable_to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0's `nullable: true` is no JSON Schema keyword: spell it `anyOf [.., null]`."""
    if isinstance(node, list):
        return [_nullable_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _nullable_to_json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


@functools.cache
def _operations() -> list[tuple[re.Pattern, str, dict]]:
    found = []
    for path, item in openapi()["paths"].items():
        parts = re.split(r"\{[^/}]+\}", path)
        pattern = re.compile("^" + "[^/]+".join(re.escape(part) for part in parts) + "$")
        for method, operation in item.items():
            found.append((pattern, method.upper(), operation))
    return found


@functools.cache
def _components() -> dict:
    return _nullable_to_json_schema(openapi()["components"])


def operation_for(method: str, path: str) -> dict | None:
    for pattern, verb, operation in _operations():
        if verb == method.upper() and pattern.match(path):
            return operation
    return None


def validate_response(method: str, path: str, response: Any) -> None:  # noqa: ANN401
    """Raise AssertionError when `response` (a Django test response) is not what the schema
    says `method path` answers."""
    if not path.startswith(CHECKED_PREFIXES) or path.startswith(UNCHECKED):
        return
    operation = operation_for(method, path)
    if operation is None:
        if response.status_code == 404:  # a path the API does not have
            return
        raise AssertionError(f"{method} {path} is not in the OpenAPI schema")
    if method.upper() == "HEAD" or response.status_code == 405:
        return
    documented = operation.get("responses", {})
    status = str(response.status_code)
    assert status in documented, (
        f"{method} {path} answered {status}, which its schema does not document "
        f"(documented: {', '.join(sorted(documented))}): {response.content[:300]!r}"
    )
    content = documented[status].get("content")
    media_type = response.get("Content-Type", "").split(";")[0].strip()
    if not content:
        return
    if media_type not in content:
        if media_type == "text/html":  # the browsable API, for a browser
            return
        raise AssertionError(
            f"{method} {path} {status} answered {media_type}; the schema lists {sorted(content)}"
        )
    schema = content[media_type].get("schema")
    if not schema or not media_type.endswith("json"):
        return
    body = json.loads(response.content)
    try:
        jsonschema.validate(body, {**_nullable_to_json_schema(schema), "components": _components()})
    except jsonschema.ValidationError as error:
        raise AssertionError(
            f"{method} {path} {status} does not match its schema: {error.message[:300]} at "
            f"{'/'.join(str(p) for p in error.absolute_path)}"
        ) from None
