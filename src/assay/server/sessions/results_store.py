"""Results: idempotent batch ingestion that keeps the session's summary counts exact.

One transaction locks the session row (PostgreSQL ``FOR UPDATE``; SQLite's write
transactions are exclusive anyway), looks up which of the batch's client result ids the
session already has, inserts the others in one executemany, and adds their counts to the
session. Uploads to one session therefore queue up instead of racing, and a retried upload
never duplicates (the unique constraint on ``(session_id, result_id)`` stays as the last guard).

Why not one multi-row ``INSERT ... ON CONFLICT DO NOTHING RETURNING``: SQLAlchemy compiles a
500-row VALUES clause anew for every batch (~0.7 s of CPU per 500 rows here), and psycopg
rewrites its 9,500 placeholders on every call; an executemany of one cached statement
(psycopg's pipeline mode, sqlite3's executemany) costs a tenth of that.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import RowMapping, Select, func, insert, select, update
from sqlalchemy.orm import Session

from assay.core.results import Status
from assay.server.api.models import without_nul
from assay.server.db.tables import utcnow
from assay.server.sessions.schemas import ResultIn, ResultOut
from assay.server.sessions.tables import Result, RunSession

Q = TypeVar("Q", bound=Select[Any])
CHUNK = 500  # ids per lookup: well under SQLite's 32,766 bound parameters
# attribute name -> column name ("group" is stored as group_name, "index" as step_index)
_COLUMN = {attr.key: attr.columns[0].name for attr in Result.__mapper__.column_attrs}
_INSERT = insert(Result.metadata.tables[Result.__tablename__])
_SESSIONS = RunSession.metadata.tables[RunSession.__tablename__]


@dataclass
class Ingested:
    accepted: list[str]
    duplicates: list[str]


def _row(session_id: str, result: ResultIn, now: Any) -> dict[str, Any]:
    """The result as a row of the results table, keyed by column name."""
    data = result.model_dump(exclude={"id"})
    data["phase"] = str(result.phase)
    data["status"] = str(result.status)
    data["failures"] = [f.model_dump(mode="json") for f in result.failures]
    data |= {"session_id": session_id, "result_id": result.result_id, "received_at": now}
    return {_COLUMN[key]: value for key, value in data.items()}


def exists(db: Session, session_id: str, result_id: str) -> bool:
    """Whether the session holds a result with this id."""
    return bool(_stored(db, session_id, [result_id]))


def _stored(db: Session, session_id: str, ids: list[str]) -> set[str]:
    """Which of ``ids`` the session already has."""
    found: set[str] = set()
    for start in range(0, len(ids), CHUNK):
        found.update(
            db.scalars(
                select(Result.result_id).where(
                    Result.session_id == session_id,
                    Result.result_id.in_(ids[start : start + CHUNK]),
                )
            )
        )
    return found


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
    stored = _stored(db, session_id, list(unique))
    new = [r for key, r in unique.items() if key not in stored]
    if new:
        now = utcnow()
        db.execute(_INSERT, [_row(session_id, r, now) for r in new])
        counts = Counter(r.status for r in new)
        c = _SESSIONS.c  # the table, not the ORM class: no ORM bulk-update bookkeeping
        db.execute(
            update(_SESSIONS)
            .where(c.id == session_id)
            .values(
                passed=c.passed + counts[Status.PASSED],
                failed=c.failed + counts[Status.FAILED],
                error=c.error + counts[Status.ERROR],
                skipped=c.skipped + counts[Status.SKIPPED],
                total=c.total + len(new),
                updated_at=now,
            )
        )
    duplicates = [key for key in unique if key in stored] + repeated
    return Ingested(accepted=[key for key in unique if key not in stored], duplicates=duplicates)


# the columns a page shows, selected as such: no ORM objects to build for a page of rows
_PAGE = (
    Result.pk,
    Result.result_id,
    Result.session_id,
    Result.group,
    Result.phase,
    Result.index.label("step_index"),  # a Row has an index() method already
    Result.name,
    Result.kind,
    Result.status,
    Result.duration,
    Result.attempts,
    Result.message,
    Result.target,
    Result.credential,
    Result.error_code,
    Result.http_status,
    Result.started_at,
    Result.suite,
    Result.details,
    Result.failures,
    Result.received_at,
)


def to_out(row: RowMapping) -> ResultOut:
    """A result for the API from a row of ``_PAGE``'s columns."""
    return ResultOut(
        id=row["result_id"],
        session_id=row["session_id"],
        group=row["group"],
        phase=row["phase"],
        index=row["step_index"],
        name=row["name"],
        kind=row["kind"],
        status=row["status"],
        duration=row["duration"],
        attempts=row["attempts"],
        message=row["message"],
        target=row["target"],
        credential=row["credential"],
        error_code=row["error_code"],
        http_status=row["http_status"],
        started_at=row["started_at"],
        suite=row["suite"],
        details=dict(row["details"]),
        failures=list(row["failures"]),
        received_at=row["received_at"],
    )


@dataclass
class ResultFilter:
    status: list[str] = field(default_factory=list)
    phase: str | None = None
    group: str | None = None
    kind: str | None = None
    suite: str | None = None

    def total_from(self, counts: RowMapping) -> int | None:
        """The total from a session's summary counts, when the filter allows (else None)."""
        if any(v is not None for v in (self.phase, self.group, self.kind, self.suite)):
            return None
        if not self.status:
            return int(counts["total"])
        return sum(int(counts[s]) for s in set(self.status))

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
) -> tuple[list[ResultOut], int, int | None] | None:
    """In arrival order: (results, total matching the filter, the last one's key when more
    follow), or None when the session does not exist.

    Without a filter (or with one on status alone) the total is the session's summary
    counts, which every insert keeps exact, instead of counting the rows again.
    """
    counts = db.execute(
        select(
            RunSession.passed,
            RunSession.failed,
            RunSession.error,
            RunSession.skipped,
            RunSession.total,
        ).where(RunSession.id == session_id)
    ).first()
    if counts is None:
        return None
    total = flt.total_from(counts._mapping)
    if total is None:
        where = flt.apply(select(func.count()).select_from(Result))
        total = db.scalar(where.where(Result.session_id == session_id)) or 0
    query = flt.apply(select(*_PAGE).where(Result.session_id == session_id))
    if after is not None:
        query = query.where(Result.pk > after)
    rows = db.execute(query.order_by(Result.pk).limit(limit + 1)).all()
    last = rows[limit - 1].pk if len(rows) > limit else None
    return [to_out(r._mapping) for r in rows[:limit]], total, last
