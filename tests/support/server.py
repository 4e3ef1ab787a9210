"""The server under test in-process: settings for tests, a running server with a token per
role, and the assertions and bodies the server tests share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from assay.core.results import Phase, Status, StepResult
from assay.server import Settings
from assay.server.db import Database


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
    stop: Callable[[], None] = lambda: None  # ends it as a deployment would (lifespan too)

    def client(
        self, role: str | None = None, headers: dict[str, str] | None = None
    ) -> httpx.Client:
        auth = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return httpx.Client(base_url=self.url, headers=auth | (headers or {}), timeout=30)


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


def create_session(server: Served, env: str, **body: object) -> dict[str, object]:
    """A new session in environment ``env`` (runner token); fails the test unless 201."""
    with server.client("runner") as http:
        response = http.post("/api/v1/sessions", json={"environment": env} | body)
    assert response.status_code == 201, response.text
    return dict(response.json())
