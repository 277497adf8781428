"""Checking the sandbox's own VK answers against the official response definitions.

Stricter than VK's schema on one point on purpose: an object may carry only the properties its definition (with
its ``$ref`` and ``allOf`` parts) names. That keeps the sandbox from sending a field real VK sends only in
another shape — ``albums_ids`` exists in ``market_market_item_full`` (``extended=1``) and nowhere else.
"""

from __future__ import annotations

from .vk_response_schema_data import DEFINITIONS, RESPONSES

_TYPES = {
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


class SchemaViolation(Exception):
    """The sandbox produced an answer VK's schema does not allow (a sandbox bug, never a client error)."""


def _flatten(schema: dict) -> list[dict]:
    """The schema and every part it pulls in through ``$ref`` and ``allOf``."""
    parts = [schema]
    if "$ref" in schema:
        parts += _flatten(DEFINITIONS[schema["$ref"]])
    for sub in schema.get("allOf", []):
        parts += _flatten(sub)
    return parts


def _scalar(part: dict, value, path: str) -> None:
    types = part.get("type")
    if types is not None:
        names = types if isinstance(types, list) else [types]
        if not any(_TYPES[t](value) for t in names if t in _TYPES):
            raise SchemaViolation(f"{path}: {value!r} is not {'/'.join(names)}")
    if "enum" in part and value not in part["enum"]:
        raise SchemaViolation(f"{path}: {value!r} not in {part['enum']}")
    if _TYPES["number"](value):
        if "minimum" in part and value < part["minimum"]:
            raise SchemaViolation(f"{path}: {value} < {part['minimum']}")
        if "maximum" in part and value > part["maximum"]:
            raise SchemaViolation(f"{path}: {value} > {part['maximum']}")
    if isinstance(value, str) and "maxLength" in part and len(value) > part["maxLength"]:
        raise SchemaViolation(f"{path}: longer than {part['maxLength']}")


def _object(parts: list[dict], value: dict, path: str) -> None:
    props: dict = {}
    required: set[str] = set()
    for part in parts:
        for key, sub in part.get("properties", {}).items():
            props.setdefault(key, []).append(sub)
            if sub.get("required") is True:
                required.add(key)
        if isinstance(part.get("required"), list):
            required.update(part["required"])
    missing = sorted(required - value.keys())
    if missing:
        raise SchemaViolation(f"{path}: missing {', '.join(missing)}")
    if props:
        extra = sorted(value.keys() - props.keys())
        if extra:
            raise SchemaViolation(f"{path}: not in the schema: {', '.join(extra)}")
    for key, item in value.items():
        for sub in props.get(key, []):
            check(sub, item, f"{path}.{key}")


def check(schema: dict, value, path: str = "$") -> None:
    """Raise SchemaViolation when ``value`` does not fit ``schema``."""
    parts = _flatten(schema)
    for part in parts:
        _scalar(part, value, path)
    one_of = [alt for part in parts for alt in part.get("oneOf", [])]
    if one_of and not any(_fits(alt, value, path) for alt in one_of):
        raise SchemaViolation(f"{path}: fits none of the alternatives")
    if isinstance(value, dict) and not one_of:
        _object(parts, value, path)
    if isinstance(value, list):
        for part in parts:
            if "items" in part:
                for i, item in enumerate(value):
                    check(part["items"], item, f"{path}[{i}]")


def _fits(schema: dict, value, path: str) -> bool:
    try:
        check(schema, value, path)
    except SchemaViolation:
        return False
    return True


def check_answer(method: str, params: dict, result) -> None:
    """Check one method's result against its (extended, when asked) response definition."""
    shapes = RESPONSES.get(method)
    if not shapes:
        return
    extended = bool(params.get("extended")) and "extendedResponse" in shapes
    name = (
        shapes["extendedResponse"]
        if extended
        else next(v for k, v in shapes.items() if k != "extendedResponse")
    )
    check(DEFINITIONS[name], {"response": result}, method)
