"""What one app instance owns: settings, database, rate limiter, jobs, start time."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from assay.server import tokens
from assay.server.db import Database
from assay.server.db.tables import utcnow
from assay.server.integrations import Integrations
from assay.server.jobs import JobRegistry, Scheduler
from assay.server.metrics import Metrics
from assay.server.ratelimit import RateLimiter
from assay.server.settings import Settings
from assay.server.tokens import TokenCache
from assay.server.tracing import Tracing

TOUCH_EVERY_S = 60.0  # last_used_at is a write: batched, once a minute for every token


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
    integrations: Integrations = field(default_factory=lambda: Integrations([]))
    scheduler: Scheduler | None = None
    revision: str | None = None
    tracing: Tracing | None = None
    metrics: Metrics = field(default_factory=Metrics)
    token_cache: TokenCache = field(default_factory=lambda: TokenCache(0))
    _used: dict[str, datetime] = field(default_factory=dict)
    _used_lock: threading.Lock = field(default_factory=threading.Lock)

    def note_use(self, token_id: str) -> None:
        """Remember that a token was used now (written by ``flush_uses``, not per request)."""
        now = utcnow()
        with self._used_lock:
            self._used[token_id] = now

    def flush_uses(self) -> None:
        """Write the tokens' last use times gathered since the last flush."""
        with self._used_lock:
            used, self._used = self._used, {}
        tokens.record_use(self.db, used)
