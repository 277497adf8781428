"""``execute``: a safe parser for the VKScript subset EvoSync sends, and per-call results and errors.

Accepted code: ``return API.a.b({json});`` or ``return [API.a.b({json}), API.c.d({json}), …];`` with at most
25 calls. Nothing is evaluated: arguments are read with ``json.JSONDecoder.raw_decode``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from .vk_errors import VkError

MAX_CALLS = 25
_NAME = re.compile(r"API\.([A-Za-z]+\.[A-Za-z]+)\s*\(")
_decoder = json.JSONDecoder()


def _compile_error(detail: str) -> VkError:
    return VkError(12, f"Unable to compile code: {detail}")


def _skip(code: str, pos: int) -> int:
    while pos < len(code) and code[pos].isspace():
        pos += 1
    return pos


def _call(code: str, pos: int) -> tuple[tuple[str, dict], int]:
    match = _NAME.match(code, pos)
    if not match:
        raise _compile_error(f"expected API call at position {pos}")
    pos = _skip(code, match.end())
    params: dict = {}
    if pos < len(code) and code[pos] != ")":
        try:
            params, pos = _decoder.raw_decode(code, pos)
        except json.JSONDecodeError as exc:
            raise _compile_error(f"bad arguments at position {pos}: {exc.msg}") from None
        if not isinstance(params, dict):
            raise _compile_error("arguments must be an object")
        pos = _skip(code, pos)
    if pos >= len(code) or code[pos] != ")":
        raise _compile_error(f"expected ')' at position {pos}")
    return (match.group(1), params), pos + 1


def parse(code: str) -> tuple[list[tuple[str, dict]], bool]:
    """Return ([(method, params), …], is_list) for the code, or raise VkError 12."""
    pos = _skip(code, 0)
    if not code.startswith("return", pos):
        raise _compile_error("code must start with return")
    pos = _skip(code, pos + len("return"))
    calls = []
    is_list = pos < len(code) and code[pos] == "["
    if is_list:
        pos = _skip(code, pos + 1)
        while pos < len(code) and code[pos] != "]":
            call, pos = _call(code, pos)
            calls.append(call)
            pos = _skip(code, pos)
            if pos < len(code) and code[pos] == ",":
                pos = _skip(code, pos + 1)
            elif pos < len(code) and code[pos] != "]":
                raise _compile_error(f"expected ',' or ']' at position {pos}")
        if pos >= len(code):
            raise _compile_error("unterminated array")
        pos += 1
    else:
        call, pos = _call(code, pos)
        calls.append(call)
    pos = _skip(code, pos)
    if pos < len(code) and code[pos] == ";":
        pos = _skip(code, pos + 1)
    if pos != len(code):
        raise _compile_error(f"unexpected text at position {pos}")
    return calls, is_list


def _plain(params: dict) -> dict:
    # Objects become JSON strings (as VK serialises them); nulls are left out like absent params.
    out = {}
    for key, value in params.items():
        if value is None:
            continue
        out[key] = json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else value
    return out


def run(code: str, call: Callable[[str, dict], object]) -> dict:
    """Run every call in order; failed ones give ``false`` and one ``execute_errors`` entry each."""
    calls, is_list = parse(code)
    if len(calls) > MAX_CALLS:
        raise VkError(13, "Runtime error occurred during code invocation: Too many API calls")
    results, errors = [], []
    for name, params in calls:
        try:
            results.append(call(name, _plain(params)))
        except VkError as err:
            results.append(False)
            errors.append({"method": name, "error_code": err.code, "error_msg": err.msg})
    body: dict = {"response": results if is_list else results[0]}
    if errors:
        body["execute_errors"] = errors
    return body
