"""Database leases: at most one holder per name until the lease expires.

Taking a lease is one conditional UPDATE (or the first INSERT) in a write transaction, so
two workers racing for it cannot both win, on SQLite or PostgreSQL.
"""

from __future__ import annotations

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


def release(db: Database, name: str, holder: str) -> None:
    """Give the lease up early (on shutdown) so another worker can take it at once."""
    with db.write() as session:
        session.execute(
            update(JobLease)
            .where(JobLease.name == name, JobLease.holder == holder)
            .values(expires_at=utcnow())
        )
