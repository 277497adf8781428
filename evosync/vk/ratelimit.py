"""Per-token request limiter: never more than ``rps`` requests start in any sliding window of ``window`` s.

A slot is held from the moment a request is allowed until ``window`` seconds after its response arrived.
Counting from the response (not from the moment we decided to send) is deliberately conservative: the
server may see a request start any time up to its response, so this is the only timestamp that guarantees
VK's own sliding window never sees ``rps + 1`` starts, however threads get scheduled.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

DEFAULT_RPS = 3


class Limiter(Protocol):
    """What a client needs from a limiter: a context manager around one request."""

    def slot(self) -> AbstractContextManager[None]: ...


# Set by the application (see evosync/ratelimit/service.py) to share the limit across processes;
# it returns None where it cannot (no app), and the process-wide limiter below is used instead.
LimiterFactory = Callable[[str, int], "Limiter | None"]
_factory: list[LimiterFactory] = []


class SlidingWindowLimiter:
    """Thread-safe sliding-window limiter shared by every client that uses the same token."""

    def __init__(
        self, rps: int = DEFAULT_RPS, window: float = 1.0, clock: Callable[[], float] = time.monotonic
    ):
        if rps < 1:
            raise ValueError("rps must be at least 1")
        self.rps = rps
        self.window = window
        self.clock = clock
        self._cond = threading.Condition()
        self._in_flight = 0
        self._finished: deque[float] = deque()  # completion times, ascending
        self.last_used = clock()

    def _prune(self, now: float) -> None:
        """Forget requests that finished more than a window ago."""
        while self._finished and self._finished[0] + self.window <= now:
            self._finished.popleft()

    def wait_time(self, now: float | None = None) -> float | None:
        """Seconds until a slot frees up: 0 if one is free, None if only a response can free one."""
        now = self.clock() if now is None else now
        self._prune(now)
        if self._in_flight + len(self._finished) < self.rps:
            return 0.0
        if not self._finished:
            return None
        return max(0.0, self._finished[0] + self.window - now)

    def acquire(self) -> None:
        """Block until a request may start, then take a slot (pair with ``release``)."""
        with self._cond:
            while True:
                wait = self.wait_time()
                if wait == 0.0:
                    self._in_flight += 1
                    self.last_used = self.clock()
                    return
                self._cond.wait(wait)

    def release(self) -> None:
        """Mark the request started by ``acquire`` as answered (or failed)."""
        with self._cond:
            self._in_flight -= 1
            now = self.clock()
            self._finished.append(now)
            self.last_used = now
            # Waiters blocked on "all slots in flight" can now compute a finite wait.
            self._cond.notify_all()

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Context manager around one request."""
        self.acquire()
        try:
            yield
        finally:
            self.release()


_registry: dict[str, SlidingWindowLimiter] = {}
_registry_lock = threading.Lock()
# Tokens rotate hourly; forget limiters idle for longer than this so the registry stays small.
_IDLE_FORGET = 300.0


def token_key(token: str) -> str:
    """Registry key for a token: its SHA-256, so the token itself is never kept as a key."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def set_limiter_factory(factory: LimiterFactory | None) -> None:
    """Install (or, with None, remove) the factory ``limiter_for_token`` asks first."""
    _factory[:] = [factory] if factory is not None else []


def limiter_for_token(token: str, rps: int = DEFAULT_RPS) -> Limiter:
    """The installed factory's limiter for ``token``, else the process-wide one."""
    for factory in _factory:
        shared = factory(token, rps)
        if shared is not None:
            return shared
    return process_limiter(token, rps)


def process_limiter(token: str, rps: int = DEFAULT_RPS) -> SlidingWindowLimiter:
    """The process-wide limiter for ``token`` (created on first use; ``rps`` updates an existing one)."""
    key = token_key(token)
    with _registry_lock:
        now = time.monotonic()
        for stale in [k for k, v in _registry.items() if k != key and now - v.last_used > _IDLE_FORGET]:
            limiter = _registry[stale]
            with limiter._cond:
                if limiter._in_flight == 0:
                    del _registry[stale]
        limiter = _registry.get(key)
        if limiter is None:
            limiter = _registry[key] = SlidingWindowLimiter(rps)
        elif limiter.rps != rps:
            with limiter._cond:
                limiter.rps = rps
        return limiter
