"""The server under test: ``create_app`` served by uvicorn on loopback, on SQLite and on
PostgreSQL (a throw-away database per test session on 127.0.0.1:5432), with a token of each
role. Tests share one server per backend and keep apart by using their own sessions.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI

from assay.server import Settings, create_app
from assay.server.db import Database
from assay.server.tokens import Role, create
from tests.integration.http_service import HttpService

# the maintenance database on the local PostgreSQL (trust auth); override for other set-ups
ADMIN_URL = os.environ.get("ASSAY_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A uniquely named database, created for this test session and dropped after it."""
    name = f"assay_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is needed at {ADMIN_URL}: {exc}", pytrace=False)
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            base = ADMIN_URL.rsplit("/", 1)[0]
            yield f"{base}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'assay.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def settings_for(url: str, **overrides: Any) -> Settings:
    """Test settings: jobs on a slow clock unless a test asks otherwise."""
    values: dict[str, Any] = {"database_url": url, "data_dir": Path("/nonexistent-unused")}
    values |= {"heartbeat_interval": 3600.0, "housekeeping_interval": 3600.0}
    return Settings(**(values | overrides))


@dataclass
class Served:
    """A running server: its URL, app, database and a token per role."""

    url: str
    app: FastAPI
    db: Database
    tokens: dict[str, str]

    def client(
        self, role: str | None = None, headers: dict[str, str] | None = None
    ) -> httpx.Client:
        auth = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return httpx.Client(base_url=self.url, headers=auth | (headers or {}), timeout=30)


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
        return Served(service.url, app, db, tokens)

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


def assert_error(
    response: httpx.Response, status: int, code: str, field: str = ""
) -> dict[str, Any]:
    """The one error format, the status, the code, the request id, and the named field."""
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["status"] == status and error["code"] == code, error
    assert error["request_id"] and error["request_id"] == response.headers["x-request-id"]
    if field:
        fields = [d["field"] for d in error["details"]]
        assert field in fields, fields
        assert field in error["message"]
    return dict(error)


def step(index: int = 0, status: str = "passed", **extra: Any) -> dict[str, Any]:
    """A result as ``StepResult.to_dict()`` gives it."""
    from assay.core.results import Phase, Status, StepResult

    result = StepResult(
        group="objects",
        phase=Phase.TEST,
        index=index,
        name=f"put {index}",
        kind="s3.PutObject",
        status=Status(status),
        duration=0.0123,
        attempts=1,
        target="store",
        suite="suite.yaml",
    )
    return result.to_dict() | extra
