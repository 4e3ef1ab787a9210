"""The monitors feature's tables: definitions, current state, raw runs, roll-ups with latency
sketches, incidents, the alert outbox and maintenance windows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assay.server.db.tables import Base, BigId, Json, utcnow

NAME = String(100)


class MonitorRow(Base):
    """A monitor's definition: its spec as given (credentials by reference only)."""

    __tablename__ = "monitors"

    name: Mapped[str] = mapped_column(NAME, primary_key=True)
    spec: Mapped[dict[str, Any]]
    origin: Mapped[str] = mapped_column(String(8))  # "file" or "api"
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    run_requested_at: Mapped[datetime | None]  # "run now": the scheduler picks it up
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class MonitorStateRow(Base):
    """What a monitor's history says now (``state.MonitorState``) and its last run."""

    __tablename__ = "monitor_states"

    name: Mapped[str] = mapped_column(NAME, ForeignKey("monitors.name", ondelete="CASCADE"),
                                      primary_key=True)  # fmt: skip
    state: Mapped[str] = mapped_column(String(16), default="unknown")
    since: Mapped[datetime | None]
    failing: Mapped[int] = mapped_column(Integer, default=0)
    passing: Mapped[int] = mapped_column(Integer, default=0)
    recent: Mapped[list[Any]] = mapped_column(Json, default=list)  # [[time, verdict]]
    changes: Mapped[list[Any]] = mapped_column(Json, default=list)  # [time, ...]
    flapping: Mapped[bool] = mapped_column(Boolean, default=False)
    incident: Mapped[str | None] = mapped_column(String(64))  # the open incident, when down
    last_run_at: Mapped[datetime | None]
    last_verdict: Mapped[str | None] = mapped_column(String(16))
    last_message: Mapped[str] = mapped_column(Text, default="")
    last_duration_ms: Mapped[float | None] = mapped_column(Float)
    last_failures: Mapped[list[Any]] = mapped_column(Json, default=list)
    runs: Mapped[int] = mapped_column(Integer, default=0)


class MonitorRun(Base):
    """One run: the raw history, kept for the retention window."""

    __tablename__ = "monitor_runs"
    __table_args__ = (Index("ix_monitor_runs_name_started", "monitor", "started_at"),)

    pk: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    monitor: Mapped[str] = mapped_column(NAME)
    started_at: Mapped[datetime] = mapped_column(index=True)
    duration_ms: Mapped[float] = mapped_column(Float)
    verdict: Mapped[str] = mapped_column(String(16))  # up, degraded, down, skipped
    state: Mapped[str] = mapped_column(String(16))  # the monitor's state after this run
    maintenance: Mapped[bool] = mapped_column(Boolean, default=False)
    message: Mapped[str] = mapped_column(Text, default="")
    failures: Mapped[list[Any]] = mapped_column(Json, default=list)
    region: Mapped[str] = mapped_column(String(50), default="local")


class MonitorRollup(Base):
    """Counts and a latency sketch per monitor and minute, hour or day."""

    __tablename__ = "monitor_rollups"

    monitor: Mapped[str] = mapped_column(NAME, primary_key=True)
    resolution: Mapped[str] = mapped_column(String(8), primary_key=True)  # minute, hour, day
    bucket: Mapped[datetime] = mapped_column(primary_key=True)
    up: Mapped[int] = mapped_column(Integer, default=0)
    degraded: Mapped[int] = mapped_column(Integer, default=0)
    down: Mapped[int] = mapped_column(Integer, default=0)
    maintenance: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    sketch: Mapped[dict[str, Any]] = mapped_column(default=dict)  # sketch.LatencySketch


class Incident(Base):
    """A DOWN period of a monitor: from its first failing run to its recovery."""

    __tablename__ = "monitor_incidents"
    __table_args__ = (Index("ix_monitor_incidents_name_start", "monitor", "started_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    monitor: Mapped[str] = mapped_column(NAME)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    message: Mapped[str] = mapped_column(Text, default="")  # the first failure
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))


class AlertRow(Base):
    """The outbox: one row per notice, named by its key, written in the transaction of the
    change that caused it and marked sent exactly once by the delivery job."""

    __tablename__ = "monitor_alerts"
    __table_args__ = (Index("ix_monitor_alerts_pending", "sent_at", "due_at"),)

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    monitor: Mapped[str] = mapped_column(NAME, index=True)
    incident: Mapped[str] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(String(16))
    provider: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    due_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    message: Mapped[dict[str, Any]] = mapped_column(default=dict)  # title, body, data


class MaintenanceRow(Base):
    """A maintenance window (``maintenance.Window``'s fields) from the file or the API."""

    __tablename__ = "maintenance_windows"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    spec: Mapped[dict[str, Any]]
    origin: Mapped[str] = mapped_column(String(8))
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ends_at: Mapped[datetime | None] = mapped_column(index=True)  # a one-off's end: purged after
