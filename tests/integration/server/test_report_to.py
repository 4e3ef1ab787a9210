"""The reporter of ``assay run --report-to`` against the real server (uvicorn, SQLite and
PostgreSQL): streaming, outages, refused tokens, lost answers, slow servers, rejected
results, and spools that earlier runs left behind."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from assay.cli.reporting.client import ApiClient
from assay.cli.reporting.delivery import send_spool
from assay.cli.reporting.options import outcome_lines, session_body
from assay.cli.reporting.reporter import Outcome, Reporter, ReportOptions
from assay.cli.reporting.spool import Spool, list_spools, read_spool
from assay.config.loader import load_suite
from assay.config.variables import Variables
from assay.core.events import StepFinished
from assay.core.results import Phase, Status, StepResult, result_id
from assay.engine import RunOptions, run_suites
from assay.engine.retry import RetryPolicy
from tests.support.flaky import FlakyS3
from tests.support.http_service import HttpService
from tests.support.ports import free_port
from tests.support.server import Served, settings_for

FAST = RetryPolicy(max_attempts=0, base_delay=0.05, max_delay=0.2, jitter=False)


def options(url: str, token: str, spool: Path, **extra: Any) -> ReportOptions:
    return ReportOptions(url=url, token=token, spool_dir=spool, backoff=FAST, **extra)


def new_reporter(url: str, token: str, spool: Path, env: str, **extra: Any) -> Reporter:
    run_id = uuid.uuid4().hex[:10]
    body = session_body(["suite.yaml"], env, {"run_id": run_id}, None)
    return Reporter(options(url, token, spool, **extra), body, run_id).start()


def step(index: int, **extra: Any) -> StepResult:
    values: dict[str, Any] = {
        "group": "objects",
        "phase": Phase.TEST,
        "index": index,
        "name": f"step {index}",
        "kind": "s3.PutObject",
        "status": Status.PASSED if index % 3 else Status.FAILED,
        "duration": 0.01,
        "attempts": 1,
        "suite": "suite.yaml",
    }
    return StepResult(**(values | extra))


def feed(reporter: Reporter, indexes: range, **extra: Any) -> None:
    for index in indexes:
        reporter(StepFinished(step(index, **extra)))


def stored(served: Served, session_id: str) -> list[dict[str, Any]]:
    """Every result the server holds for the session, through the API, page by page."""
    items: list[dict[str, Any]] = []
    cursor = None
    with served.client("viewer") as http:
        while True:
            params: dict[str, Any] = {"limit": 500} | ({"cursor": cursor} if cursor else {})
            page = http.get(f"/api/v1/sessions/{session_id}/results", params=params).json()
            items += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                return items


def session(served: Served, session_id: str) -> dict[str, Any]:
    with served.client("viewer") as http:
        response = http.get(f"/api/v1/sessions/{session_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def flush(path: Path, token: str) -> Any:
    spool = Spool.open(path)
    assert spool is not None
    client = ApiClient(read_spool(path).url, token)
    try:
        delivery = send_spool(spool, client, lambda: 30.0)
        delivery.close()
    finally:
        client.close()
    return delivery


@pytest.fixture
def spool_dir(tmp_path: Path) -> Path:
    return tmp_path / "spool"


@pytest.fixture
def proxied(server: Served) -> Iterator[FlakyS3]:
    proxy = FlakyS3(server.url)
    yield proxy
    proxy.close()


def test_report_two_suites_with_the_same_group_names_keep_every_result(
    server: Served, spool_dir: Path, env: str, tmp_path: Path
) -> None:
    """Result ids name the suite: two suites' 'health' groups are not each other's retries."""
    run_options = RunOptions()
    loaded = []
    for name in ("a.yaml", "b.yaml"):
        path = tmp_path / name
        path.write_text(
            f"targets:\n  api: {{type: http, base_url: '{server.url}'}}\n"
            "groups:\n  - name: health\n    test:\n      - http.request: {path: /health}\n"
        )
        loaded.append(load_suite(path, Variables(run_id=run_options.run_id)))
    body = session_body([s.path for s in loaded], env, {"run_id": run_options.run_id}, None)
    reporter = Reporter(options(server.url, server.tokens["runner"], spool_dir), body, "")
    reporter.run_id = run_options.run_id
    run_suites(loaded, run_options, [reporter.start()])
    outcome = reporter.close("passed")
    assert outcome.complete and outcome.sent == 2, outcome
    assert session(server, body["id"])["summary"]["total"] == 2


def test_report_streams_a_real_run_into_a_session(
    server: Served, spool_dir: Path, env: str, tmp_path: Path
) -> None:
    suite = tmp_path / "health.yaml"
    steps = "\n".join("      - http.request: {path: /health}" for _ in range(30))
    suite.write_text(
        f"targets:\n  api: {{type: http, base_url: '{server.url}'}}\n"
        f"groups:\n  - name: health\n    test:\n{steps}\n"
    )
    run_options = RunOptions()
    loaded = load_suite(suite, Variables(run_id=run_options.run_id))
    body = session_body([str(suite)], env, {"run_id": run_options.run_id, "ci": "yes"}, None)
    reporter = Reporter(options(server.url, server.tokens["runner"], spool_dir), body, "")
    reporter.run_id = run_options.run_id
    run = run_suites([loaded], run_options, [reporter.start()])
    outcome = reporter.close("passed")
    assert run.ok and outcome.complete and outcome.sent == 30, outcome
    assert list_spools(spool_dir) == []  # delivered, so the spool is gone
    got = session(server, body["id"])
    assert got["status"] == "passed" and got["finished_at"] is not None
    assert got["summary"]["total"] == got["summary"]["passed"] == 30
    assert got["labels"] == {"run_id": run_options.run_id, "ci": "yes"}
    ids = [r["id"] for r in stored(server, body["id"])]
    wanted = [result_id("health", "test", i, loaded.path, run_options.run_id) for i in range(1, 31)]
    assert (
        sorted(ids) == sorted(wanted)
        and wanted[0] == f"{run_options.run_id}/{suite}::health/test/1"
    )
    assert outcome_lines(outcome, quiet=False) == [
        f"reported 30 result(s) to {server.url}/api/v1/sessions/{body['id']}"
    ]


def test_report_outage_spools_and_a_later_flush_sends_each_result_once(
    serve: Callable[..., Served], database_url: str, spool_dir: Path, env: str
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    reporter = new_reporter(url, "assay_not_checked_yet", spool_dir, env)
    feed(reporter, range(1, 26))
    outcome = reporter.close("failed")
    assert not outcome.complete and outcome.pending == 25 and outcome.spool is not None
    assert "refused" in (outcome.problem or "").lower()
    (line,) = outcome_lines(outcome, quiet=True)
    assert line.startswith(f"warning: could not report to {url}") and "assay report flush" in line
    state = read_spool(outcome.spool)
    assert len(state.pending()) == 25 and not state.created and state.last_error
    assert state.finish is not None and state.finish["status"] == "failed"

    served = serve(settings_for(database_url), port=port)  # the server comes back
    delivery = flush(outcome.spool, served.tokens["runner"])
    assert delivery.sent == 25 and delivery.done and not outcome.spool.exists()
    got = session(served, outcome.session_id)
    assert got["status"] == "failed" and got["summary"]["total"] == 25
    assert got["summary"]["failed"] == 8  # indexes divisible by 3
    ids = [r["id"] for r in stored(served, outcome.session_id)]
    assert len(ids) == len(set(ids)) == 25


@pytest.mark.parametrize("role", [None, "viewer"], ids=["invalid-token", "viewer-token"])
def test_report_refused_token_warns_and_keeps_results(
    server: Served, spool_dir: Path, env: str, role: str | None
) -> None:
    token = server.tokens[role] if role else "assay_0000_not-a-real-token-at-all"
    reporter = new_reporter(server.url, token, spool_dir, env)
    feed(reporter, range(1, 11))
    outcome = reporter.close("passed")
    assert outcome.refused and outcome.pending == 10 and outcome.spool is not None
    assert ("401" if role is None else "403") in (outcome.problem or "")
    (line,) = outcome_lines(outcome, quiet=False)
    assert line.startswith("warning: the server refused the token") and "\n" not in line
    assert token not in line and token not in outcome.spool.read_text()
    with server.client("viewer") as http:
        assert http.get(f"/api/v1/sessions/{outcome.session_id}").status_code == 404
    delivery = flush(outcome.spool, server.tokens["runner"])
    assert delivery.sent == 10 and session(server, outcome.session_id)["summary"]["total"] == 10


def test_report_lost_answers_and_5xx_are_retried_without_duplicates(
    server: Served, proxied: FlakyS3, spool_dir: Path, env: str
) -> None:
    # the server stores three uploads whose answers never arrive, and answers 503 twice
    proxied.behaviour.swallow["/results"] = 3
    proxied.behaviour.throttle["/results"] = 2
    reporter = new_reporter(proxied.url, server.tokens["runner"], spool_dir, env)
    for start in range(1, 121, 20):
        feed(reporter, range(start, start + 20))
    outcome = reporter.close("failed")
    assert outcome.complete, outcome
    assert (
        proxied.behaviour.swallow["/results"] == 0 and proxied.behaviour.throttle["/results"] == 0
    )
    ids = [r["id"] for r in stored(server, outcome.session_id)]
    assert len(ids) == len(set(ids)) == 120
    assert session(server, outcome.session_id)["summary"]["total"] == 120


def test_report_slow_server_does_not_hold_the_run_and_keeps_results(
    server: Served, proxied: FlakyS3, spool_dir: Path, env: str
) -> None:
    proxied.behaviour.delay["/results"] = 3.0
    reporter = new_reporter(
        proxied.url, server.tokens["runner"], spool_dir, env, grace=0.5, timeout=0.3
    )
    feed(reporter, range(1, 11))
    outcome = reporter.close("passed")
    assert not outcome.complete and outcome.pending == 10 and outcome.spool is not None
    assert "in time" in (outcome.problem or "")
    proxied.behaviour.delay.clear()
    delivery = flush(outcome.spool, server.tokens["runner"])
    assert delivery.done
    # the slow uploads may still land after the flush: ids keep them from counting twice
    ids = [r["id"] for r in stored(server, outcome.session_id)]
    assert len(ids) == len(set(ids)) == 10


def test_report_refused_result_is_set_aside_and_the_rest_is_stored(
    serve: Callable[..., Served], database_url: str, spool_dir: Path, env: str
) -> None:
    served = serve(settings_for(database_url, max_batch=4))  # uploads of 5+ are refused
    reporter = new_reporter(served.url, served.tokens["runner"], spool_dir, env)
    feed(reporter, range(1, 10))
    reporter(StepFinished(step(10, http_status=5000)))  # not an HTTP status: 422
    outcome = reporter.close("passed")
    assert outcome.pending == 0 and outcome.rejected == 1 and outcome.complete, outcome
    assert "http_status" in outcome.rejected_reason
    lines = outcome_lines(outcome, quiet=True)
    assert len(lines) == 1 and "refused 1 result(s)" in lines[0]
    ids = sorted(r["index"] for r in stored(served, outcome.session_id))
    assert ids == list(range(1, 10))


def test_report_spool_of_a_killed_run_is_sent_as_interrupted_and_recreates_the_session(
    server: Served, spool_dir: Path, env: str
) -> None:
    """A spool whose run never ended, claiming a session the server does not have (as
    after a server's database was replaced): flushing creates it again and finishes it."""
    body = session_body(["suite.yaml"], env, {"run_id": "killedrun"}, None)
    header = {"url": server.url, "run_id": "killedrun", "session": body}
    spool = Spool.create(spool_dir, f"{body['id']}.killedrun", header)
    items = [step(i).to_dict() | {"id": f"killedrun/objects/test/{i}"} for i in range(1, 8)]
    spool.append({"type": "created"}, {"type": "results", "items": items})
    spool.append({"type": "acked", "ids": [items[0]["id"]]})
    spool.close()
    delivery = flush(spool.path, server.tokens["runner"])
    assert delivery.done and delivery.sent == 6
    got = session(server, body["id"])
    assert got["status"] == "interrupted" and got["summary"]["total"] == 6


def test_report_next_run_sends_what_earlier_runs_left_for_its_server(
    server: Served, spool_dir: Path, env: str
) -> None:
    left = new_reporter(server.url, "assay_0000_wrong-token-for-now", spool_dir, env)
    feed(left, range(1, 16))
    first = left.close("passed")
    elsewhere = new_reporter(f"http://127.0.0.1:{free_port()}", "x" * 12, spool_dir, env)
    feed(elsewhere, range(1, 4))
    other = elsewhere.close("passed")
    assert first.refused and other.spool is not None and not other.complete

    reporter = new_reporter(server.url, server.tokens["runner"], spool_dir, env)
    feed(reporter, range(1, 6))
    outcome: Outcome = reporter.close("passed")
    assert outcome.complete and outcome.sent == 5 and outcome.backlog_sent == 15
    assert session(server, first.session_id)["summary"]["total"] == 15
    assert "(and 15 spooled earlier)" in outcome_lines(outcome, quiet=False)[0]
    assert list_spools(spool_dir) == [other.spool]  # another server's results wait for it


def test_report_to_a_server_that_is_not_assay_says_so(spool_dir: Path, env: str) -> None:
    other = HttpService()  # answers 404 to /api/v1/sessions
    try:
        reporter = new_reporter(other.url, "assay_0000_whatever-token", spool_dir, env)
        feed(reporter, range(1, 4))
        outcome = reporter.close("passed")
    finally:
        other.stop()
    assert not outcome.complete and not outcome.refused and outcome.pending == 3
    assert f"is {other.url} an assay server?" in (outcome.problem or "")
    assert outcome.spool is not None and outcome.spool.exists()
