"""A writer for the concurrency tests, importable by spawned processes."""

from __future__ import annotations

from assay.server.db import Database
from assay.server.sessions import results_store as results
from assay.server.sessions.schemas import ResultIn


def write_many(url: str | Database, session_id: str, worker: int, batches: int) -> int:
    """Upload ``batches`` batches of 5 results, each its own write transaction; a URL opens
    a database of this process's own (as another server process would)."""
    db = Database(url) if isinstance(url, str) else url
    stored = 0
    try:
        for batch in range(batches):
            items = [
                ResultIn(
                    id=f"w{worker}-b{batch}-{n}",
                    group="g",
                    phase="test",  # type: ignore[arg-type]
                    index=n,
                    name="step",
                    kind="s3.PutObject",
                    status="passed" if n % 2 else "failed",  # type: ignore[arg-type]
                )
                for n in range(5)
            ]
            with db.write() as session:
                done = results.ingest(session, session_id, items)
                assert done is not None
                stored += len(done.accepted)
    finally:
        if isinstance(url, str):
            db.dispose()
    return stored
