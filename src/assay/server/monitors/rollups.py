"""Roll-ups: per monitor and minute, hour and day, the counts of verdicts and a latency sketch.

A run adds one to its verdict's count in the three buckets it falls in, and its latency to
their sketches (maintenance and skipped runs are counted apart: they are not uptime).
Uptime and percentiles over any range are read from the roll-ups, coarsest first: whole
days, then whole hours, then minutes at the edges, so a year costs about 400 rows and an
hour 60.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from assay.server.monitors.sketch import LatencySketch

RESOLUTIONS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}
COUNTS = ("up", "degraded", "down", "maintenance", "skipped")


def floor(at: datetime, resolution: str) -> datetime:
    """The start of the bucket of ``resolution`` that ``at`` (aware, UTC) falls in."""
    if resolution == "minute":
        return at.replace(second=0, microsecond=0)
    if resolution == "hour":
        return at.replace(minute=0, second=0, microsecond=0)
    return at.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass
class Bucket:
    """One roll-up row's values."""

    up: int = 0
    degraded: int = 0
    down: int = 0
    maintenance: int = 0
    skipped: int = 0
    sketch: LatencySketch = field(default_factory=LatencySketch)

    def add(self, verdict: str, ms: float | None, maintenance: bool) -> None:
        """One run: its verdict counted (or maintenance), its latency in the sketch."""
        kind = "maintenance" if maintenance and verdict != "skipped" else verdict
        setattr(self, kind, getattr(self, kind) + 1)
        if ms is not None and kind in ("up", "degraded", "down"):
            self.sketch.add(ms)

    def merge(self, other: Bucket) -> Bucket:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.sketch.merge(other.sketch)
        return self

    @property
    def counted(self) -> int:
        """Runs that count for uptime: neither in maintenance nor skipped."""
        return self.up + self.degraded + self.down


Key = tuple[str, str, datetime]  # monitor, resolution, bucket start


def deltas(runs: Iterable[tuple[str, datetime, str, float | None, bool]]) -> dict[Key, Bucket]:
    """What ``(monitor, at, verdict, ms, maintenance)`` runs add to each roll-up row."""
    out: dict[Key, Bucket] = {}
    for monitor, at, verdict, ms, maintenance in runs:
        for resolution in RESOLUTIONS:
            key = (monitor, resolution, floor(at, resolution))
            out.setdefault(key, Bucket()).add(verdict, ms, maintenance)
    return out


def cover(start: datetime, end: datetime) -> list[tuple[str, datetime, datetime]]:
    """The fewest buckets that tile ``[start, end)``: (resolution, first, last start)
    ranges, coarsest first; edges that are not whole minutes are widened to them."""
    start, end = floor(start, "minute"), floor(end + timedelta(seconds=59), "minute")
    out: list[tuple[str, datetime, datetime]] = []

    def tile(lo: datetime, hi: datetime, resolution: str) -> tuple[datetime, datetime]:
        size = RESOLUTIONS[resolution]
        first = floor(lo, resolution)
        if first < lo:
            first += size
        last = floor(hi, resolution)
        if first < last:
            out.append((resolution, first, last - size))
            return first, last
        return hi, hi  # nothing whole at this resolution

    day_lo, day_hi = tile(start, end, "day")
    hour_parts = [(start, day_lo), (day_hi, end)] if day_lo < day_hi else [(start, end)]
    for lo, hi in hour_parts:
        hour_lo, hour_hi = tile(lo, hi, "hour")
        minute_parts = [(lo, hour_lo), (hour_hi, hi)] if hour_lo < hour_hi else [(lo, hi)]
        for mlo, mhi in minute_parts:
            if mlo < mhi:
                out.append(("minute", mlo, mhi - RESOLUTIONS["minute"]))
    return out


@dataclass(frozen=True)
class Summary:
    """A range's figures: uptime (None without counted runs) and latency percentiles."""

    runs: int
    up: int
    degraded: int
    down: int
    maintenance: int
    uptime: float | None
    p50: float | None
    p95: float | None
    p99: float | None
    mean: float | None


def summarise(total: Bucket) -> Summary:
    """Uptime counts degraded runs as up (the service answered); maintenance is left out."""
    counted = total.counted
    uptime = (total.up + total.degraded) / counted if counted else None
    s = total.sketch
    return Summary(counted, total.up, total.degraded, total.down, total.maintenance, uptime,
                   s.quantile(0.5), s.quantile(0.95), s.quantile(0.99), s.mean)  # fmt: skip
