"""The VK retry policy, in one place: which failures are retried and how long to wait before each retry."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

# 6 = too many requests/s, 10 = internal server error, 1 = unknown error, 36 = method timed out on VK's side.
RETRYABLE_CODES = frozenset({1, 6, 10, 36})


@dataclass
class RetryPolicy:
    """Bounded exponential backoff with jitter (docs/sync.md, «Errors»: base 1 s, cap 60 s, ≤ 5 tries)."""

    max_retries: int = 4
    base: float = 1.0
    cap: float = 60.0
    rng: Callable[[], float] = field(default=random.random)

    def retryable(self, code: int | None) -> bool:
        """Whether a VK ``error_code`` is worth retrying."""
        return code in RETRYABLE_CODES

    def delay(self, attempt: int) -> float:
        """Seconds to sleep before retry number ``attempt + 1`` (0-based): grows, jittered, capped.

        The lower bound ``base·2^attempt`` keeps the backoff strictly growing; the jitter on top (up to +50 %)
        spreads threads that failed together.
        """
        low = self.base * (2**attempt)
        return min(self.cap, low * (1 + 0.5 * self.rng()))
