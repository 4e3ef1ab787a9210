"""The spool: a durable, append-only journal per reported run, so no result is lost.

Each ``assay run --report-to`` writes one file, ``<session>.<run>.jsonl``, under the spool
directory: one JSON record per line, each write fsync'd before anything is sent. Records:

    session   the header: server URL, run id, the session as it will be created
    results   a batch of results as they came from the engine (each with its client id)
    created   the server has the session
    acked     the server stored these result ids (2xx)
    rejected  the server refused these ids for good (4xx), with its reason
    finish    the run ended: the status and end time to send
    finished  the server has the final status
    failure   why the last attempt to send stopped (for ``assay report status``)

Replaying the records gives what is still pending. A kill mid-write leaves at most a torn
last line; reading drops it, and opening for append cuts it off first. The file is locked
(``flock``) by the process that writes it, so two processes never send one spool at once;
the lock dies with the process. A fully delivered spool is deleted.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FORMAT = 1
SUFFIX = ".jsonl"


def default_spool_dir() -> Path:
    """``$ASSAY_SPOOL_DIR``, else ``$XDG_DATA_HOME/assay/spool`` (``~/.local/share/...``)."""
    if explicit := os.environ.get("ASSAY_SPOOL_DIR"):
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "assay" / "spool"


def now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class SpoolState:
    """What a spool's records say: the session, its results and how far delivery got."""

    path: Path
    header: dict[str, Any] = field(default_factory=dict)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    acked: set[str] = field(default_factory=set)
    rejected: dict[str, str] = field(default_factory=dict)
    created: bool = False
    finish: dict[str, Any] | None = None
    finished: bool = False
    last_error: str | None = None
    last_at: str = ""
    torn: int = 0  # bytes of a torn last record, dropped
    unreadable: int = 0  # complete lines that are not records (should never happen)

    @property
    def url(self) -> str:
        return str(self.header.get("url", ""))

    @property
    def session(self) -> dict[str, Any]:
        return dict(self.header.get("session", {}))

    @property
    def session_id(self) -> str:
        return str(self.session.get("id", ""))

    @property
    def valid(self) -> bool:
        return self.header.get("format") == FORMAT and bool(self.url and self.session_id)

    def pending(self) -> list[dict[str, Any]]:
        """Results not yet stored by the server nor refused by it, in order."""
        done = self.acked | self.rejected.keys()
        return [r for rid, r in self.results.items() if rid not in done]

    @property
    def done(self) -> bool:
        return self.created and self.finished and not self.pending()

    def apply(self, record: dict[str, Any]) -> None:
        """Replay one record onto this state."""
        kind = record.get("type")
        self.last_at = str(record.get("at", self.last_at))
        if kind == "session":
            self.header = record
        elif kind == "results":
            for item in record.get("items", []):
                self.results[str(item["id"])] = item
        elif kind == "created":
            self.created = True
        elif kind == "acked":
            self.acked.update(record.get("ids", []))
        elif kind == "rejected":
            reason = str(record.get("reason", ""))
            self.rejected.update(dict.fromkeys(record.get("ids", []), reason))
        elif kind == "finish":
            self.finish = dict(record.get("patch", {}))
        elif kind == "finished":
            self.finished = True
        elif kind == "failure":
            self.last_error = str(record.get("error", ""))


def _parse(data: bytes, path: Path) -> tuple[SpoolState, int]:
    """The state, and the length of the intact prefix (everything up to the last newline)."""
    state = SpoolState(path)
    intact = data.rfind(b"\n") + 1
    state.torn = len(data) - intact
    for line in data[:intact].splitlines():
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("not a record")
            state.apply(record)
        except (ValueError, KeyError, TypeError):
            state.unreadable += 1
    return state, intact


def read_spool(path: Path) -> SpoolState:
    """Read a spool without locking or changing it (for status)."""
    state, _ = _parse(path.read_bytes(), path)
    return state


def list_spools(directory: Path) -> list[Path]:
    """Spool files in ``directory``, oldest first; none when it does not exist."""
    try:
        found = [p for p in directory.iterdir() if p.name.endswith(SUFFIX) and p.is_file()]
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.name))


def is_locked(path: Path) -> bool:
    """Whether a process is writing or sending this spool right now (changes nothing)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


class Spool:
    """One open, locked spool file: append records durably, read them back, remove it."""

    def __init__(self, path: Path, fd: int, size: int) -> None:
        self.path = path
        self._fd = fd
        self._size = size  # bytes known to be whole records

    @classmethod
    def create(cls, directory: Path, name: str, header: dict[str, Any]) -> Spool:
        """A new spool holding ``header``; OSError when the directory cannot be written."""
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = directory / f"{name}{SUFFIX}"
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        spool = cls(path, fd, 0)
        spool.append({"type": "session", "format": FORMAT, **header})
        _sync_directory(directory)  # the new name itself must survive a crash
        return spool

    @classmethod
    def open(cls, path: Path) -> Spool | None:
        """The spool, locked and with any torn tail cut off; None if another process has it
        (or it was just delivered and removed)."""
        try:
            fd = os.open(path, os.O_RDWR | os.O_APPEND)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.fstat(fd).st_ino != os.stat(path).st_ino:
                raise BlockingIOError  # removed and re-created while we waited
        except (BlockingIOError, FileNotFoundError):
            os.close(fd)
            return None
        spool = cls(path, fd, 0)
        _, intact = _parse(spool._read_all(), path)
        if intact != os.fstat(fd).st_size:
            os.ftruncate(fd, intact)
            os.fsync(fd)
        spool._size = intact
        return spool

    def _read_all(self) -> bytes:
        size = os.fstat(self._fd).st_size
        return os.pread(self._fd, size, 0)

    def read(self) -> SpoolState:
        state, _ = _parse(self._read_all(), self.path)
        return state

    def append(self, *records: dict[str, Any]) -> None:
        """Write whole records and fsync; on failure the file is cut back to whole records."""
        data = b"".join(
            json.dumps({**r, "at": now()}, default=str, separators=(",", ":")).encode() + b"\n"
            for r in records
        )
        try:
            view = memoryview(data)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
            os.fsync(self._fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self._size)
            raise
        self._size += len(data)

    def remove(self) -> None:
        """Delete the spool (everything was delivered) and release it."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self.close()

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # releases the lock
            self._fd = -1


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
