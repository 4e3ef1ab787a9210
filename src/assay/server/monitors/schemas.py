"""The monitors API's answers (requests are ``spec.MonitorSpec`` and ``config.WindowSpec``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class StateOut(BaseModel):
    state: str = Field(description="up, degraded, down, maintenance, paused or unknown")
    since: datetime | None
    flapping: bool
    incident: str | None = Field(description="The open incident's id, while down")
    last_run_at: datetime | None
    last_verdict: str | None
    last_message: str
    last_duration_ms: float | None
    runs: int


class MonitorOut(BaseModel):
    """A monitor: its spec as given (credentials as references), origin and state."""

    name: str
    origin: str = Field(description="'file' (the server's monitors file) or 'api'")
    version: int
    paused: bool
    spec: dict[str, Any]
    state: StateOut
    problem: str | None = Field(None, description="Why this server cannot run it, if so")
    uptime_24h: float | None = Field(None, description="0..1 over the last 24 h (in lists)")
    p95_24h_ms: float | None = Field(None, description="p95 latency over the last 24 h")
    created_at: datetime
    updated_at: datetime


class RunQueued(BaseModel):
    """A run on its way; its outcome shows in ``status_url`` (the monitor's state)."""

    monitor: str
    status: str = "queued"
    status_url: str


class AlertOut(BaseModel):
    key: str = Field(description="Names the alert once: monitor/incident/event[/n]/provider")
    monitor: str
    incident: str
    event: str
    provider: str
    status: str = Field(description="pending, sent or failed (attempts used up)")
    created_at: datetime
    due_at: datetime
    attempts: int
    sent_at: datetime | None
    last_error: str
    acknowledged_at: datetime | None
    acknowledged_by: str | None


class MaintenanceOut(BaseModel):
    id: str
    origin: str
    spec: dict[str, Any]
    active: bool = Field(description="Whether the window is on now")
    created_by: str | None
    created_at: datetime | None
