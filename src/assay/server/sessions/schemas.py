"""The sessions feature's request and response models (pydantic), apart from its tables.

``ResultIn`` accepts exactly what ``assay.core.results.StepResult.to_dict()`` produces, plus
an optional client ``id`` that makes re-uploads idempotent.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from assay.core.failures import Part
from assay.core.identifiers import LABEL_KEY, MAX_LABEL_VALUE, SESSION_ID
from assay.core.results import MAX_RESULT_ID, Phase, Status, result_id
from assay.server.api.models import Short, Strict, When

ClientId = Annotated[str, StringConstraints(pattern=SESSION_ID)]
LabelKey = Annotated[str, StringConstraints(pattern=LABEL_KEY)]
LabelValue = Annotated[str, StringConstraints(max_length=MAX_LABEL_VALUE)]
Labels = Annotated[dict[LabelKey, LabelValue], Field(max_length=50)]
Suites = Annotated[list[Annotated[str, StringConstraints(max_length=500)]], Field(max_length=100)]


class SessionStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    INTERRUPTED = "interrupted"

    @property
    def finished(self) -> bool:
        return self not in (SessionStatus.PENDING, SessionStatus.RUNNING)


class SessionCreate(Strict):
    """A new session; give ``id`` to make creation idempotent (a retry returns the first)."""

    id: ClientId | None = None
    name: Short = ""
    environment: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    suites: Suites = []
    status: SessionStatus = SessionStatus.RUNNING
    labels: Labels = {}
    started_at: When | None = None
    finished_at: When | None = None

    @model_validator(mode="after")
    def _order(self) -> SessionCreate:
        if self.started_at and self.finished_at and self.finished_at < self.started_at:
            raise ValueError("finished_at is before started_at")
        return self


class SessionPatch(Strict):
    """Fields to change; absent fields stay as they are. Summary counts come from results."""

    name: Short | None = None
    environment: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    suites: Suites | None = None
    status: SessionStatus | None = None
    labels: Labels | None = None
    started_at: When | None = None
    finished_at: When | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> SessionPatch:
        nullable = {"finished_at"}
        for name in self.model_fields_set - nullable:
            if getattr(self, name) is None:
                raise ValueError(f"{name} may not be null")
        return self


class Summary(BaseModel):
    passed: int = 0
    failed: int = 0
    error: int = 0
    skipped: int = 0
    total: int = 0


class SessionOut(BaseModel):
    id: str
    name: str
    environment: str
    suites: list[str]
    status: SessionStatus
    labels: dict[str, str]
    started_at: datetime
    finished_at: datetime | None
    created_at: datetime
    updated_at: datetime
    created_by: str | None
    summary: Summary


class FailureIn(Strict):
    """One way a FAILED result's observation contradicted its expectation (``Failure``)."""

    expectation: Part
    subject: Annotated[str, StringConstraints(max_length=2000)] = ""
    seen: Any = None
    wanted: Any = None
    text: Annotated[str, StringConstraints(max_length=10_000)] = ""
    observed: bool = True


class ResultIn(Strict):
    """One step's result, as ``StepResult.to_dict()`` gives it."""

    id: Annotated[str, StringConstraints(min_length=1, max_length=MAX_RESULT_ID)] | None = None
    group: Annotated[str, StringConstraints(max_length=300)]
    phase: Phase
    index: Annotated[int, Field(ge=0)]
    name: Annotated[str, StringConstraints(max_length=2000)]
    kind: Short
    status: Status
    duration: Annotated[float, Field(ge=0)] = 0.0
    attempts: Annotated[int, Field(ge=0)] = 0
    message: Annotated[str, StringConstraints(max_length=100_000)] = ""
    target: Short = ""
    credential: Short = ""
    error_code: Short | None = None
    http_status: Annotated[int, Field(ge=0, le=999)] | None = None
    started_at: When | None = None
    suite: Annotated[str, StringConstraints(max_length=2000)] = ""
    details: dict[str, Any] = {}
    failures: Annotated[list[FailureIn], Field(max_length=1000)] = []

    @property
    def result_id(self) -> str:
        """The client's id, or ``suite::group/phase/index`` (``core.results.result_id``)."""
        return self.id or result_id(self.group, str(self.phase), self.index, self.suite)


class ResultBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")  # not Strict: each ResultIn cleans itself

    results: Annotated[list[ResultIn], Field(min_length=1)]


class ResultOut(BaseModel):
    id: str
    session_id: str
    group: str
    phase: Phase
    index: int
    name: str
    kind: str
    status: Status
    duration: float
    attempts: int
    message: str
    target: str
    credential: str
    error_code: str | None
    http_status: int | None
    started_at: datetime | None
    suite: str
    details: dict[str, Any]
    failures: list[FailureIn]
    received_at: datetime


class IngestOut(BaseModel):
    """What an upload did: new results, and ids already stored (a retry, not duplicated)."""

    accepted: int
    duplicates: int
    duplicate_ids: list[str]
    summary: Summary
