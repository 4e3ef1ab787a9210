"""The monitors API on SQLite and PostgreSQL: create, list, read, replace, patch, pause,
resume, run now, delete; credentials by reference only; the file's monitors read-only."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.server import Served, assert_error, settings_for
from tests.support.wait import wait_until

TOKEN_ENV = "ITEST_MONITOR_API_TOKEN"
SECRET = "tok-3b1e5a7f-do-not-show"


def spec(name: str, url: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "interval": 3600,  # runs only when asked to (run now), within this test
        "labels": {"team": "core"},
        "target": {
            "type": "http",
            "base_url": url,
            "retries": {"max_attempts": 1},
            "credentials": {"api": {"token": f"${{{TOKEN_ENV}}}"}},
        },
        "check": {"http.request": {"path": "/health"}, "as": "api"},
    } | extra


@pytest.fixture
def api(fresh_db: str, serve_here: Callable[..., Served], tmp_path: Path) -> Served:
    os.environ[TOKEN_ENV] = SECRET
    path = tmp_path / "monitors.yaml"
    path.write_text(
        "monitors:\n  - name: from-file\n    interval: 3600\n"
        "    target: {type: net, host: 127.0.0.1}\n    check: {tcp.connect: {port: 9}}\n",
        encoding="utf-8",
    )
    return serve_here(settings_for(fresh_db, monitors_file=path))


def runs(served: Served, name: str) -> int:
    with served.client("viewer") as http:
        return int(http.get(f"/api/v1/monitors/{name}").json()["state"]["runs"])


def test_monitors_api_life_cycle(api: Served) -> None:
    with api.client("runner") as http:
        created = http.post("/api/v1/monitors", json=spec("web", api.url))
        again = http.post("/api/v1/monitors", json=spec("web", api.url))
        other = http.put("/api/v1/monitors/db", json=spec("db", api.url, labels={"team": "x"}))
        replaced = http.put(
            "/api/v1/monitors/db", json=spec("db", api.url, interval=600, labels={"team": "x"})
        )
        patched = http.patch("/api/v1/monitors/db", json={"description": "the database"})
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/api/v1/monitors/web"
    body = created.json()
    assert body["origin"] == "api" and body["version"] == 1
    assert body["spec"]["target"]["credentials"]["api"]["token"] == f"${{{TOKEN_ENV}}}"
    assert SECRET not in created.text
    assert_error(again, 409, "conflict")
    assert other.status_code == 201 and replaced.status_code == 200
    assert replaced.json()["version"] == 2 and replaced.json()["spec"]["interval"] == 600
    assert patched.json()["spec"]["description"] == "the database"
    assert patched.json()["spec"]["interval"] == 600 and patched.json()["version"] == 3
    with api.client("viewer") as http:
        everything = http.get("/api/v1/monitors").json()
        core = http.get("/api/v1/monitors", params={"label": "team=core"}).json()
        first = http.get("/api/v1/monitors", params={"limit": 2}).json()
        rest = http.get(
            "/api/v1/monitors", params={"limit": 2, "cursor": first["next_cursor"]}
        ).json()
        from_file = http.get("/api/v1/monitors", params={"origin": "file"}).json()
    assert [m["name"] for m in everything["items"]] == ["db", "from-file", "web"]
    assert [m["name"] for m in core["items"]] == ["web"] and core["total"] == 1
    assert [m["name"] for m in first["items"] + rest["items"]] == ["db", "from-file", "web"]
    assert rest["next_cursor"] is None
    assert [m["name"] for m in from_file["items"]] == ["from-file"]


def test_monitors_api_run_now_pause_resume_and_delete(api: Served) -> None:
    with api.client("runner") as http:
        assert http.post("/api/v1/monitors", json=spec("web", api.url)).status_code == 201
        queued = http.post("/api/v1/monitors/web/run")
    assert queued.status_code == 202, queued.text
    assert queued.json() == {
        "monitor": "web",
        "status": "queued",
        "status_url": "/api/v1/monitors/web",
    }
    wait_until(lambda: runs(api, "web") >= 1, 30, 0.05, "run now never ran")
    with api.client("viewer") as http:
        state = http.get("/api/v1/monitors/web").json()["state"]
    # the server's own /health answers 200: the check ran against a real endpoint
    assert state["last_verdict"] == "up" and state["state"] == "up", state
    with api.client("runner") as http:
        paused = http.post("/api/v1/monitors/web/pause")
        assert paused.json()["paused"] is True and paused.json()["state"]["state"] == "paused"
        assert http.post("/api/v1/monitors/web/run").status_code == 202
    before = runs(api, "web")
    with api.client("runner") as http:
        resumed = http.post("/api/v1/monitors/web/resume")
        assert resumed.json()["paused"] is False
        assert resumed.json()["state"]["state"] == "unknown"
        http.post("/api/v1/monitors/web/run")
    wait_until(lambda: runs(api, "web") > before, 30, 0.05, "no run after resuming")
    with api.client("runner") as http:
        assert http.delete("/api/v1/monitors/web").status_code == 204
        assert_error(http.get("/api/v1/monitors/web"), 404, "not_found")
        assert_error(http.delete("/api/v1/monitors/web"), 404, "not_found")
        assert_error(http.post("/api/v1/monitors/web/run"), 404, "not_found")


def test_monitors_api_refuses_bad_monitors_clearly(api: Served) -> None:
    literal = spec("leaky", api.url)
    literal["target"]["credentials"]["api"]["token"] = SECRET
    with api.client("runner") as http:
        leaky = http.post("/api/v1/monitors", json=literal)
        unknown_kind = http.post(
            "/api/v1/monitors", json=spec("x", api.url, check={"http.nope": {}})
        )
        bad_interval = http.post("/api/v1/monitors", json=spec("y", api.url, interval="soon"))
        extra = http.post("/api/v1/monitors", json=spec("z", api.url, colour="red"))
        mismatch = http.put("/api/v1/monitors/a", json=spec("b", api.url))
        file_owned = [
            http.put("/api/v1/monitors/from-file", json=spec("from-file", api.url)),
            http.patch("/api/v1/monitors/from-file", json={"interval": 5}),
            http.delete("/api/v1/monitors/from-file"),
            http.post("/api/v1/monitors/from-file/pause"),
        ]
    with api.client("viewer") as http:
        forbidden = http.post("/api/v1/monitors", json=spec("v", api.url))
    body = assert_error(leaky, 422, "validation_error", "body.target.credentials.api.token")
    assert SECRET not in leaky.text and "${ENV_NAME}" in body["message"]
    assert_error(unknown_kind, 422, "validation_error")
    assert_error(bad_interval, 422, "validation_error", "body.interval")
    assert_error(extra, 422, "validation_error", "body.colour")
    assert_error(mismatch, 422, "validation_error", "body.name")
    for answer in file_owned:
        assert "monitors file" in assert_error(answer, 409, "conflict")["message"]
    assert_error(forbidden, 403, "forbidden")


def test_monitors_file_problems_name_the_file_and_field(tmp_path: Path) -> None:
    from assay.core.errors import UsageError
    from assay.server import load_settings

    path = tmp_path / "monitors.yaml"
    path.write_text(
        "monitors:\n  - name: a\n    interval: soon\n"
        "    target: {type: net, host: 127.0.0.1}\n    check: {tcp.connect: {port: 9}}\n"
        "    alerts: [{on: [down], notify: [nobody]}]\n",
        encoding="utf-8",
    )
    with pytest.raises(UsageError) as caught:
        load_settings(database_url="sqlite:///x.db", monitors_file=path)
    text = str(caught.value)
    assert str(path) in text and "monitors[0].interval (line 3)" in text
    path.write_text(path.read_text().replace("soon", "30s"), encoding="utf-8")
    with pytest.raises(UsageError, match="no provider named 'nobody'"):
        load_settings(database_url="sqlite:///x.db", monitors_file=path)
