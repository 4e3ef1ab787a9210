"""Results: idempotent batch ingestion that keeps the session's summary counts exact.

One transaction inserts the new rows (``ON CONFLICT DO NOTHING`` on the session's client
result id, so a retried or concurrent upload never duplicates) and adds the counts of the
rows actually inserted to the session. The session row is locked first (PostgreSQL), so
uploads to one session queue up instead of deadlocking on each other's ids.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Select, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from assay.core.results import Status
from assay.server.db.tables import Result, RunSession, utcnow
from assay.server.schemas import ResultIn, ResultOut, without_nul

Q = TypeVar("Q", bound=Select[Any])
CHUNK = 500  # rows per INSERT: well under SQLite's 32,766 bound parameters


@dataclass
class Ingested:
    accepted: list[str]
    duplicates: list[str]


def _row(session_id: str, result: ResultIn, now: Any) -> dict[str, Any]:
    data = result.model_dump(exclude={"id"})
    data["phase"] = str(result.phase)
    data["status"] = str(result.status)
    return {**data, "session_id": session_id, "result_id": result.result_id, "received_at": now}


def ingest(db: Session, session_id: str, results: list[ResultIn]) -> Ingested | None:
    """Store new results; None when the session does not exist."""
    lock = select(RunSession.id).where(RunSession.id == session_id).with_for_update()
    if db.scalar(lock) is None:
        return None
    unique: dict[str, ResultIn] = {}
    repeated: list[str] = []
    for result in results:
        key = result.result_id
        if key in unique:
            repeated.append(key)
        else:
            unique[key] = result
    now = utcnow()
    rows = [_row(session_id, r, now) for r in unique.values()]
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    inserted: list[tuple[str, str]] = []
    for start in range(0, len(rows), CHUNK):
        stmt = (
            dialect.insert(Result)
            .values(rows[start : start + CHUNK])
            .on_conflict_do_nothing(index_elements=["session_id", "result_id"])
            .returning(Result.result_id, Result.status)
        )
        inserted.extend((rid, status) for rid, status in db.execute(stmt))
    counts = Counter(status for _, status in inserted)
    if inserted:
        db.execute(
            update(RunSession)
            .where(RunSession.id == session_id)
            .values(
                passed=RunSession.passed + counts[Status.PASSED],
                failed=RunSession.failed + counts[Status.FAILED],
                error=RunSession.error + counts[Status.ERROR],
                skipped=RunSession.skipped + counts[Status.SKIPPED],
                total=RunSession.total + len(inserted),
                updated_at=now,
            )
        )
    new = {rid for rid, _ in inserted}
    duplicates = [key for key in unique if key not in new] + repeated
    return Ingested(accepted=[key for key in unique if key in new], duplicates=duplicates)


def to_out(row: Result) -> ResultOut:
    return ResultOut(
        id=row.result_id,
        session_id=row.session_id,
        group=row.group,
        phase=row.phase,
        index=row.index,
        name=row.name,
        kind=row.kind,
        status=row.status,
        duration=row.duration,
        attempts=row.attempts,
        message=row.message,
        target=row.target,
        credential=row.credential,
        error_code=row.error_code,
        http_status=row.http_status,
        started_at=row.started_at,
        suite=row.suite,
        details=dict(row.details),
        received_at=row.received_at,
    )


@dataclass
class ResultFilter:
    status: list[str] = field(default_factory=list)
    phase: str | None = None
    group: str | None = None
    kind: str | None = None
    suite: str | None = None

    def apply(self, query: Q) -> Q:
        if self.status:
            query = query.where(Result.status.in_(self.status))
        for column, value in (
            (Result.phase, self.phase),
            (Result.group, self.group),
            (Result.kind, self.kind),
            (Result.suite, self.suite),
        ):
            if value is not None:  # stored text has no NUL (schemas.without_nul)
                query = query.where(column == without_nul(value))
        return query


def page(
    db: Session, session_id: str, flt: ResultFilter, limit: int, after: int | None
) -> tuple[list[Result], int, bool]:
    """In arrival order: (rows, total matching the filter, whether more follow)."""
    query = flt.apply(select(Result).where(Result.session_id == session_id))
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    if after is not None:
        query = query.where(Result.pk > after)
    rows: list[Result] = list(db.scalars(query.order_by(Result.pk).limit(limit + 1)))
    return rows[:limit], total, len(rows) > limit
