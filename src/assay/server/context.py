"""What one app instance owns: settings, database, rate limiter, jobs, start time."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from assay.server.db import Database
from assay.server.jobs import JobRegistry, JobRunner
from assay.server.metrics import Metrics
from assay.server.ratelimit import RateLimiter
from assay.server.settings import Settings
from assay.server.tracing import Tracing

TOUCH_EVERY_S = 60.0  # last_used_at is a write: at most once a minute per token


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
    runner: JobRunner | None = None
    revision: str | None = None
    tracing: Tracing | None = None
    metrics: Metrics = field(default_factory=Metrics)
    _touched: dict[str, float] = field(default_factory=dict)
    _touch_lock: threading.Lock = field(default_factory=threading.Lock)

    def should_touch(self, token_id: str) -> bool:
        """True at most once per ``TOUCH_EVERY_S`` for a token (then record its use)."""
        now = time.monotonic()
        with self._touch_lock:
            if now - self._touched.get(token_id, -TOUCH_EVERY_S) < TOUCH_EVERY_S:
                return False
            self._touched[token_id] = now
            return True
