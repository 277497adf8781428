"""HTTP client for the Evotor cloud API v2: stores, product groups, products, product images.

No Flask here: it takes a token and a base URL and returns dataclasses from ``schemas``. All retrying and
waiting lives in ``_get`` so call sites stay one line each.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import orjson
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

from .errors import BadResponse, EvotorError, RateLimited, Unavailable, error_for_status
from .schemas import Product, ProductGroup, Store

log = logging.getLogger(__name__)

ACCEPT = "application/vnd.evotor.v2+json"
# Evotor's X-RateLimit-Reset can be large; a background job should not sleep for minutes inside one call.
MAX_RATE_LIMIT_WAIT = 30.0
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
# Caps per request: an API page, an image (Evotor's own are PNG ≤ 5 MB), and a total time for each.
PAGE_MAX_BYTES = 20 * MB
IMAGE_MAX_BYTES = 10 * MB
PAGE_DEADLINE = 60.0
IMAGE_DEADLINE = 20.0
# A catalog of a million products at Evotor's page size is far below this; a server handing out fresh
# cursors forever is not.
MAX_PAGES = 5000
_TRANSIENT = (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError)


def backoff_delay(attempt: int, base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP) -> float:
    """Exponential backoff with jitter: at least base·2^attempt (0-based attempt), capped at ``cap``."""
    delay = base * (2**attempt)
    return min(cap, delay * (1 + 0.5 * random.random()))


def _reset_seconds(resp: requests.Response) -> float | None:
    """Read ``X-RateLimit-Reset`` (seconds until the window resets) if it is a sane number."""
    raw = resp.headers.get("X-RateLimit-Reset")
    try:
        value = float(raw) if raw is not None else None
    except ValueError:
        return None
    if value is None or value != value or value < 0:  # NaN or negative: ignore
        return None
    return value


def _decode(resp: requests.Response, path: str, parse_float) -> Any:
    """The body's JSON. ``parse_float=float`` is the fast path (orjson, about 2.5 times the stdlib's speed)
    for the product pages; a body orjson refuses (it is stricter: lone surrogates, NaN, integers past
    64 bits) is read by the stdlib as before, so what Evotor may send is never narrowed."""
    if parse_float is float:
        try:
            return orjson.loads(resp.content)
        except orjson.JSONDecodeError:
            pass
    try:
        return json.loads(resp.content, parse_float=parse_float)
    except ValueError:
        raise BadResponse(f"Evotor sent non-JSON for {path}", status=resp.status_code) from None


class EvotorClient:
    """Read-only Evotor v2 client with explicit timeouts, bounded retries and typed errors."""

    def __init__(
        self,
        token: str,
        base_url: str,
        session: requests.Session | None = None,
        timeout: float | tuple[float, float] = (5, 30),
        max_retries: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        image_hosts: str | tuple[str, ...] = (),
        https_only: bool = False,
        max_pages: int = MAX_PAGES,
        deadline: float = PAGE_DEADLINE,
    ):
        self._token = token
        self.base_url = base_url.rstrip("/")
        self.session = session or guarded_session()
        self.policy = FetchPolicy.build(
            [self.base_url],
            image_hosts,
            https_only=https_only,
            max_bytes=PAGE_MAX_BYTES,
            deadline=deadline,
        )
        self.image_policy = self.policy.with_limits(
            max_bytes=IMAGE_MAX_BYTES, deadline=min(deadline, IMAGE_DEADLINE)
        )
        self.max_pages = max_pages
        self.timeout = timeout
        self.max_retries = max_retries
        self.sleep = sleep
        self.requests_sent = 0
        self._count_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"EvotorClient(base_url={self.base_url!r})"

    # -- transport -----------------------------------------------------------------------------------------

    def _headers(self, url: str) -> dict[str, str]:
        """Headers; the token only goes to the API's own origin (an image URL elsewhere must not see it)."""
        headers = {"Accept": ACCEPT}
        base, target = urlsplit(self.base_url), urlsplit(url)
        if (base.scheme, base.netloc) == (target.scheme, target.netloc):
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def _get(
        self, url: str, params: dict[str, Any] | None = None, policy: FetchPolicy | None = None
    ) -> requests.Response:
        """GET with retries on 5xx/timeouts/connection errors and bounded waits on 429; raise typed errors.

        Every GET goes through the fetch guard (allowed hosts, byte cap, total deadline); a refusal or a
        passed deadline is not retried: the same server would answer the same way.
        """
        where = urlsplit(url).path
        policy = policy or self.policy
        for attempt in range(self.max_retries + 1):
            last = attempt == self.max_retries
            with self._count_lock:
                self.requests_sent += 1
            try:
                resp = fetch(
                    self.session,
                    "GET",
                    url,
                    policy,
                    params=params,
                    headers=self._headers(url),
                    timeout=self.timeout,
                )
            except DeadlineExceeded as exc:
                raise Unavailable(f"Evotor too slow for {where}: {exc}") from None
            except BodyTooLarge as exc:
                raise BadResponse(f"Evotor answer too large for {where}: {exc}") from None
            except FetchRefused as exc:
                raise BadResponse(f"refused to fetch {where}: {exc}") from None
            except _TRANSIENT as exc:
                log.warning("Evotor %s failed (%s), attempt %d", where, type(exc).__name__, attempt + 1)
                if last:
                    raise Unavailable(f"Evotor unreachable for {where}: {type(exc).__name__}") from None
                self.sleep(backoff_delay(attempt))
                continue
            status = resp.status_code
            if status < 400:
                return resp
            log.info("Evotor %s answered %d, attempt %d", where, status, attempt + 1)
            if status == 429:
                reset = _reset_seconds(resp)
                if last:
                    raise RateLimited(f"Evotor rate limit for {where}", retry_after=reset)
                wait = reset if reset is not None else backoff_delay(attempt)
                self.sleep(min(wait, MAX_RATE_LIMIT_WAIT))
                continue
            if status >= 500 and not last:
                self.sleep(backoff_delay(attempt))
                continue
            raise error_for_status(status, where)
        raise AssertionError("unreachable")  # pragma: no cover

    def _get_json(self, path: str, params: dict[str, Any] | None = None, parse_float=Decimal) -> Any:
        """GET a path under the base URL; decode JSON with Decimal numbers.

        ``parse_float=float`` is the product pages' fast path (orjson): Evotor's prices and quantities are
        short enough for a float to carry them exactly, and ``schemas.parse_decimal`` turns one into the
        Decimal it was written as (docs/catalog.md).
        """
        return _decode(self._get(f"{self.base_url}{path}", params), path, parse_float)

    def _pages(
        self, path: str, params: dict[str, Any] | None = None, prefetch: bool = False, parse_float=Decimal
    ) -> Iterator[dict[str, Any]]:
        """Yield raw items across cursor pages (``items`` + ``paging.next_cursor`` → ``cursor``).

        With ``prefetch`` the next page is requested (on one worker thread) before the current page's items
        are yielded, so the server prepares it while the caller works through this one.
        """
        query: dict[str, Any] = dict(params or {})
        seen: set[str] = set()
        pool = ThreadPoolExecutor(1, thread_name_prefix="evotor-prefetch") if prefetch else None
        try:
            yield from self._walk(path, query, seen, pool, parse_float)
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)

    def _walk(self, path, query, seen, pool, parse_float) -> Iterator[dict[str, Any]]:
        # The worker thread only waits on the network; the page is decoded here. (Decoding on the thread
        # too made it fight this thread for the interpreter lock at every read: slower than no thread.)
        url = f"{self.base_url}{path}"
        ahead: Future | None = pool.submit(self._get, url, query) if pool else None
        for _page in range(self.max_pages):
            if ahead is not None:
                body = _decode(ahead.result(), path, parse_float)
            else:
                body = self._get_json(path, query, parse_float)
            ahead = None
            if isinstance(body, list):  # a bare array is a complete, unpaged answer
                yield from (x for x in body if isinstance(x, dict))
                return
            if not isinstance(body, dict):
                raise BadResponse(f"Evotor sent an unexpected body for {path}")
            items = [x for x in body.get("items") or () if isinstance(x, dict)]
            paging = body.get("paging")
            cursor = paging.get("next_cursor") if isinstance(paging, dict) else None
            if not cursor:
                yield from items
                return
            repeated = cursor in seen  # a server repeating a cursor would otherwise loop forever
            seen.add(cursor)
            # ``since`` belongs to the first request of a paged series only (evotor-api.md §4).
            query = {"cursor": cursor}
            if pool is not None and not repeated and _page + 1 < self.max_pages:
                ahead = pool.submit(self._get, url, query)
            yield from items
            if repeated:
                raise BadResponse(f"Evotor repeated a paging cursor for {path}")
        raise BadResponse(f"Evotor kept paging {path} past {self.max_pages} pages")

    # -- public API ----------------------------------------------------------------------------------------

    def stores(self) -> list[Store]:
        """All stores the token can see."""
        return [Store.from_json(x) for x in self._pages("/stores") if "id" in x]

    def product_groups(self, store_id: str) -> list[ProductGroup]:
        """All product groups of a store (nested through ``parent_id``)."""
        path = f"/stores/{quote(store_id, safe='')}/product-groups"
        return [ProductGroup.from_json(x, store_id) for x in self._pages(path) if "id" in x]

    def iter_products(self, store_id: str, since_ms: int | None = None) -> Iterator[Product]:
        """Yield every product of a store page by page; ``since_ms`` filters by update time (epoch ms)."""
        for item in self.iter_product_items(store_id, since_ms):
            yield Product.from_json(item, store_id)

    def iter_product_items(self, store_id: str, since_ms: int | None = None) -> Iterator[dict[str, Any]]:
        """Yield every product of a store as its raw JSON item (numbers with a fraction as floats).

        ``Product.from_json(item, store_id)`` reads one; the next page is fetched while the caller works
        through the current one. For callers that can skip unchanged items without parsing them whole.
        A float carries Evotor's prices and quantities exactly: they have at most 9 significant digits
        (7 + 2 for a price), and a decimal of up to 15 reads back from its float as written
        (``schemas.parse_decimal`` goes through ``str``; docs/catalog.md).
        """
        path = f"/stores/{quote(store_id, safe='')}/products"
        params = {"since": since_ms} if since_ms is not None else None
        for item in self._pages(path, params, prefetch=True, parse_float=float):
            if "id" in item:
                yield item

    def products(self, store_id: str, since_ms: int | None = None) -> list[Product]:
        """Every product of a store as a list (see ``iter_products`` for streaming)."""
        return list(self.iter_products(store_id, since_ms))

    def product_image(self, store_id: str, product_id: str) -> bytes | None:
        """The product's image bytes (Evotor keeps at most one, PNG ≤ 300×300), or None if it has none."""
        path = f"/stores/{quote(store_id, safe='')}/products/{quote(product_id, safe='')}/images"
        try:
            body = self._get_json(path)
        except EvotorError as exc:
            if exc.status == 404:
                return None
            raise
        items = body.get("items") if isinstance(body, dict) else body
        if not isinstance(items, list):
            return None
        for image in items:
            url = image.get("url") if isinstance(image, dict) else None
            if not url:
                continue
            try:
                resp = self._get(urljoin(self.base_url + "/", url), policy=self.image_policy)
            except EvotorError as exc:
                if exc.status == 404:
                    return None
                raise
            return resp.content or None
        return None
