"""The server under test: ``create_app`` served by uvicorn on loopback, on SQLite and on
PostgreSQL (a throw-away database per test session), with a token of each role. Tests share
one server per backend and keep apart by using their own sessions; helpers they share live
in ``tests/support/server.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi import FastAPI

from assay.server import Settings, create_app
from assay.server.tokens import Role, create
from tests.support import postgres
from tests.support.http_service import HttpService
from tests.support.server import Served, settings_for


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'assay.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture(scope="session")
def serve() -> Iterator[Callable[..., Served]]:
    """Start servers on demand (stopped at the end of the test session)."""
    running: list[HttpService] = []

    def start(settings: Settings, app: FastAPI | None = None, port: int = 0) -> Served:
        app = app or create_app(settings)
        service = HttpService(app=app, lifespan="on", port=port)
        running.append(service)
        db = app.state.context.db
        tokens = {}
        for role in Role:
            _, secret = create(db, f"{role}-{uuid.uuid4().hex[:8]}", role)
            tokens[str(role)] = secret
        return Served(service.url, app, db, tokens, service.stop)

    yield start
    # stop them all at once: each waits out its lifespan shutdown on its own thread
    for service in running:
        service.server.should_exit = True
    for service in running:
        service.stop()


@pytest.fixture(scope="session")
def server(database_url: str, serve: Callable[..., Served]) -> Served:
    """The shared server for ``database_url``'s backend."""
    return serve(settings_for(database_url))


@pytest.fixture
def env() -> str:
    """A unique environment name: lists filtered by it see only this test's sessions."""
    return f"env-{uuid.uuid4().hex[:10]}"


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of this test's own: a monitors file owns the file monitors it holds."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'monitors.db'}"
        return
    request.getfixturevalue("postgres_url")  # PostgreSQL answers (or the run stops)
    name = f"assay_mon_{uuid.uuid4().hex[:12]}"
    admin = postgres.admin_url()
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{admin.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def serve_here(fresh_db: str, serve: Callable[..., Served]) -> Iterator[Callable[..., Served]]:
    """``serve`` for one test on ``fresh_db``: its servers stop when the test ends, before
    the database goes (their jobs would fail against it, and cost the next tests CPU)."""
    started: list[Served] = []

    def start(settings: Settings, app: FastAPI | None = None) -> Served:
        served = serve(settings, app)
        started.append(served)
        return served

    yield start
    for served in started:
        served.stop()
