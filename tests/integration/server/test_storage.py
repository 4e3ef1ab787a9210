"""Storage on SQLite and PostgreSQL: migrations, concurrent writers, leases, jobs, errors."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from assay.core.errors import RuntimeFault, UsageError
from assay.server.db import Database, normalise_url
from assay.server.db.errors import cli_errors, describe
from assay.server.db.migrate import alembic_config, current_revision, head_revision, upgrade
from assay.server.db.tables import Base, JobLease, utcnow
from assay.server.features import TABLES
from assay.server.jobs import Job, JobContext, JobRegistry, Scheduler, leases
from assay.server.sessions import store as sessions
from assay.server.sessions.schemas import SessionCreate
from assay.server.sessions.tables import Result, RunSession
from tests.support.server import settings_for
from tests.support.writers import write_many


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    upgrade(database.engine)
    yield database
    database.dispose()


def _new_session(db: Database) -> str:
    with db.write() as session:
        row, _ = sessions.create(session, SessionCreate(environment="storage"), "test")
        return row.id


def test_storage_migrations_match_the_tables(db: Database) -> None:
    with db.engine.connect() as conn:
        assert current_revision(conn) == head_revision()
        assert {t.__name__ for t in TABLES} >= {"assay.server.monitors.tables"}
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_storage_migrations_go_down_and_up_again(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'a' / 'b' / 'fresh.db'}")  # dirs are created
    assert upgrade(database.engine) == head_revision()
    with database.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
        assert current_revision(conn) is None
    assert upgrade(database.engine) == head_revision()
    assert upgrade(database.engine) == head_revision()  # idempotent
    database.dispose()


def test_storage_refuses_a_database_from_a_newer_assay(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    try:
        with pytest.raises(RuntimeFault, match="'9999', which assay .* does not know"):
            upgrade(db.engine)
    finally:
        with db.engine.begin() as conn:
            conn.execute(
                text("UPDATE alembic_version SET version_num = :v"), {"v": head_revision()}
            )


def test_storage_concurrent_threads_never_see_a_locked_database(db: Database) -> None:
    sid = _new_session(db)
    stored: list[int] = []
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            stored.append(write_many(db, sid, worker, 10))  # one pool, as in the server
        except BaseException as exc:  # the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    _assert_counts(db, sid, sum(stored), 8 * 10 * 5)


def test_storage_concurrent_processes_never_see_a_locked_database(db: Database) -> None:
    sid = _new_session(db)
    url = db.url.render_as_string(hide_password=False)
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        stored = pool.starmap(write_many, [(url, sid, w, 15) for w in range(4)])
    _assert_counts(db, sid, sum(stored), 4 * 15 * 5)


def _assert_counts(db: Database, sid: str, stored: int, expected: int) -> None:
    with db.read() as session:
        rows = session.scalar(select(func.count()).where(Result.session_id == sid))
        failed = session.scalar(
            select(func.count()).where(Result.session_id == sid, Result.status == "failed")
        )
        row = session.get_one(RunSession, sid)
    assert stored == rows == row.total == expected
    assert row.failed == failed and row.passed == expected - failed


def test_storage_a_lease_has_one_holder_until_it_expires(db: Database) -> None:
    name = f"lease-{utcnow().timestamp()}"
    assert leases.acquire(db, name, "a", 60)
    assert not leases.acquire(db, name, "b", 60)
    assert leases.acquire(db, name, "a", 60)  # the holder renews
    leases.release(db, name, "a")
    assert leases.acquire(db, name, "b", 60)
    with db.write() as session:
        session.get_one(JobLease, name).expires_at = utcnow() - timedelta(seconds=1)
    assert leases.acquire(db, name, "a", 60)


def test_storage_racing_workers_take_a_lease_once(db: Database) -> None:
    name = f"race-{utcnow().timestamp()}"
    wins: list[str] = []

    def take(worker: str) -> None:
        if leases.acquire(db, name, worker, 60):
            wins.append(worker)

    threads = [threading.Thread(target=take, args=(f"w{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(wins) == 1


def test_storage_a_singleton_job_runs_in_one_worker(db: Database, database_url: str) -> None:
    calls: list[str] = []
    registry = JobRegistry()
    job = registry.add(
        Job(
            f"single-{utcnow().timestamp()}",
            60,
            lambda ctx: calls.append(ctx.worker_id),
            singleton=True,
        )
    )
    import logging

    schedulers = [
        Scheduler(registry, JobContext(db, settings_for(database_url), w, logging.getLogger()))
        for w in ("one", "two")
    ]
    for scheduler in schedulers:
        scheduler.run_once(job)
    assert calls == ["one"]
    assert schedulers[0].states[job.name].last_status == "ok"
    assert schedulers[1].states[job.name].last_status == "skipped"


def test_storage_job_registry_rejects_duplicates() -> None:
    registry = JobRegistry()
    registry.add(Job("a", 1, lambda ctx: None))
    with pytest.raises(ValueError, match="registered twice"):
        registry.add(Job("a", 1, lambda ctx: None))
    with pytest.raises(ValueError, match="positive interval"):
        registry.add(Job("b", 0, lambda ctx: None))


def test_storage_errors_are_translated_at_one_boundary(tmp_path: Path) -> None:
    from tests.support.ports import free_port

    down = Database(f"postgresql://assay:s3cret-pass@127.0.0.1:{free_port()}/x")
    with pytest.raises(OperationalError) as caught, down.read() as session:
        session.execute(text("SELECT 1"))
    problem = describe(caught.value)
    assert (problem.status, problem.code) == (503, "database_unavailable")
    with (
        pytest.raises(RuntimeFault, match="cannot reach the database at postgresql") as fault,
        cli_errors(down.display_url),
        down.read() as session,
    ):
        session.execute(text("SELECT 1"))
    assert "s3cret-pass" not in str(fault.value) and "***" in str(fault.value)
    down.dispose()
    with pytest.raises(UsageError, match="unsupported database 'mysql'"):
        Database("mysql://x@y/z")
    with pytest.raises(UsageError, match="not valid"):
        Database("::not a url::")
    assert normalise_url("postgres://u@h/d").drivername == "postgresql+psycopg"
    blocked = tmp_path / "file"
    blocked.write_text("")
    with pytest.raises(UsageError, match="cannot create the directory"):
        Database(f"sqlite:///{blocked / 'sub' / 'x.db'}")
