"""``/api/v1/sessions`` on SQLite and PostgreSQL: create, list, get, patch."""

from __future__ import annotations

import threading
import uuid

from tests.support.server import Served, assert_error, create_session


def test_sessions_create_returns_the_session(server: Served, env: str) -> None:
    body = {
        "environment": env,
        "name": "nightly",
        "suites": ["a.yaml", "b.yaml"],
        "labels": {"branch": "main", "ci.job": "42"},
    }
    with server.client("runner") as http:
        response = http.post("/api/v1/sessions", json=body)
    assert response.status_code == 201, response.text
    session = response.json()
    assert response.headers["location"] == f"/api/v1/sessions/{session['id']}"
    assert session["status"] == "running" and session["finished_at"] is None
    assert session["suites"] == ["a.yaml", "b.yaml"] and session["labels"]["ci.job"] == "42"
    assert session["summary"] == {"passed": 0, "failed": 0, "error": 0, "skipped": 0, "total": 0}
    assert session["created_by"] is not None
    assert session["started_at"].endswith("Z") or "+00:00" in session["started_at"]


def test_sessions_create_is_idempotent_with_a_client_id(server: Served, env: str) -> None:
    client_id = f"run-{uuid.uuid4().hex}"[:40]
    first = create_session(server, env, id=client_id, name="first")
    with server.client("runner") as http:
        again = http.post(
            "/api/v1/sessions", json={"environment": env, "id": client_id, "name": "retry"}
        )
        listed = http.get("/api/v1/sessions", params={"environment": env}).json()
    assert again.status_code == 200 and again.json()["name"] == "first" == first["name"]
    assert listed["total"] == 1


def test_sessions_racing_creates_with_one_client_id_make_one_session(
    server: Served, env: str
) -> None:
    client_id = f"race-{uuid.uuid4().hex}"[:40]
    statuses: list[int] = []

    def create() -> None:
        with server.client("runner") as http:
            body = {"environment": env, "id": client_id}
            statuses.append(http.post("/api/v1/sessions", json=body).status_code)

    threads = [threading.Thread(target=create) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 5 + [201]
    with server.client("viewer") as http:
        assert http.get("/api/v1/sessions", params={"environment": env}).json()["total"] == 1


def test_sessions_create_rejects_bad_bodies_naming_the_field(server: Served) -> None:
    with server.client("runner") as http:
        missing = http.post("/api/v1/sessions", json={"name": "x"})
        unknown = http.post("/api/v1/sessions", json={"environment": "e", "colour": "red"})
        label = http.post("/api/v1/sessions", json={"environment": "e", "labels": {"a b": "x"}})
        status = http.post("/api/v1/sessions", json={"environment": "e", "status": "done"})
        order = http.post(
            "/api/v1/sessions",
            json={
                "environment": "e",
                "started_at": "2024-05-02T00:00:00Z",
                "finished_at": "2024-05-01T00:00:00Z",
            },
        )
        not_json = http.post(
            "/api/v1/sessions", content=b"{oops", headers={"content-type": "application/json"}
        )
    assert_error(missing, 422, "validation_error", "body.environment")
    assert_error(unknown, 422, "validation_error", "body.colour")
    assert_error(label, 422, "validation_error", "body.labels.a b.[key]")
    assert_error(status, 422, "validation_error", "body.status")
    assert (
        "finished_at is before started_at"
        in assert_error(order, 422, "validation_error")["message"]
    )
    assert_error(not_json, 422, "validation_error")


def test_sessions_need_a_token(server: Served) -> None:
    with server.client() as http:
        for response in (
            http.post("/api/v1/sessions", json={"environment": "e"}),
            http.get("/api/v1/sessions"),
            http.get("/api/v1/sessions/whatever"),
            http.patch("/api/v1/sessions/whatever", json={"status": "passed"}),
        ):
            error = assert_error(response, 401, "unauthorized")
            assert response.headers["www-authenticate"] == "Bearer"
            assert "assay token create" in error["message"]
    with server.client(headers={"Authorization": "Bearer assay_0123456789ab_" + "x" * 43}) as http:
        assert_error(http.get("/api/v1/sessions"), 401, "unauthorized")
    with server.client(headers={"Authorization": "Basic dXNlcjpwYXNz"}) as http:
        assert_error(http.get("/api/v1/sessions"), 401, "unauthorized")


def test_sessions_writes_need_the_runner_role(server: Served, env: str) -> None:
    session = create_session(server, env)
    with server.client("viewer") as http:
        create = http.post("/api/v1/sessions", json={"environment": env})
        patch = http.patch(f"/api/v1/sessions/{session['id']}", json={"status": "passed"})
        read = http.get(f"/api/v1/sessions/{session['id']}")
    assert "runner role" in assert_error(create, 403, "forbidden")["message"]
    assert_error(patch, 403, "forbidden")
    assert read.status_code == 200 and read.json()["status"] == "running"
    with server.client("admin") as http:
        assert http.post("/api/v1/sessions", json={"environment": env}).status_code == 201


def test_sessions_get_returns_one_or_404(server: Served, env: str) -> None:
    session = create_session(server, env)
    with server.client("viewer") as http:
        found = http.get(f"/api/v1/sessions/{session['id']}")
        missing = http.get("/api/v1/sessions/no-such-session")
        too_long = http.get(f"/api/v1/sessions/{'x' * 65}")
    assert found.status_code == 200 and found.json() == session
    assert "no-such-session" in assert_error(missing, 404, "not_found")["message"]
    assert_error(too_long, 422, "validation_error", "path.session_id")


def test_sessions_patch_changes_fields_and_stamps_finished(server: Served, env: str) -> None:
    session = create_session(server, env, labels={"a": "1"})
    path = f"/api/v1/sessions/{session['id']}"
    with server.client("runner") as http:
        patched = http.patch(path, json={"status": "passed", "labels": {"b": "2"}})
        reopened = http.patch(path, json={"status": "running", "finished_at": None})
        renamed = http.patch(path, json={"name": "renamed"})
    assert patched.status_code == 200, patched.text
    assert patched.json()["status"] == "passed" and patched.json()["finished_at"] is not None
    assert patched.json()["labels"] == {"b": "2"}
    assert patched.json()["updated_at"] >= session["updated_at"]
    assert reopened.json()["finished_at"] is None and reopened.json()["status"] == "running"
    assert renamed.json()["name"] == "renamed" and renamed.json()["labels"] == {"b": "2"}


def test_sessions_patch_rejects_bad_bodies_and_missing_sessions(server: Served, env: str) -> None:
    session = create_session(server, env)
    path = f"/api/v1/sessions/{session['id']}"
    with server.client("runner") as http:
        bad_status = http.patch(path, json={"status": "finished"})
        null_env = http.patch(path, json={"environment": None})
        summary = http.patch(path, json={"summary": {"passed": 99}})
        before_start = http.patch(path, json={"finished_at": "2000-01-01T00:00:00Z"})
        missing = http.patch("/api/v1/sessions/nope", json={"status": "passed"})
    assert_error(bad_status, 422, "validation_error", "body.status")
    assert (
        "environment may not be null" in assert_error(null_env, 422, "validation_error")["message"]
    )
    assert_error(summary, 422, "validation_error", "body.summary")
    assert_error(before_start, 422, "validation_error")
    assert_error(missing, 404, "not_found")


def test_sessions_list_filters_and_paginates(server: Served, env: str) -> None:
    ids = [
        create_session(server, env, status=s, labels={"team": t})["id"]
        for s, t in [("running", "a"), ("passed", "b"), ("failed", "a"), ("passed", "a")]
    ]
    create_session(server, f"{env}-other")
    with server.client("viewer") as http:
        everything = http.get("/api/v1/sessions", params={"environment": env}).json()
        passed = http.get(
            "/api/v1/sessions", params={"environment": env, "status": "passed"}
        ).json()
        several = http.get(
            "/api/v1/sessions",
            params=[("environment", env), ("status", "passed"), ("status", "failed")],
        ).json()
        team_a = http.get("/api/v1/sessions", params={"environment": env, "label": "team=a"}).json()
        pages, cursor = [], None
        while True:
            params = {"environment": env, "limit": 3} | ({"cursor": cursor} if cursor else {})
            page = http.get("/api/v1/sessions", params=params).json()
            pages.append(page)
            cursor = page["next_cursor"]
            if cursor is None:
                break
    assert everything["total"] == 4 and [s["id"] for s in everything["items"]] == ids[::-1]
    assert passed["total"] == 2 and {s["status"] for s in passed["items"]} == {"passed"}
    assert several["total"] == 3
    assert team_a["total"] == 3 and all(s["labels"]["team"] == "a" for s in team_a["items"])
    assert [len(p["items"]) for p in pages] == [3, 1] and all(p["total"] == 4 for p in pages)
    assert [s["id"] for p in pages for s in p["items"]] == ids[::-1]


def test_sessions_list_rejects_bad_parameters(server: Served) -> None:
    with server.client("viewer") as http:
        limit = http.get("/api/v1/sessions", params={"limit": 0})
        status = http.get("/api/v1/sessions", params={"status": "nope"})
        label = http.get("/api/v1/sessions", params={"label": "no-equals-sign"})
        cursor = http.get("/api/v1/sessions", params={"cursor": "bm90IGEgY3Vyc29y"})
    assert_error(limit, 422, "validation_error", "query.limit")
    assert_error(status, 422, "validation_error", "query.status.0")
    assert_error(label, 422, "validation_error", "query.label.0")
    assert_error(cursor, 422, "validation_error", "query.cursor")
