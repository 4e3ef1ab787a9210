"""``/api/v1/monitors/{name}/…``: a monitor's uptime, latency chart, runs and incidents
(viewer). The figures come from ``stats`` (roll-ups, never raw runs); badges are in
``badge_api`` because a setting decides who may read them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from sqlalchemy.orm import Session

from assay.server.api.deps import API_PREFIX, ContextDep
from assay.server.api.models import Page
from assay.server.api.pagination import (
    Cursor,
    Limit,
    decode_cursor,
    decode_time_cursor,
    encode_cursor,
)
from assay.server.db.tables import utcnow
from assay.server.errors import ApiError, ErrorDetail, ErrorOut
from assay.server.monitors import stats
from assay.server.monitors.rollups import RESOLUTIONS
from assay.server.monitors.stats_schemas import (
    Figures,
    IncidentOut,
    Instant,
    LatencyBucket,
    LatencyOut,
    RangeFigures,
    Resolution,
    RunOut,
    UptimeOut,
    Verdict,
    figures,
    incident_out,
    run_out,
)
from assay.server.tokens import AsViewer

router = APIRouter(prefix=f"{API_PREFIX}/monitors", tags=["monitors"])
MonitorName = Annotated[str, Path(min_length=1, max_length=100, description="A monitor's name.")]
Start = Annotated[Instant | None, Query(description="ISO 8601; naive means UTC.")]
End = Annotated[Instant | None, Query(description="ISO 8601; naive means UTC. Default: now.")]
LONGEST_RANGE = timedelta(days=400)
MOST_BUCKETS = 2000
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No monitor has this name"},
}
INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorOut, "description": "Invalid request; `details` names each field"},
}


def missing(name: str) -> ApiError:
    return ApiError(404, f"no monitor named '{name}'")


def known(db: Session, name: str) -> None:
    """A 404 naming the monitor unless it exists (its history outlives no monitor)."""
    if not stats.exists(db, name):
        raise missing(name)


def invalid(field: str, message: str) -> ApiError:
    return ApiError(
        422,
        f"invalid request: {field}: {message}",
        "validation_error",
        [ErrorDetail(field=field, message=message)],
    )


def _range(
    start: datetime | None, end: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    """``start``-``end`` (end by default now), or a 422 naming the field that is wrong."""
    if start is None:
        raise invalid("query.start", "a range needs a start")
    end = end or now
    if end <= start:
        raise invalid("query.end", "must be after start")
    return start, end


@router.get("/{name}/uptime", response_model=UptimeOut, responses=NOT_FOUND | INVALID)
def uptime(
    name: MonitorName, context: ContextDep, _: AsViewer, start: Start = None, end: End = None
) -> UptimeOut:
    """Uptime and latency over the last hour, 24 h, 7, 30 and 365 days and, with `start`
    (and `end`, default now), over that range too (at most 400 days; edges are widened to
    whole minutes and the answer says where they fell). Degraded runs count as up;
    maintenance and skipped runs are left out (viewer)."""
    now = utcnow()
    asked = _range(start, end, now) if start is not None or end is not None else None
    if asked is not None and asked[1] - asked[0] > LONGEST_RANGE:
        raise invalid("query.start", f"a range is at most {LONGEST_RANGE.days} days long")
    with context.db.read() as db:
        known(db, name)
        windows = stats.uptimes(db, name, now)
        custom = stats.summary(db, name, *asked) if asked else None
    extra = None
    if asked is not None and custom is not None:
        lo, hi = stats.covered(*asked)
        extra = RangeFigures(start=lo, end=hi, **figures(custom))
    return UptimeOut(
        monitor=name,
        at=now,
        windows={label: Figures(**figures(s)) for label, s in windows.items()},
        range=extra,
    )


@router.get("/{name}/latency", response_model=LatencyOut, responses=NOT_FOUND | INVALID)
def latency(
    name: MonitorName,
    context: ContextDep,
    _: AsViewer,
    start: Start = None,
    end: End = None,
    resolution: Resolution = "hour",
) -> LatencyOut:
    """Latency (p50, p95, p99, mean) and runs per minute, hour or day for a chart, oldest
    first, from `start` (default: 24 h before `end`) to `end` (default: now); at most
    2,000 buckets (minutes are kept 2 days, hours 90) (viewer)."""
    now = utcnow()
    start, end = _range(start or (end or now) - timedelta(hours=24), end, now)
    count = stats.bucket_count(start, end, resolution)
    if count > MOST_BUCKETS:
        fits = [r for r in RESOLUTIONS if stats.bucket_count(start, end, r) <= MOST_BUCKETS]
        hint = f"use resolution={fits[0]}" if fits else "shorten the range"
        raise invalid(
            "query.resolution",
            f"{count} buckets of a {resolution} is more than {MOST_BUCKETS}: {hint}",
        )
    with context.db.read() as db:
        known(db, name)
        buckets = stats.latency(db, name, start, end, resolution)
    return LatencyOut(
        monitor=name,
        resolution=resolution,
        start=start,
        end=end,
        buckets=[LatencyBucket(start=at, **figures(s)) for at, s in buckets],
    )


@router.get("/{name}/history", response_model=Page[RunOut], responses=NOT_FOUND | INVALID)
def history(
    name: MonitorName,
    context: ContextDep,
    _: AsViewer,
    limit: Limit = 50,
    cursor: Cursor = None,
    verdict: Annotated[list[Verdict] | None, Query(description="Any of these.")] = None,
) -> Page[RunOut]:
    """The monitor's runs, newest first, as long as raw runs are kept (viewer)."""
    before = decode_cursor(cursor, int)[0] if cursor is not None else None
    with context.db.read() as db:
        known(db, name)
        rows, total, more = stats.history(db, name, limit, before, list(verdict or []))
        items = [run_out(r) for r in rows]
    next_cursor = encode_cursor(rows[-1].pk) if rows and more else None
    return Page[RunOut](items=items, total=total, limit=limit, next_cursor=next_cursor)


@router.get("/{name}/incidents", response_model=Page[IncidentOut], responses=NOT_FOUND | INVALID)
def incidents(
    name: MonitorName, context: ContextDep, _: AsViewer, limit: Limit = 50, cursor: Cursor = None
) -> Page[IncidentOut]:
    """The monitor's incidents (DOWN periods), newest first; an open one lasts until now
    (viewer)."""
    before = decode_time_cursor(cursor)
    with context.db.read() as db:
        known(db, name)
        spans, total, more = stats.incidents(db, name, limit, before, utcnow())
        items = [incident_out(s) for s in spans]
    last = spans[-1].incident if spans and more else None
    next_cursor = encode_cursor(last.started_at.isoformat(), last.id) if last else None
    return Page[IncidentOut](items=items, total=total, limit=limit, next_cursor=next_cursor)
