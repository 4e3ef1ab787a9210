"""What one app instance owns: settings, database, rate limiter, jobs, start time, and the
parts its features put there (``add_part``/``part``: one object per type)."""

from __future__ import annotations

import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from assay.server.db import Database
from assay.server.jobs import JobRegistry, Scheduler
from assay.server.metrics import Metrics
from assay.server.ratelimit import RateLimiter
from assay.server.tracing import Tracing

if TYPE_CHECKING:  # settings import every feature's section, and features import this
    from assay.server.settings import Settings

T = TypeVar("T")


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class ServerContext:
    settings: Settings
    db: Database
    limiter: RateLimiter
    jobs: JobRegistry
    worker_id: str
    started_at: datetime
    started_monotonic: float = field(default_factory=time.monotonic)
    scheduler: Scheduler | None = None
    revision: str | None = None
    tracing: Tracing | None = None
    metrics: Metrics = field(default_factory=Metrics)
    _parts: dict[type[Any], Any] = field(default_factory=dict)

    def add_part(self, part: T) -> T:
        """Keep a feature's object (its cache, its loaded definitions) for its routes and
        jobs; one per type, so a second of the same type is a programming error."""
        kind = type(part)
        if kind in self._parts:
            raise ValueError(f"the server context has a {kind.__name__} already")
        self._parts[kind] = part
        return part

    def part(self, kind: type[T]) -> T:
        """The feature's object of type ``kind`` (KeyError: its feature is not plugged in)."""
        found: T = self._parts[kind]
        return found
