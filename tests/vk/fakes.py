"""A scripted stand-in for requests.Session, for the pure unit tests of the VK client (no sockets)."""

from __future__ import annotations

import json
from typing import Any


class FakeResponse:
    """Just enough of requests.Response for the client."""

    def __init__(self, payload: Any = None, status: int = 200, text: str | None = None):
        self.status_code = status
        self._text = text if text is not None else json.dumps(payload, ensure_ascii=False)

    def json(self) -> Any:
        """Decode the body."""
        return json.loads(self._text)


class FakeSession:
    """Answers each post() with the next scripted item (a FakeResponse, or an exception to raise)."""

    def __init__(self, *script: Any):
        self.script = list(script)
        self.sent: list[dict[str, Any]] = []

    def post(self, url: str, data: Any = None, files: Any = None, timeout: Any = None) -> FakeResponse:
        """Record the request and play the next scripted answer."""
        self.sent.append({"url": url, "data": data, "files": files, "timeout": timeout})
        item = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(item, BaseException):
            raise item
        return item


def ok(response: Any) -> FakeResponse:
    """A success envelope."""
    return FakeResponse({"response": response})


def err(code: int, msg: str = "error", **extra: Any) -> FakeResponse:
    """An error envelope."""
    return FakeResponse({"error": {"error_code": code, "error_msg": msg, **extra}})
