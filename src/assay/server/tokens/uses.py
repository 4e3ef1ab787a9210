"""When each token was last used: remembered per request, written once a minute.

``last_used_at`` is a write; one per request would make every read a write. Requests note
the use in memory (``note``); the ``tokens.last_used`` job writes what gathered (``flush``),
and the lifespan flushes once more on shutdown.
"""

from __future__ import annotations

import threading
from datetime import datetime

from assay.server.db import Database
from assay.server.db.tables import utcnow
from assay.server.tokens.store import record_use

TOUCH_EVERY_S = 60.0  # last_used_at is a write: batched, once a minute for every token


class TokenUses:
    """Token ids and when they were last used, since the last flush."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._used: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def note(self, token_id: str) -> None:
        """Remember that a token was used now (written by ``flush``, not per request)."""
        now = utcnow()
        with self._lock:
            self._used[token_id] = now

    def flush(self) -> None:
        """Write the last use times gathered since the last flush."""
        with self._lock:
            used, self._used = self._used, {}
        record_use(self.db, used)
