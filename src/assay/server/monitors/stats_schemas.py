"""What the monitors' statistics routes answer, and the time parameters they take."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field

from assay.server.monitors.rollups import Summary
from assay.server.monitors.stats import Span
from assay.server.monitors.tables import MonitorRun

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
Resolution = Literal["minute", "hour", "day"]
Window = Literal["1h", "24h", "7d", "30d", "365d"]
Verdict = Literal["up", "degraded", "down", "skipped"]


def _instant(value: datetime) -> datetime:
    """UTC (naive taken as UTC), within years that arithmetic on it cannot overflow: a
    range's edges are moved by days and hours, and 9999-12-31 plus one would be a 500."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        value = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range") from None
    if not EARLIEST <= value < LATEST:
        raise ValueError("must be between 1970 and 9000")
    return value


Instant = Annotated[datetime, AfterValidator(_instant)]


class Figures(BaseModel):
    """A range's figures: counts, uptime (degraded counts as up; maintenance and skipped
    runs are left out; null without counted runs) and latency in milliseconds (1 %)."""

    runs: int = Field(description="Runs that count for uptime: up, degraded and down.")
    up: int
    degraded: int
    down: int
    maintenance: int
    uptime: float | None = Field(description="0..1; null without counted runs.")
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    mean_ms: float | None


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def figures(summary: Summary) -> dict[str, Any]:
    return {
        "runs": summary.runs,
        "up": summary.up,
        "degraded": summary.degraded,
        "down": summary.down,
        "maintenance": summary.maintenance,
        "uptime": summary.uptime,
        "p50_ms": _ms(summary.p50),
        "p95_ms": _ms(summary.p95),
        "p99_ms": _ms(summary.p99),
        "mean_ms": _ms(summary.mean),
    }


class RangeFigures(Figures):
    """A custom range's figures; ``start`` and ``end`` are the edges widened to minutes."""

    start: datetime
    end: datetime


class UptimeOut(BaseModel):
    monitor: str
    at: datetime = Field(description="When the windows end.")
    windows: dict[str, Figures] = Field(description="By window: 1h, 24h, 7d, 30d, 365d.")
    range: RangeFigures | None = Field(description="The `start`-`end` range, when asked.")


class LatencyBucket(Figures):
    start: datetime


class LatencyOut(BaseModel):
    monitor: str
    resolution: Resolution
    start: datetime
    end: datetime
    buckets: list[LatencyBucket] = Field(description="Oldest first; empty buckets included.")


class RunOut(BaseModel):
    id: int
    started_at: datetime
    duration_ms: float
    verdict: str
    state: str = Field(description="The monitor's state after this run.")
    maintenance: bool
    message: str
    failures: list[Any]
    region: str


def run_out(row: MonitorRun) -> RunOut:
    return RunOut(
        id=row.pk,
        started_at=row.started_at,
        duration_ms=row.duration_ms,
        verdict=row.verdict,
        state=row.state,
        maintenance=row.maintenance,
        message=row.message,
        failures=list(row.failures),
        region=row.region,
    )


class IncidentOut(BaseModel):
    id: str
    started_at: datetime
    ended_at: datetime | None = Field(description="null while the incident is open.")
    open: bool
    duration_seconds: float = Field(description="Until it ended, or until now while open.")
    message: str = Field(description="The first failure.")
    acknowledged_at: datetime | None
    acknowledged_by: str | None


def incident_out(span: Span) -> IncidentOut:
    row = span.incident
    return IncidentOut(
        id=row.id,
        started_at=row.started_at,
        ended_at=row.ended_at,
        open=span.open,
        duration_seconds=round(span.duration_seconds, 3),
        message=row.message,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
    )


class ShieldsOut(BaseModel):
    """A Shields.io endpoint badge: https://img.shields.io/endpoint?url=<this URL>."""

    schemaVersion: Literal[1]  # Shields spells it so
    label: str
    message: str
    color: str
