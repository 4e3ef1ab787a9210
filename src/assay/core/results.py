"""Results of a run: one ``StepResult`` per executed (or skipped) step.

``StepResult`` is the one definition of a result: the JSON and YAML reports, the server's
API schemas and its table carry exactly its fields (tests/unit/test_result_shape.py).
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from assay.core.failures import Failure

MAX_RESULT_ID = 300  # the server keeps result ids of at most this many characters


def result_id(group: str, phase: str, index: int, suite: str = "", run_id: str = "") -> str:
    """The one way a result's id is built: ``[run_id/][suite::]group/phase/index``.

    Unique within a session for the results of one run (suite and group name the step);
    ``run_id`` keeps several runs reporting into one session apart. An id longer than
    ``MAX_RESULT_ID`` keeps the end of ``suite::group`` and a digest of all of it.
    """
    head = f"{run_id}/" if run_id else ""
    where = f"{suite}::{group}" if suite else group
    rid = f"{head}{where}/{phase}/{index}"
    if len(rid) <= MAX_RESULT_ID:
        return rid
    tail = f"~{hashlib.sha256(where.encode()).hexdigest()[:16]}/{phase}/{index}"
    room = max(0, MAX_RESULT_ID - len(head) - len(tail))
    return f"{head}{where[len(where) - room :] if room else ''}{tail}"[-MAX_RESULT_ID:]


class Status(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"  # the target misbehaved
    ERROR = "error"  # the step could not run
    SKIPPED = "skipped"


class Phase(enum.StrEnum):
    BEFORE = "before"
    TEST = "test"
    AFTER = "after"


@dataclass
class StepResult:
    """Outcome of one step."""

    group: str
    phase: Phase
    index: int
    name: str
    kind: str
    status: Status
    duration: float = 0.0
    attempts: int = 0
    message: str = ""
    target: str = ""
    credential: str = ""
    error_code: str | None = None
    http_status: int | None = None
    started_at: datetime | None = None
    suite: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)  # FAILED: each way, as data

    @property
    def id(self) -> str:
        """``group/phase/index``: unique within one suite's run (``result_id``)."""
        return result_id(self.group, str(self.phase), self.index)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["phase"] = str(self.phase)
        data["status"] = str(self.status)
        data["started_at"] = self.started_at.isoformat() if self.started_at else None
        data["duration"] = round(self.duration, 6)
        data["failures"] = [f.to_dict() for f in self.failures]
        return data


@dataclass
class RunResult:
    """All results of one run, in completion order grouped by group."""

    run_id: str
    suites: list[str]
    started_at: datetime
    finished_at: datetime | None = None
    results: list[StepResult] = field(default_factory=list)
    interrupted: bool = False
    faults: list[str] = field(default_factory=list)

    @property
    def duration(self) -> float:
        if self.finished_at is None:
            return 0.0
        return (self.finished_at - self.started_at).total_seconds()

    def counts(self) -> dict[str, int]:
        counts = {str(s): 0 for s in Status}
        for r in self.results:
            counts[str(r.status)] += 1
        counts["total"] = len(self.results)
        return counts

    def groups(self) -> list[str]:
        seen: dict[str, None] = {}
        for r in self.results:
            seen.setdefault(r.group, None)
        return list(seen)

    @property
    def ok(self) -> bool:
        """True when nothing failed, errored or was interrupted."""
        bad = {Status.FAILED, Status.ERROR}
        return (
            not self.interrupted
            and not self.faults
            and all(r.status not in bad for r in self.results)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "suites": self.suites,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "duration": round(self.duration, 6),
            "interrupted": self.interrupted,
            "faults": self.faults,
            "summary": self.counts(),
            "results": [r.to_dict() for r in self.results],
        }
