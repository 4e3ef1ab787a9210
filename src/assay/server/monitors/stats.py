"""The read side of monitors' history: uptime and latency from the roll-ups, raw runs and
incidents newest first. Pure queries over a ``Session``; the routes in ``stats_api`` call them.

Figures over a range never read raw runs: ``rollups.cover`` names the fewest minute, hour
and day rows that tile it and their counts and sketches are added up here, so a year costs
about as many rows as an hour does, and raw runs can be dropped after their retention.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.orm import Session

from assay.server.monitors import rollups
from assay.server.monitors.rollups import RESOLUTIONS, Bucket, Summary
from assay.server.monitors.sketch import LatencySketch
from assay.server.monitors.tables import (
    Incident,
    MonitorRollup,
    MonitorRow,
    MonitorRun,
    MonitorStateRow,
)

WINDOWS: dict[str, timedelta] = {
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "365d": timedelta(days=365),
}
Tile = tuple[str, datetime, datetime]  # resolution, first bucket start, last bucket start
Cell = tuple[str, datetime]  # resolution, bucket start
_COLUMNS = (
    MonitorRollup.monitor,
    MonitorRollup.resolution,
    MonitorRollup.bucket,
    MonitorRollup.up,
    MonitorRollup.degraded,
    MonitorRollup.down,
    MonitorRollup.maintenance,
    MonitorRollup.skipped,
    MonitorRollup.sketch,
)


def covered(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The range the figures of ``[start, end)`` really describe: ``rollups.cover`` widens
    edges to whole minutes, and an answer should say so rather than pretend otherwise."""
    return rollups.floor(start, "minute"), rollups.floor(end + timedelta(seconds=59), "minute")


def exists(session: Session, name: str) -> bool:
    return session.scalar(select(MonitorRow.name).where(MonitorRow.name == name)) is not None


def status(session: Session, name: str) -> str | None:
    """The monitor's state as a badge shows it (``paused`` wins), or None without it."""
    paused = session.scalar(select(MonitorRow.paused).where(MonitorRow.name == name))
    if paused is None:
        return None
    if paused:
        return "paused"
    state = session.scalar(select(MonitorStateRow.state).where(MonitorStateRow.name == name))
    return state or "unknown"


def _where(tiles: Iterable[Tile]) -> ColumnElement[bool]:
    ranges = [
        and_(
            MonitorRollup.resolution == resolution,
            MonitorRollup.bucket >= first,
            MonitorRollup.bucket <= last,
        )
        for resolution, first, last in tiles
    ]
    return or_(*ranges) if ranges else false()


def _fetch(
    session: Session, names: Collection[str], tiles: Collection[Tile]
) -> dict[str, dict[Cell, Bucket]]:
    """Every roll-up row of ``names`` inside ``tiles``, in one query, by monitor and cell."""
    out: dict[str, dict[Cell, Bucket]] = {}
    if not names or not tiles:
        return out
    query = select(*_COLUMNS).where(MonitorRollup.monitor.in_(names), _where(tiles))
    for monitor, resolution, at, counts in _rows(session, query):
        out.setdefault(monitor, {})[(resolution, at)] = counts
    return out


def _rows(session: Session, query: Select[Any]) -> Iterator[tuple[str, str, datetime, Bucket]]:
    """``_COLUMNS`` rows as (monitor, resolution, bucket start, counts)."""
    for (
        monitor,
        resolution,
        at,
        up,
        degraded,
        down,
        maintenance,
        skipped,
        sketch,
    ) in session.execute(query):
        sketched = LatencySketch.from_json(sketch)
        yield monitor, resolution, at, Bucket(up, degraded, down, maintenance, skipped, sketched)


def _total(cells: dict[Cell, Bucket], tiles: Iterable[Tile]) -> Bucket:
    """The cells that fall in ``tiles``, merged (a cell fetched for another window is not)."""
    total = Bucket()
    for resolution, first, last in tiles:
        for (kind, at), counts in cells.items():
            if kind == resolution and first <= at <= last:
                total.merge(counts)
    return total


def summary(session: Session, monitor: str, start: datetime, end: datetime) -> Summary:
    """Uptime and latency over ``[start, end)`` (edges widened to minutes)."""
    tiles = rollups.cover(start, end)
    cells = _fetch(session, [monitor], tiles).get(monitor, {})
    return rollups.summarise(_total(cells, tiles))


def uptimes(session: Session, monitor: str, now: datetime) -> dict[str, Summary]:
    """Every window of ``WINDOWS`` up to ``now``, from one query over the union of their
    tiles: a status page asks for all of them at once."""
    covers = {label: rollups.cover(now - size, now) for label, size in WINDOWS.items()}
    tiles = {tile for tiles in covers.values() for tile in tiles}
    cells = _fetch(session, [monitor], tiles).get(monitor, {})
    return {label: rollups.summarise(_total(cells, t)) for label, t in covers.items()}


def bucket_count(start: datetime, end: datetime, resolution: str) -> int:
    """How many buckets of ``resolution`` a chart of ``[start, end)`` has."""
    first = rollups.floor(start, resolution)
    size = RESOLUTIONS[resolution]
    return max(0, -((first - end) // size))


def latency(
    session: Session, monitor: str, start: datetime, end: datetime, resolution: str
) -> list[tuple[datetime, Summary]]:
    """One summary per bucket of ``resolution`` from the one holding ``start`` to ``end``;
    buckets without runs are there too (runs 0, figures None), so a chart shows the gap."""
    first = rollups.floor(start, resolution)
    size = RESOLUTIONS[resolution]
    query = select(*_COLUMNS).where(
        MonitorRollup.monitor == monitor,
        MonitorRollup.resolution == resolution,
        MonitorRollup.bucket >= first,
        MonitorRollup.bucket < end,
    )
    found = {at: counts for _, _, at, counts in _rows(session, query)}
    out: list[tuple[datetime, Summary]] = []
    at = first
    while at < end:
        out.append((at, rollups.summarise(found.get(at, Bucket()))))
        at += size
    return out


def current(
    session: Session, names: Sequence[str], now: datetime
) -> dict[str, tuple[float | None, float | None]]:
    """``(uptime, p95)`` over the last 24 h for each of ``names`` (a list of monitors): one
    query for all of them, the hour rows and the minute rows at the edges, merged here."""
    tiles = rollups.cover(now - WINDOWS["24h"], now)
    cells = _fetch(session, set(names), tiles)
    out: dict[str, tuple[float | None, float | None]] = {}
    for name in names:
        figures = rollups.summarise(_total(cells.get(name, {}), tiles))
        out[name] = (figures.uptime, figures.p95)
    return out


def history(
    session: Session, monitor: str, limit: int, before_pk: int | None, verdicts: Sequence[str]
) -> tuple[list[MonitorRun], int, bool]:
    """Raw runs newest first: (runs, total matching, whether more follow). Keyed by ``pk``,
    which grows with insertion, so a page stays put while new runs arrive."""
    query = select(MonitorRun).where(MonitorRun.monitor == monitor)
    if verdicts:
        query = query.where(MonitorRun.verdict.in_(verdicts))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if before_pk is not None:
        query = query.where(MonitorRun.pk < before_pk)
    rows = list(session.scalars(query.order_by(MonitorRun.pk.desc()).limit(limit + 1)))
    return rows[:limit], total, len(rows) > limit


@dataclass(frozen=True)
class Span:
    """An incident and how long it lasted (an open one: so far)."""

    incident: Incident
    duration_seconds: float

    @property
    def open(self) -> bool:
        return self.incident.ended_at is None


def incidents(
    session: Session,
    monitor: str,
    limit: int,
    before: tuple[datetime, str] | None,
    now: datetime,
) -> tuple[list[Span], int, bool]:
    """Incidents newest first: (spans, total, whether more follow), keyed by (start, id)."""
    query = select(Incident).where(Incident.monitor == monitor)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if before is not None:
        at, ident = before
        query = query.where(
            or_(Incident.started_at < at, and_(Incident.started_at == at, Incident.id < ident))
        )
    order = (Incident.started_at.desc(), Incident.id.desc())
    rows = list(session.scalars(query.order_by(*order).limit(limit + 1)))
    spans = [
        Span(row, max(0.0, ((row.ended_at or now) - row.started_at).total_seconds()))
        for row in rows[:limit]
    ]
    return spans, total, len(rows) > limit
