"""``/api/v1/sessions/{id}/results`` on SQLite and PostgreSQL: batch upload, idempotency,
summary counts, listing with filters and cursors."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, datetime

from assay.core.results import Phase, Status, StepResult
from tests.support.server import Served, assert_error, step


def _session(server: Served, env: str) -> str:
    with server.client("runner") as http:
        response = http.post("/api/v1/sessions", json={"environment": env})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_results_accept_exactly_what_step_result_to_dict_gives(server: Served, env: str) -> None:
    sid = _session(server, env)
    result = StepResult(
        group="private objects",
        phase=Phase.AFTER,
        index=3,
        name="s3.GetObject guest",
        kind="s3.GetObject",
        status=Status.FAILED,
        duration=0.25,
        attempts=2,
        message="expected AccessDenied, got 200",
        target="store",
        credential="guest",
        error_code="AccessDenied",
        http_status=200,
        started_at=datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
        suite="examples/permissions.yaml",
        details={"response": {"ETag": "abc"}, "list": [1, 2]},
    )
    payload = result.to_dict()
    assert set(payload) == {f.name for f in dataclasses.fields(StepResult)}
    with server.client("runner") as http:
        response = http.post(f"/api/v1/sessions/{sid}/results", json={"results": [payload]})
        listed = http.get(f"/api/v1/sessions/{sid}/results").json()
    assert response.status_code == 201, response.text
    assert response.json()["accepted"] == 1 and response.json()["summary"]["failed"] == 1
    stored = listed["items"][0]
    assert stored["id"] == "examples/permissions.yaml::private objects/after/3"
    for key, value in payload.items():
        if key == "started_at":
            assert datetime.fromisoformat(stored[key].replace("Z", "+00:00")) == result.started_at
        else:
            assert stored[key] == value, key


def test_results_retried_upload_never_duplicates(server: Served, env: str) -> None:
    sid = _session(server, env)
    batch = {"results": [step(i, "passed" if i % 3 else "failed", id=f"r{i}") for i in range(6)]}
    with server.client("runner") as http:
        first = http.post(f"/api/v1/sessions/{sid}/results", json=batch)
        retry = http.post(f"/api/v1/sessions/{sid}/results", json=batch)
        overlap = http.post(
            f"/api/v1/sessions/{sid}/results",
            json={"results": [step(5, id="r5"), step(6, "skipped", id="r6"), step(6, id="r6")]},
        )
        session = http.get(f"/api/v1/sessions/{sid}").json()
        listed = http.get(f"/api/v1/sessions/{sid}/results").json()
    assert first.status_code == 201 and first.json()["accepted"] == 6
    assert retry.status_code == 200 and retry.json()["accepted"] == 0
    assert retry.json()["duplicates"] == 6 and sorted(retry.json()["duplicate_ids"])[0] == "r0"
    assert overlap.json()["accepted"] == 1 and overlap.json()["duplicate_ids"] == ["r5", "r6"]
    assert session["summary"] == {"passed": 4, "failed": 2, "error": 0, "skipped": 1, "total": 7}
    assert listed["total"] == 7 and len({r["id"] for r in listed["items"]}) == 7


def test_results_concurrent_uploads_keep_counts_exact(server: Served, env: str) -> None:
    sid = _session(server, env)
    errors: list[str] = []

    def upload(worker: int) -> None:
        with server.client("runner") as http:
            for batch in range(5):
                # overlapping ids across workers: each id must be stored once
                ids = [(worker + batch + n) % 40 for n in range(8)]
                results = [step(i, ["passed", "failed", "error"][i % 3], id=f"c{i}") for i in ids]
                response = http.post(f"/api/v1/sessions/{sid}/results", json={"results": results})
                if response.status_code not in (200, 201):
                    errors.append(response.text)

    threads = [threading.Thread(target=upload, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with server.client("viewer") as http:
        session = http.get(f"/api/v1/sessions/{sid}").json()
        items = http.get(f"/api/v1/sessions/{sid}/results", params={"limit": 500}).json()["items"]
    ids = [r["id"] for r in items]
    assert len(ids) == len(set(ids)) == session["summary"]["total"]
    for status in ("passed", "failed", "error"):
        assert session["summary"][status] == sum(r["status"] == status for r in items)


def test_results_upload_rejects_bad_payloads_naming_the_field(server: Served, env: str) -> None:
    sid = _session(server, env)
    path = f"/api/v1/sessions/{sid}/results"
    no_status = step(0)
    del no_status["status"]
    with server.client("runner") as http:
        missing = http.post(path, json={"results": [step(0), no_status]})
        bad_status = http.post(path, json={"results": [step(0, extra_key=1)]})
        negative = http.post(path, json={"results": [step(0) | {"duration": -1}]})
        empty = http.post(path, json={"results": []})
        bare_list = http.post(path, json=[step(0)])
        too_many = http.post(path, json={"results": [step(i) for i in range(1001)]})
        listed = http.get(path).json()
    assert_error(missing, 422, "validation_error", "body.results.1.status")
    assert_error(bad_status, 422, "validation_error", "body.results.0.extra_key")
    assert_error(negative, 422, "validation_error", "body.results.0.duration")
    assert_error(empty, 422, "validation_error", "body.results")
    assert_error(bare_list, 422, "validation_error", "body")
    assert (
        "at most 1000" in assert_error(too_many, 422, "validation_error", "body.results")["message"]
    )
    assert listed["total"] == 0  # nothing of a rejected batch is stored


def test_results_need_tokens_and_roles(server: Served, env: str) -> None:
    sid = _session(server, env)
    path = f"/api/v1/sessions/{sid}/results"
    with server.client() as http:
        assert_error(http.post(path, json={"results": [step(0)]}), 401, "unauthorized")
        assert_error(http.get(path), 401, "unauthorized")
    with server.client("viewer") as http:
        assert_error(http.post(path, json={"results": [step(0)]}), 403, "forbidden")
        assert http.get(path).json()["total"] == 0


def test_results_of_a_missing_session_are_404(server: Served) -> None:
    with server.client("runner") as http:
        upload = http.post("/api/v1/sessions/missing/results", json={"results": [step(0)]})
        listing = http.get("/api/v1/sessions/missing/results")
    assert "missing" in assert_error(upload, 404, "not_found")["message"]
    assert_error(listing, 404, "not_found")


def test_results_list_filters_and_paginates_in_arrival_order(server: Served, env: str) -> None:
    sid = _session(server, env)
    results = [step(i, ["passed", "failed", "skipped"][i % 3]) for i in range(7)]
    results[0] |= {"group": "other", "kind": "http.request"}
    with server.client("runner") as http:
        http.post(f"/api/v1/sessions/{sid}/results", json={"results": results})
        path = f"/api/v1/sessions/{sid}/results"
        failed = http.get(path, params={"status": "failed"}).json()
        two = http.get(path, params=[("status", "failed"), ("status", "skipped")]).json()
        other = http.get(path, params={"group": "other", "kind": "http.request"}).json()
        phase = http.get(path, params={"phase": "before"}).json()
        seen, cursor = [], None
        while True:
            page = http.get(path, params={"limit": 3} | ({"cursor": cursor} if cursor else {}))
            seen += [r["index"] for r in page.json()["items"]]
            cursor = page.json()["next_cursor"]
            if not cursor:
                break
        bad_cursor = http.get(path, params={"cursor": "!!"})
        bad_phase = http.get(path, params={"phase": "during"})
        bad_limit = http.get(path, params={"limit": 501})
    assert failed["total"] == 2 and {r["status"] for r in failed["items"]} == {"failed"}
    assert two["total"] == 4
    assert other["total"] == 1 and other["items"][0]["index"] == 0
    assert phase["total"] == 0 and phase["items"] == []
    assert seen == list(range(7))
    assert_error(bad_cursor, 422, "validation_error", "query.cursor")
    assert_error(bad_phase, 422, "validation_error", "query.phase")
    assert_error(bad_limit, 422, "validation_error", "query.limit")
