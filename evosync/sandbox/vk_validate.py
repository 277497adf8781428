"""Checking VK method parameters against the official schema rules, answering error 100 the way VK does."""

from __future__ import annotations

from .vk_errors import VkError
from .vk_schema_data import METHOD_PARAMS

# Methods the schema describes without parameters but which VK requires them for.
EXTRA_PARAMS = {"execute": [{"name": "code", "type": "string", "required": True}]}


def _param_error(detail: str) -> VkError:
    return VkError(100, f"One of the parameters specified was missing or invalid: {detail}")


def _integer(name: str, raw) -> int:
    if isinstance(raw, bool):
        return int(raw)
    if isinstance(raw, int):
        return raw
    text = str(raw).strip()
    try:
        return int(text)
    except ValueError:
        raise _param_error(f"{name} not integer") from None


def _number(name: str, raw) -> float:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw)
    try:
        value = float(str(raw).strip())
    except ValueError:
        raise _param_error(f"{name} not number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise _param_error(f"{name} not number")
    return value


def _boolean(name: str, raw) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true"):
        return True
    if text in ("0", "false", ""):
        return False
    raise _param_error(f"{name} not boolean")


def _scalar(name: str, rule_type, raw):
    types = rule_type if isinstance(rule_type, list) else [rule_type]
    if "integer" in types:
        try:
            return _integer(name, raw)
        except VkError:
            if "string" not in types:
                raise
    if "number" in types:
        return _number(name, raw)
    if "boolean" in types:
        return _boolean(name, raw)
    return raw if isinstance(raw, str) else str(raw)


def _bounds(name: str, rule: dict, value) -> None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in rule and value < rule["minimum"]:
            raise _param_error(f"{name} should be not less than {rule['minimum']}")
        if "maximum" in rule and value > rule["maximum"]:
            raise _param_error(f"{name} should be not more than {rule['maximum']}")
    if isinstance(value, str):
        # Length in code points, as VK counts Cyrillic letters (not UTF-8 bytes).
        if "minLength" in rule and len(value) < rule["minLength"]:
            raise _param_error(f"{name} should be at least {rule['minLength']} characters")
        if "maxLength" in rule and len(value) > rule["maxLength"]:
            raise _param_error(f"{name} should be at most {rule['maxLength']} characters")


def _array(name: str, rule: dict, raw) -> list:
    if isinstance(raw, list):
        parts = raw
    else:
        text = str(raw).strip()
        parts = [p.strip() for p in text.split(",")] if text else []
    item_rule = rule.get("items", {})
    values = []
    for part in parts:
        value = _scalar(name, item_rule.get("type", "string"), part) if item_rule else str(part)
        _bounds(name, item_rule, value)
        values.append(value)
    if "maxItems" in rule and len(values) > rule["maxItems"]:
        raise _param_error(f"{name} should contain at most {rule['maxItems']} items")
    return values


def validate(method: str, params: dict) -> dict:
    """Return ``params`` converted to Python types; raise VkError 100 for a missing or invalid one."""
    rules = METHOD_PARAMS.get(method, []) + EXTRA_PARAMS.get(method, [])
    out = {}
    for rule in rules:
        name = rule["name"]
        raw = params.get(name)
        if raw is None or (isinstance(raw, str) and raw == "" and rule.get("type") != "string"):
            if rule.get("required"):
                raise _param_error(f"{name} is undefined")
            continue
        if rule.get("type") == "array":
            value = _array(name, rule, raw)
            if rule.get("required") and not value:
                raise _param_error(f"{name} is undefined")
        else:
            value = _scalar(name, rule.get("type", "string"), raw)
            if rule.get("required") and value == "":
                raise _param_error(f"{name} is undefined")
            _bounds(name, rule, value)
        out[name] = value
    # Parameters the schema does not list are passed through untouched, as VK ignores unknown ones.
    known = {rule["name"] for rule in rules}
    out.update({key: value for key, value in params.items() if key not in known})
    return out
