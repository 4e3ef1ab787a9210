"""``assay run --report-to`` and ``assay report`` as a user meets them: a real ``assay serve``,
real runs of the example suites, outages, refused tokens and a killed CLI."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from assay.cli.reporting.spool import list_spools, read_spool
from tests.support.cli import QUICKSTART, ROOT, Running, assay, clean_env, start_serve, stop_serve
from tests.support.ports import closed_port
from tests.support.wait import wait_until


def make_token(running: Running, role: str = "runner", name: str = "ci") -> str:
    done = assay("token", "create", "--name", name, "--role", role, env=running.env)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def sessions(running: Running, token: str, **params: Any) -> list[dict[str, Any]]:
    with httpx.Client(
        base_url=running.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as http:
        items: list[dict[str, Any]] = http.get("/api/v1/sessions", params=params).json()["items"]
    return items


def results(running: Running, token: str, session_id: str) -> list[dict[str, Any]]:
    with httpx.Client(
        base_url=running.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as http:
        page = http.get(f"/api/v1/sessions/{session_id}/results", params={"limit": 500}).json()
    assert page["next_cursor"] is None
    items: list[dict[str, Any]] = page["items"]
    return items


def status(env: dict[str, str]) -> dict[str, Any]:
    done = assay("report", "status", "--json", env=env)
    assert done.returncode == 0, done.stderr
    body: dict[str, Any] = json.loads(done.stdout)
    return body


def spooled_results(home: Path) -> int:
    """Results in the spool, read in this process (cheaper than a CLI call in a loop)."""
    paths = list_spools(home / ".local" / "share" / "assay" / "spool")
    return sum(len(read_spool(p).results) for p in paths)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path


def test_report_quickstart_appears_as_a_session_with_all_its_results(home: Path) -> None:
    running = start_serve(home)
    try:
        token = make_token(running)
        done = assay(
            "run",
            str(QUICKSTART),
            "--report-to",
            running.url,
            "--environment",
            "e2e",
            "--label",
            "commit=3f2a1c",
            env=running.env | {"ASSAY_TOKEN": token},
        )
        assert done.returncode == 0, done.stderr
        (found,) = sessions(running, token, environment="e2e")
        stored = results(running, token, found["id"])
    finally:
        stop_serve(running)
    assert f"reported 11 result(s) to {running.url}/api/v1/sessions/{found['id']}" in done.stderr
    assert found["status"] == "passed" and found["finished_at"] is not None
    assert found["suites"] == [str(QUICKSTART)] and found["name"] == "quickstart.yaml"
    assert found["labels"]["commit"] == "3f2a1c" and found["labels"]["run_id"]
    assert found["summary"] == {"passed": 11, "failed": 0, "error": 0, "skipped": 0, "total": 11}
    kinds = sorted(r["kind"] for r in stored)
    assert kinds.count("s3.GetObject") == 4 and "s3.multipart_upload" in kinds
    assert {r["group"] for r in stored} == {"objects round-trip", "multipart and generated bodies"}
    assert all(r["id"].startswith(found["labels"]["run_id"] + "/") for r in stored)
    assert token not in done.stdout + done.stderr + running.log.read_text()
    assert status(running.env)["spools"] == []


def test_report_outage_keeps_the_exit_code_then_report_flush_sends_everything(
    home: Path,
) -> None:
    port = closed_port()
    url = f"http://127.0.0.1:{port}"
    env = clean_env(home)
    token_file = home / "token"
    token_file.write_text("assay_notyet_0000\n")
    done = assay(
        "run", str(QUICKSTART), "-q", "--report-to", url, "--token-file", str(token_file), env=env
    )
    assert done.returncode == 0, done.stderr
    (warning,) = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert f"could not report to {url}" in warning and "assay report flush" in warning
    (spooled,) = status(env)["spools"]
    assert spooled["server"] == url and spooled["results"] == spooled["pending"] == 11
    assert spooled["final_status"] == "passed" and "refused" in spooled["last_error"]
    text = assay("report", "status", env=env).stdout
    assert "1 spooled run(s), 11 result(s) to send" in text and spooled["session"] in text
    early = assay("report", "flush", "--token-file", str(token_file), env=env)
    assert early.returncode == 3 and "kept session" in early.stderr

    running = start_serve(home, "--port", str(port))  # the server is back, same address
    try:
        token_file.write_text(make_token(running) + "\n")
        flushed = assay("report", "flush", "--token-file", str(token_file), env=env)
        assert flushed.returncode == 0, flushed.stderr
        assert f"sent 11 result(s) of session {spooled['session']} to {url}" in flushed.stderr
        token = token_file.read_text().strip()
        (found,) = sessions(running, token)
    finally:
        stop_serve(running)
    assert found["id"] == spooled["session"] and found["status"] == "passed"
    assert found["summary"]["total"] == 11
    assert "nothing to send" in assay("report", "status", env=env).stdout


def test_report_refused_token_is_one_warning_and_the_exit_code_stays_the_runs(
    home: Path, tmp_path: Path
) -> None:
    failing = tmp_path / "failing.yaml"
    failing.write_text(
        "targets: {store: {type: s3, endpoint: embedded}}\n"
        "groups:\n  - name: missing bucket\n"
        '    test: [{s3.HeadBucket: {Bucket: "nope-${run.id}"}}]\n'
    )
    running = start_serve(home)
    try:
        viewer = make_token(running, "viewer", "reader")
        runner = make_token(running, "runner", "ci")
        refused = assay(
            "run", str(QUICKSTART), "--report-to", running.url, "--token", viewer, env=running.env
        )
        failed = assay(
            "run",
            str(failing),
            "-q",
            "--report-to",
            running.url,
            env=running.env | {"ASSAY_TOKEN": runner},
        )
        listed = sessions(running, runner)
    finally:
        stop_serve(running)
    assert refused.returncode == 0, refused.stderr
    warnings = [line for line in refused.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "refused the token" in warnings[0] and "403" in warnings[0]
    assert viewer not in refused.stdout + refused.stderr
    assert failed.returncode == 1, failed.stderr
    # the refused run created nothing; the next run to that server sent its spool too
    by_status = {s["status"]: s for s in listed}
    assert len(listed) == 2 and set(by_status) == {"failed", "passed"}
    assert by_status["failed"]["summary"]["failed"] == 1
    assert by_status["passed"]["summary"]["total"] == 11
    assert "reported" not in failed.stderr  # --quiet keeps the success line quiet
    assert status(running.env)["spools"] == []


def test_report_help_teaches() -> None:
    run_help = assay("run", "--help").stdout
    for text in ("--report-to URL", "ASSAY_TOKEN", "--token-file", "--session", "assay report"):
        assert text in run_help, text
    report_help = assay("report", "--help").stdout
    for text in ("assay report status", "assay report flush", "ASSAY_SPOOL_DIR", "never tokens"):
        assert text in report_help, text


def test_report_usage_errors_stop_before_the_run(home: Path) -> None:
    env = clean_env(home)
    url = f"http://127.0.0.1:{closed_port()}"
    cases = [
        ((), "needs an API token: --token, ASSAY_TOKEN, --token-file or ASSAY_TOKEN_FILE"),
        (("--token", "t0k3n-value", "--label", "bad key=1"), "--label expects KEY=VALUE"),
    ]
    for flags, message in cases:
        done = assay("run", str(QUICKSTART), "--report-to", url, *flags, env=env)
        assert done.returncode == 2 and message in done.stderr, done.stderr
        assert "Traceback" not in done.stderr and "PASSED" not in done.stderr
    bad_url = assay("run", str(QUICKSTART), "--report-to", "ftp://x", "--token", "t", env=env)
    assert bad_url.returncode == 2 and "expects the server's URL" in bad_url.stderr
    assert spooled_results(home) == 0


def test_report_killed_cli_leaves_a_spool_that_is_sent_as_interrupted(
    home: Path, tmp_path: Path
) -> None:
    steps = "\n".join("      - s3.ListBuckets: {}" for _ in range(400))
    suite = tmp_path / "many.yaml"
    suite.write_text(
        f"targets: {{store: {{type: s3, endpoint: embedded}}}}\n"
        f"groups:\n  - name: many\n    test:\n{steps}\n"
    )
    port = closed_port()
    env = clean_env(home) | {"ASSAY_TOKEN": "assay_notyet_0000"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "assay",
            "run",
            str(suite),
            "-q",
            "--report-to",
            f"http://127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
        env=env,
    )
    try:
        wait_until(lambda: proc.poll() is not None or spooled_results(home) >= 20, 60, 0.05)
        assert proc.poll() is None, "the run ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
    (left,) = status(env)["spools"]
    assert left["final_status"] is None and "stopped before it ended" in left["state"]
    assert 20 <= left["results"] < 400

    running = start_serve(home, "--port", str(port))
    try:
        token = make_token(running)
        flushed = assay("report", "flush", env=env | {"ASSAY_TOKEN": token})
        (found,) = sessions(running, token)
    finally:
        stop_serve(running)
    assert flushed.returncode == 0, flushed.stderr
    assert found["status"] == "interrupted" and found["finished_at"] is not None
    assert found["summary"]["total"] == found["summary"]["passed"] == left["results"]
