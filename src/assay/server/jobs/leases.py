"""Database leases: at most one holder per name until the lease expires.

Taking a lease is one conditional UPDATE (or the first INSERT) in a write transaction, so
two workers racing for it cannot both win, on SQLite or PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from assay.server.db import Database
from assay.server.db.tables import JobLease, utcnow


def acquire(db: Database, name: str, holder: str, seconds: float) -> bool:
    """True when ``holder`` now holds the lease ``name`` for ``seconds``."""
    now = utcnow()
    until = now + timedelta(seconds=seconds)
    try:
        with db.write() as session:
            taken = session.execute(  # type: ignore[attr-defined]  # a CursorResult
                update(JobLease)
                .where(JobLease.name == name)
                .where(or_(JobLease.holder == holder, JobLease.expires_at < now))
                .values(holder=holder, expires_at=until)
            ).rowcount
            if taken:
                return True
            if session.get(JobLease, name) is not None:
                return False
            session.add(JobLease(name=name, holder=holder, expires_at=until))
        return True
    except IntegrityError:  # another worker inserted the first lease just now
        return False


def renew(db: Database, name: str, holder: str, seconds: float) -> bool:
    """Extend ``holder``'s lease ``name`` to ``seconds`` from now; False if another holds it.

    Unlike ``acquire`` it never takes a lease someone else holds, nor creates one: a worker
    that lost its lease mid-run must learn so, not silently win it back.
    """
    until = utcnow() + timedelta(seconds=seconds)
    with db.write() as session:
        renewed = session.execute(  # type: ignore[attr-defined]  # a CursorResult
            update(JobLease)
            .where(JobLease.name == name, JobLease.holder == holder)
            .values(expires_at=until)
        ).rowcount
    return bool(renewed)


def release(db: Database, name: str, holder: str) -> None:
    """Give the lease up early (on shutdown) so another worker can take it at once."""
    with db.write() as session:
        session.execute(
            update(JobLease)
            .where(JobLease.name == name, JobLease.holder == holder)
            .values(expires_at=utcnow())
        )


def release_all(db: Database, holder: str, keep: Collection[str] = ()) -> None:
    """Give up every lease ``holder`` holds but those named in ``keep`` (runs still going
    on at shutdown): one statement however many singleton jobs this worker has."""
    query = update(JobLease).where(JobLease.holder == holder)
    if keep:
        query = query.where(JobLease.name.not_in(list(keep)))
    with db.write() as session:
        session.execute(query.values(expires_at=utcnow()))
