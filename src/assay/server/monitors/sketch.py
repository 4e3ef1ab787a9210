"""A mergeable latency sketch: counts in logarithmic buckets, as DDSketch keeps them.

A latency ``x`` (milliseconds, > 0) falls in bucket ``ceil(log(x) / log(GAMMA))``; every value
in a bucket is within ``ACCURACY`` (1 %) of the bucket's representative value, so any
quantile read from the counts is within 1 % of a true sample at that rank. Two sketches
merge by adding counts, so the minute roll-ups merge into hours and days, and any range's
p50, p95 and p99 come from the roll-ups alone, never from raw results.

Stored as ``{"n": count, "sum": total_ms, "b": {bucket: count}}``: small JSON, since a
monitor's latencies cluster in a few dozen buckets.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

ACCURACY = 0.01
GAMMA = (1 + ACCURACY) / (1 - ACCURACY)
_LOG_GAMMA = math.log(GAMMA)
MIN_MS = 0.001  # values below (a cached answer in microseconds) count as this


def bucket(ms: float) -> int:
    """The bucket of a latency in milliseconds."""
    return math.ceil(math.log(max(ms, MIN_MS)) / _LOG_GAMMA)


def representative(index: int) -> float:
    """The value that stands for a bucket: within ``ACCURACY`` of all its values."""
    return 2 * GAMMA**index / (GAMMA + 1)


@dataclass
class LatencySketch:
    """Latency counts per logarithmic bucket; ``quantile`` is within 1 % relative error."""

    count: int = 0
    total: float = 0.0
    buckets: dict[int, int] = field(default_factory=dict)

    @classmethod
    def of(cls, values: Iterable[float]) -> LatencySketch:
        sketch = cls()
        for value in values:
            sketch.add(value)
        return sketch

    def add(self, ms: float, times: int = 1) -> None:
        index = bucket(ms)
        self.buckets[index] = self.buckets.get(index, 0) + times
        self.count += times
        self.total += ms * times

    def merge(self, other: LatencySketch) -> LatencySketch:
        """Add ``other``'s counts to this sketch (in place); returns it."""
        for index, n in other.buckets.items():
            self.buckets[index] = self.buckets.get(index, 0) + n
        self.count += other.count
        self.total += other.total
        return self

    def quantile(self, q: float) -> float | None:
        """The latency at rank ``q`` (0..1) by the nearest-rank rule; None when empty."""
        if self.count == 0:
            return None
        rank = max(1, math.ceil(q * self.count))
        seen = 0
        for index in sorted(self.buckets):
            seen += self.buckets[index]
            if seen >= rank:
                return representative(index)
        return representative(max(self.buckets))  # pragma: no cover (rank <= count)

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count else None

    def to_json(self) -> dict[str, Any]:
        return {"n": self.count, "sum": round(self.total, 3), "b": self.buckets}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> LatencySketch:
        if not data:
            return cls()
        buckets = {int(k): int(v) for k, v in dict(data.get("b", {})).items()}
        return cls(int(data.get("n", 0)), float(data.get("sum", 0.0)), buckets)
