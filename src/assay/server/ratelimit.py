"""Per-token rate limiting (sliding window counter) with the ``limits`` library.

The sliding window counter weighs the previous window's count by how much of it is still
within the window: as smooth as a moving window, with two counters per token instead of a
timestamp per request. (The moving window's in-memory storage also walks every token's
timestamps in a background thread every 10 ms: with 500 active tokens that took 15 % of a
core, see bench/server_load.py.)

Storage is in-process by default, so each worker counts on its own; a shared store such as
``redis://127.0.0.1:6379`` (``rate_limit_storage``) makes the limit hold across workers.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter


class RateLimiter:
    """``hit(key)`` returns 0 when allowed, else the seconds to wait (``Retry-After``)."""

    def __init__(self, rate: str, storage_uri: str = "memory://") -> None:
        self.item: RateLimitItem | None = parse(rate) if rate else None
        self._limiter = SlidingWindowCounterRateLimiter(storage_from_string(storage_uri))
        # counted in this process (no network round trip): cheap enough for the event loop
        self.local = self.item is None or storage_uri.startswith("memory://")

    def hit(self, key: str) -> int:
        if self.item is None or self._limiter.hit(self.item, key):
            return 0
        reset = self._limiter.get_window_stats(self.item, key).reset_time
        return max(1, math.ceil(reset - time.time()))

    @property
    def description(self) -> str:
        return str(self.item) if self.item else "off"
