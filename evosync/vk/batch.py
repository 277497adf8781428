"""``execute`` batching: up to 25 API calls per request, each call's own result or error mapped back to it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .errors import BadResponse, VkError, error_from_payload

if TYPE_CHECKING:
    from .client import VkClient

MAX_CALLS_PER_EXECUTE = 25
# Methods that create objects: a batch holding one is not re-sent after a read timeout.
_CREATING = frozenset({"market.add", "market.addAlbum"})


@dataclass
class CallResult:
    """Outcome of one call inside an ``execute``: ``result`` on success, ``error`` (a VkError) on failure."""

    method: str
    params: dict[str, Any]
    result: Any = None
    error: VkError | None = None

    @property
    def ok(self) -> bool:
        """True when the call succeeded."""
        return self.error is None

    def unwrap(self) -> Any:
        """Return the result or raise the call's error."""
        if self.error is not None:
            raise self.error
        return self.result


def _script_value(value: Any) -> Any:
    """Convert a param to what the JSON object literal should hold (mirrors the form encoding)."""
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(str(_script_value(v)) for v in value)
    return value


def call_code(method: str, params: dict[str, Any]) -> str:
    """One VKScript call: ``API.market.edit({...})`` with the params as a JSON object."""
    args = {k: _script_value(v) for k, v in params.items() if v is not None}
    return f"API.{method}({json.dumps(args, ensure_ascii=False)})"


def execute_code(calls: list[tuple[str, dict[str, Any]]]) -> str:
    """The ``code`` for one execute: ``return [API.a({...}),API.b({...})];``."""
    if not 0 < len(calls) <= MAX_CALLS_PER_EXECUTE:
        raise ValueError(f"execute takes 1..{MAX_CALLS_PER_EXECUTE} calls, got {len(calls)}")
    return "return [" + ",".join(call_code(m, p) for m, p in calls) + "];"


def map_execute_response(calls: list[tuple[str, dict[str, Any]]], body: dict[str, Any]) -> list[CallResult]:
    """Pair each call with its ``response`` slot; each ``false`` takes the next ``execute_errors`` entry."""
    values = body.get("response")
    if not isinstance(values, list) or len(values) != len(calls):
        raise BadResponse(None, "execute answered a response that does not match the calls", "execute")
    errors = iter(e for e in body.get("execute_errors") or () if isinstance(e, dict))
    out: list[CallResult] = []
    for (method, params), value in zip(calls, values, strict=True):
        if value is False:
            entry = next(errors, None)
            if entry is None:
                error = VkError(None, "call failed inside execute without an error entry", method, params)
            else:
                error = error_from_payload({**entry, "method": method}, method, params)
            out.append(CallResult(method, params, error=error))
        else:
            out.append(CallResult(method, params, result=value))
    return out


def iter_execute(client: VkClient, calls: Iterable[tuple[str, dict[str, Any]]]) -> Iterator[list[CallResult]]:
    """Send ``calls`` as execute requests of ≤ 25 and yield each chunk's results as soon as it is answered."""
    chunk: list[tuple[str, dict[str, Any]]] = []
    for method, params in calls:
        chunk.append((method, dict(params)))
        if len(chunk) == MAX_CALLS_PER_EXECUTE:
            yield _run(client, chunk)
            chunk = []
    if chunk:
        yield _run(client, chunk)


def _run(client: VkClient, chunk: list[tuple[str, dict[str, Any]]]) -> list[CallResult]:
    """One execute request for one chunk."""
    idempotent = not any(m in _CREATING for m, _ in chunk)
    body = client.call_raw("execute", {"code": execute_code(chunk)}, idempotent=idempotent)
    return map_execute_response(chunk, body)


class Batch:
    """Queue calls and run them through ``execute``: ``b.add("market.edit", owner_id=…)`` then ``b.run()``."""

    def __init__(self, client: VkClient):
        self.client = client
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __len__(self) -> int:
        return len(self.calls)

    def add(self, method: str, params: dict[str, Any] | None = None, /, **kw: Any) -> int:
        """Queue a call (``add(*P.market_edit(…))`` or ``add("market.edit", owner_id=…)``); returns its index."""
        self.calls.append((method, {**(params or {}), **kw}))
        return len(self.calls) - 1

    def run(self) -> list[CallResult]:
        """Send everything queued (⌈n/25⌉ requests), clear the queue and return results in call order."""
        calls, self.calls = self.calls, []
        return self.client.execute_many(calls)
