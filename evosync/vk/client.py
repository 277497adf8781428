"""VK API transport: ``VkClient.call(method, **params)`` — one POST per request, envelope parsing,
typed errors, rate limiting and retries. The wrappers returning dataclasses live in ``methods.VkMethods``.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import requests

from evosync.http_guard import (
    MB,
    BodyTooLarge,
    DeadlineExceeded,
    FetchPolicy,
    FetchRefused,
    fetch,
    guarded_session,
)

from .batch import CallResult, iter_execute
from .errors import BadResponse, Unavailable, VkError, error_from_payload
from .methods import VkMethods
from .ratelimit import DEFAULT_RPS, Limiter, limiter_for_token
from .retry import RetryPolicy

log = logging.getLogger(__name__)

DEFAULT_VERSION = "5.199"
_METHOD_RE = re.compile(r"^[A-Za-z]+(\.[A-Za-z]+)?$")
# Calls whose repetition creates a second object: never re-sent after the request may have reached VK.
NON_IDEMPOTENT = frozenset({"market.add", "market.addAlbum"})
# An upload server's answer is a small JSON object; the POST itself carries an image of ≤ 10 MB.
UPLOAD_ANSWER_MAX_BYTES = 1 * MB
UPLOAD_DEADLINE = 60.0


def form_value(value: Any) -> str:
    """Encode one parameter the way VK expects in a form: 1/0 for booleans, comma lists, plain decimals."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(form_value(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def encode_params(params: dict[str, Any]) -> dict[str, str]:
    """Form-encode a params dict, dropping None values (VK treats a missing key as 'not given')."""
    return {k: form_value(v) for k, v in params.items() if v is not None}


class VkClient(VkMethods):
    """VK API client bound to one user token; thread-safe; counts every request it sends."""

    def __init__(
        self,
        token: str,
        base_url: str,
        version: str = DEFAULT_VERSION,
        session: requests.Session | None = None,
        limiter: Limiter | None = None,
        timeout: float | tuple[float, float] = (5, 30),
        max_retries: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        rps: int = DEFAULT_RPS,
        on_request: Callable[[str], None] | None = None,
        retry_policy: RetryPolicy | None = None,
        upload_hosts: str | tuple[str, ...] = (),
        https_only: bool = False,
        upload_deadline: float = UPLOAD_DEADLINE,
    ):
        self._token = token
        self.base_url = base_url.rstrip("/")
        self.version = version
        self.session = session or guarded_session()
        # Upload URLs come from VK's answers: only VK's own origin and the configured upload hosts.
        self.upload_policy = FetchPolicy.build(
            [self.base_url],
            upload_hosts,
            https_only=https_only,
            max_bytes=UPLOAD_ANSWER_MAX_BYTES,
            deadline=upload_deadline,
        )
        self.limiter = limiter or limiter_for_token(token, rps)
        self.timeout = timeout
        self.retry = retry_policy or RetryPolicy(max_retries=max_retries)
        self.sleep = sleep
        self.on_request = on_request
        self._lock = threading.Lock()
        self.calls_made = 0  # API requests sent (an execute is one), retries included
        self.uploads_made = 0  # multipart POSTs to upload servers
        self.method_counts: Counter[str] = Counter()

    def __repr__(self) -> str:
        return f"VkClient(base_url={self.base_url!r}, version={self.version!r})"

    @property
    def requests_sent(self) -> int:
        """API calls plus upload POSTs: everything this client sent."""
        return self.calls_made + self.uploads_made

    def _count(self, method: str) -> None:
        """Record one request sent (``method`` is ``"upload"`` for upload-server POSTs)."""
        with self._lock:
            if method == "upload":
                self.uploads_made += 1
            else:
                self.calls_made += 1
            self.method_counts[method] += 1
        if self.on_request is not None:
            self.on_request(method)

    def call(self, method: str, **params: Any) -> Any:
        """Call an API method and return its ``response``; raise a ``VkError`` subclass on failure."""
        return self.call_raw(method, params).get("response")

    def send(self, call: tuple[str, dict[str, Any]]) -> Any:
        """Send a ``(method, params)`` pair as built by ``params``; returns the ``response``."""
        method, params = call
        return self.call_raw(method, params).get("response")

    def call_raw(self, method: str, params: dict[str, Any], idempotent: bool | None = None) -> dict[str, Any]:
        """Call a method and return the whole envelope (``execute`` needs ``execute_errors`` too)."""
        if not _METHOD_RE.match(method):
            raise ValueError(f"not a VK method name: {method!r}")
        if idempotent is None:
            idempotent = method not in NON_IDEMPOTENT
        form = encode_params(params)
        form["v"] = self.version
        # The token goes in the POST body, never in the URL: URLs end up in access logs.
        form["access_token"] = self._token
        url = f"{self.base_url}/{method}"
        policy = self.retry
        for attempt in range(policy.max_retries + 1):
            last = attempt == policy.max_retries
            try:
                with self.limiter.slot():
                    self._count(method)
                    resp = self.session.post(url, data=form, timeout=self.timeout)
            except (requests.Timeout, requests.ConnectionError) as exc:
                # After a read timeout a write may have happened; only the idempotent ones are re-sent.
                sent = isinstance(exc, requests.ReadTimeout)
                log.warning("VK %s: %s on attempt %d", method, type(exc).__name__, attempt + 1)
                if last or (sent and not idempotent):
                    raise Unavailable(f"VK unreachable: {type(exc).__name__}", method, params) from None
                self.sleep(policy.delay(attempt))
                continue
            if resp.status_code >= 500:
                log.warning("VK %s: HTTP %d on attempt %d", method, resp.status_code, attempt + 1)
                if last:
                    raise Unavailable(
                        f"VK answered HTTP {resp.status_code}", method, params, http_status=resp.status_code
                    )
                self.sleep(policy.delay(attempt))
                continue
            body = _decode(resp, method, params)
            error = body.get("error")
            if error is None:
                return body
            exc = error_from_payload(error if isinstance(error, dict) else {}, method, params)
            log.info("VK %s: error %s on attempt %d", method, exc.code, attempt + 1)
            if policy.retryable(exc.code) and not last:
                self.sleep(policy.delay(attempt))
                continue
            raise exc
        raise AssertionError("unreachable")  # pragma: no cover

    def execute_many(self, calls: Iterable[tuple[str, dict[str, Any]]]) -> list[CallResult]:
        """Run calls through ``execute`` (≤ 25 per request); each result carries its own value or error.

        A request-level error (flood, captcha, token…) is raised with ``partial_results`` holding the results
        of the chunks that did complete, so their effects can still be recorded.
        """
        results: list[CallResult] = []
        try:
            for chunk in iter_execute(self, calls):
                results.extend(chunk)
        except VkError as exc:
            exc.partial_results = results  # type: ignore[attr-defined]
            raise
        return results

    def post_upload(self, upload_url: str, filename: str, data: bytes, content_type: str) -> dict[str, Any]:
        """POST a file as multipart field ``file`` to an upload server (no token: it is not the API).

        The URL comes from VK's answer, so it goes through the fetch guard: a host outside the policy, a
        redirect elsewhere, an oversized answer or a passed deadline is refused and not retried.
        """
        policy = self.retry
        for attempt in range(policy.max_retries + 1):
            last = attempt == policy.max_retries
            self._count("upload")
            try:
                resp = fetch(
                    self.session,
                    "POST",
                    upload_url,
                    self.upload_policy,
                    files={"file": (filename, data, content_type)},
                    timeout=self.timeout,
                )
            except (BodyTooLarge, DeadlineExceeded) as exc:
                raise Unavailable(f"upload server: {exc}", "upload") from None
            except FetchRefused as exc:
                raise BadResponse(None, f"refused upload URL: {exc}", "upload") from None
            except (requests.Timeout, requests.ConnectionError) as exc:
                if last:
                    raise Unavailable(f"upload server unreachable: {type(exc).__name__}", "upload") from None
                self.sleep(policy.delay(attempt))
                continue
            if resp.status_code >= 500 and not last:
                self.sleep(policy.delay(attempt))
                continue
            if resp.status_code >= 400:
                raise Unavailable(
                    f"upload server answered HTTP {resp.status_code}", "upload", http_status=resp.status_code
                )
            body = _decode(resp, "upload", {})
            if "error" in body:
                err = body["error"]
                if isinstance(err, dict):
                    raise error_from_payload(err, "upload")
                raise BadResponse(None, f"upload server refused the file: {err}", "upload")
            return body
        raise AssertionError("unreachable")  # pragma: no cover


def _decode(resp: requests.Response, method: str, params: dict[str, Any]) -> dict[str, Any]:
    """Parse a JSON object body or raise ``BadResponse``."""
    try:
        body = resp.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise BadResponse(None, f"VK sent a non-envelope body (HTTP {resp.status_code})", method, params)
    return body
