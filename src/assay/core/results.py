"""Results of a run: one ``StepResult`` per executed (or skipped) step."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


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

    @property
    def id(self) -> str:
        return f"{self.group}/{self.phase}/{self.index}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["phase"] = str(self.phase)
        data["status"] = str(self.status)
        data["started_at"] = self.started_at.isoformat() if self.started_at else None
        data["duration"] = round(self.duration, 6)
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
