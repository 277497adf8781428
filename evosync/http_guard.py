"""Bounded HTTP requests to URLs that a provider's answer names (image URLs, upload servers).

A provider answer is input from outside: it may name an internal address, redirect elsewhere, send an
endless body or drip one byte at a time. ``fetch`` refuses hosts outside the policy, never follows a
redirect to another origin, refuses private, loopback and link-local addresses for every host but the
exactly configured API origins, caps the body (counted while streaming, after decompression) and enforces a
total deadline per request: a watchdog shuts the socket down when it passes, whatever the server does.

See docs/hostile-inputs.md for the settings and the reasoning.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

MB = 1024 * 1024
CHUNK = 64 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}


class FetchRefused(Exception):
    """The request was not sent or its answer not read, because it broke the policy; ``reason`` says why."""

    def __init__(self, reason: str, url: str = "") -> None:
        where = urlsplit(url)
        super().__init__(f"{reason} ({where.scheme}://{where.hostname or '?'})" if url else reason)
        self.reason = reason


class BodyTooLarge(FetchRefused):
    """The answer is longer than the policy's byte cap."""


class DeadlineExceeded(FetchRefused):
    """The request did not complete within the policy's total deadline."""


def origin(url: str) -> str:
    """``scheme://host:port`` of ``url``, lower-cased, with the scheme's default port made explicit."""
    parts = urlsplit(url)
    scheme = (parts.scheme or "").lower()
    port = parts.port or _DEFAULT_PORTS.get(scheme)
    return f"{scheme}://{(parts.hostname or '').lower()}:{port}"


@dataclass(frozen=True)
class FetchPolicy:
    """Where a request may go and how much of it is read.

    ``trusted_origins``: the configured API origins, fetched whatever they resolve to (the sandbox lives on
    loopback). ``allowed_hosts``: further host names; ``.example.com`` means any subdomain of it. Those are
    resolved and refused when an address is private, loopback, link-local or otherwise not public.
    """

    trusted_origins: frozenset[str] = field(default_factory=frozenset)
    allowed_hosts: tuple[str, ...] = ()
    https_only: bool = False
    max_bytes: int = 20 * MB
    deadline: float = 60.0
    max_redirects: int = 3

    @classmethod
    def build(cls, base_urls: Iterable[str], hosts: Iterable[str] | str = (), **options) -> FetchPolicy:
        """A policy trusting the origins of ``base_urls`` and allowing ``hosts`` (a list or comma string)."""
        if isinstance(hosts, str):
            hosts = hosts.split(",")
        cleaned = tuple(h.strip().lower() for h in hosts if h and h.strip())
        return cls(frozenset(origin(u) for u in base_urls), cleaned, **options)

    def with_limits(self, **options) -> FetchPolicy:
        """The same hosts with other limits (e.g. an image's byte cap)."""
        return replace(self, **options)

    def host_allowed(self, host: str) -> bool:
        """True when ``host`` is one of ``allowed_hosts`` or a subdomain of a ``.suffix`` entry."""
        host = host.lower().rstrip(".")
        for entry in self.allowed_hosts:
            if entry.startswith(".") and (host.endswith(entry) or host == entry[1:]):
                return True
            if host == entry:
                return True
        return False


Resolver = Callable[..., list]


def check_url(url: str, policy: FetchPolicy, resolve: Resolver = socket.getaddrinfo) -> None:
    """Raise FetchRefused unless ``url`` may be requested under ``policy``."""
    parts = urlsplit(url)
    scheme = (parts.scheme or "").lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise FetchRefused("not an http(s) URL", url)
    if policy.https_only and scheme != "https":
        raise FetchRefused("plain http is not allowed", url)
    if origin(url) in policy.trusted_origins:
        return
    if not policy.host_allowed(parts.hostname):
        raise FetchRefused("host is not in the allowed list", url)
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
        infos = resolve(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError):
        raise FetchRefused("host does not resolve", url) from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not address.is_global or address.is_multicast:
            raise FetchRefused("host resolves to a private, loopback or link-local address", url)


class _Watch:
    """Shuts down every socket of one request once its deadline passes (a blocked read then fails)."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(seconds, 0.001), self._fire)
        self._timer.daemon = True

    def attach(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
        if expired:
            _shutdown(sock)

    def _fire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)

    def __enter__(self) -> _Watch:
        _current.watch = self
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()
        _current.watch = None


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


_current = threading.local()


def _attach_current(sock) -> None:
    watch = getattr(_current, "watch", None)
    if watch is not None:
        watch.attach(sock)


class _WatchedHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _attach_current(self.sock)

    def getresponse(self, *args, **kwargs):
        _attach_current(self.sock)  # a kept-alive connection was not connected by this request
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _attach_current(self.sock)

    def getresponse(self, *args, **kwargs):
        _attach_current(self.sock)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    """A transport adapter whose connections register with the current request's deadline watchdog."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


def guarded_session() -> requests.Session:
    """A requests session whose every request can be cut off at its deadline by ``fetch``."""
    session = requests.Session()
    session.trust_env = False  # no proxy or netrc from the environment: the policy decides where to go
    adapter = GuardedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def fetch(
    session: requests.Session,
    method: str,
    url: str,
    policy: FetchPolicy,
    *,
    timeout: float | tuple[float, float] = (5.0, 30.0),
    resolve: Resolver = socket.getaddrinfo,
    **kwargs,
) -> requests.Response:
    """Send one request under ``policy`` and return the response with its body read (``.content``).

    ``timeout`` is requests' (connect, read) pair, each cut to what is left of the deadline. Redirects are
    followed only within the same origin (at most ``max_redirects``), each hop re-checked.
    Raises FetchRefused, BodyTooLarge, DeadlineExceeded, or the requests exception of a failed connection.
    """
    connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
    started = time.monotonic()
    with _Watch(policy.deadline) as watch:
        for _hop in range(policy.max_redirects + 1):
            check_url(url, policy, resolve)
            remaining = policy.deadline - (time.monotonic() - started)
            try:
                resp = session.request(
                    method,
                    url,
                    stream=True,
                    allow_redirects=False,
                    timeout=(max(min(connect, remaining), 0.001), max(min(read, remaining), 0.001)),
                    **kwargs,
                )
                if resp.is_redirect:
                    url = _same_origin_target(resp, url)
                    resp.close()
                    method, kwargs = ("GET", {}) if resp.status_code == 303 else (method, kwargs)
                    continue
                _read_body(resp, policy, watch, started)
                return resp
            except (requests.RequestException, OSError):
                if watch.expired or time.monotonic() - started >= policy.deadline:
                    raise DeadlineExceeded(f"no complete answer within {policy.deadline:g} s", url) from None
                raise
        raise FetchRefused(f"more than {policy.max_redirects} redirects", url)


def _same_origin_target(resp: requests.Response, url: str) -> str:
    target = urljoin(url, resp.headers.get("Location", ""))
    if origin(target) != origin(url):
        resp.close()
        raise FetchRefused("redirect to another host", target)
    return target


def _read_body(resp: requests.Response, policy: FetchPolicy, watch: _Watch, started: float) -> None:
    """Read the body into ``resp._content`` chunk by chunk, counting bytes and checking the deadline."""
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > policy.max_bytes:
        resp.close()
        raise BodyTooLarge(f"answer of {declared} bytes is over the {policy.max_bytes}-byte cap", resp.url)
    chunks: list[bytes] = []
    total = 0
    try:
        for chunk in resp.iter_content(CHUNK):
            total += len(chunk)
            if total > policy.max_bytes:
                raise BodyTooLarge(f"answer is over the {policy.max_bytes}-byte cap", resp.url)
            if watch.expired or time.monotonic() - started >= policy.deadline:
                raise DeadlineExceeded(f"no complete answer within {policy.deadline:g} s", resp.url)
            chunks.append(chunk)
    finally:
        resp.close()
    resp._content = b"".join(chunks)
    resp._content_consumed = True
