"""SQLite's one writer at a time, as a queue instead of a poll.

A SQLite writer that finds the database busy sleeps and retries (1, 2, 5, ... then 100 ms
between tries), and the write lock stays idle while it sleeps. Writers of one process take a
thread lock first and start the moment the previous one commits; writers of other processes
(``assay serve --workers N``) take an exclusive ``flock`` on ``<database>-writer.lock``,
retried every millisecond or two. After ``timeout`` seconds the writer goes ahead anyway and
SQLite's own busy timeout decides, so a stuck process cannot block the others for ever.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

if sys.platform != "win32":
    import fcntl


class WriterQueue:
    """``hold()`` around a write transaction; re-entrant within a thread."""

    def __init__(self, database_path: str | None, timeout: float) -> None:
        self.timeout = timeout
        self._lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None
        if database_path and sys.platform != "win32":
            self._fd = os.open(f"{database_path}-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)

    @contextmanager
    def hold(self) -> Iterator[None]:
        with self._lock:
            outer = self._depth == 0
            locked = outer and self._take()
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if locked:
                    assert self._fd is not None
                    fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _take(self) -> bool:
        if self._fd is None:
            return False
        deadline = time.monotonic() + self.timeout
        pause = 0.0005
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return False
                time.sleep(pause)
                pause = min(pause * 2, 0.002)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
