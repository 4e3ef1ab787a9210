"""Killing the server (SIGKILL) during a stream of uploads loses no acknowledged result.

A real ``assay serve`` process on SQLite and on PostgreSQL; a client streams batches and
remembers every batch the server acknowledged (2xx); the server is killed mid-stream and
restarted on the same database and port. Every acknowledged result must be there exactly
once before anything is re-sent, and once the client (or ``assay run --report-to`` and its
spool) has finished, every result must be there exactly once.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from assay.cli.reporting.spool import list_spools, read_spool
from assay.server.db import Database
from tests.support.cli import ROOT, Running, assay, clean_env, start_serve, stop_serve
from tests.support.ports import closed_port
from tests.support.wait import wait_until

BATCHES, PER_BATCH = 60, 25


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'durable.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path


def serve_on(home: Path, port: int, database: str) -> Running:
    return start_serve(home, "--port", str(port), "--database-url", database)


def kill(running: Running) -> None:
    running.proc.kill()  # SIGKILL: no shutdown, no flush, nothing but what was committed
    running.proc.wait(30)


def token_for(home: Path, database: str, role: str, name: str) -> str:
    done = assay(
        "token",
        "create",
        "--name",
        name,
        "--role",
        role,
        "--database-url",
        database,
        env=clean_env(home),
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def stored_ids(url: str, token: str, session_id: str) -> Counter[str]:
    """Every result id the server holds for the session (all pages), with its count."""
    seen: Counter[str] = Counter()
    cursor = None
    with httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as http:
        while True:
            params: dict[str, Any] = {"limit": 500} | ({"cursor": cursor} if cursor else {})
            page = http.get(f"/api/v1/sessions/{session_id}/results", params=params).json()
            seen.update(item["id"] for item in page["items"])
            if page["next_cursor"] is None:
                return seen
            cursor = page["next_cursor"]


def item(batch: int, n: int) -> dict[str, Any]:
    return {
        "id": f"b{batch}-{n}",
        "group": f"batch {batch}",
        "phase": "test",
        "index": n,
        "name": "upload",
        "kind": "s3.PutObject",
        "status": "passed",
    }


class Streamer:
    """Uploads batches in order from a thread; a batch counts once the server said 2xx.
    A failed upload is retried (same ids) until it is acknowledged; an acknowledged one is
    never sent again, so whatever of it the database holds after a kill survived the kill."""

    def __init__(self, url: str, token: str, session_id: str) -> None:
        self.url, self.session_id = url, session_id
        self.http = httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=5)
        self.acked: set[str] = set()
        self.lock = threading.Lock()
        self.running = threading.Event()
        self.running.set()
        self.thread = threading.Thread(target=self._stream, daemon=True)

    def _stream(self) -> None:
        deadline = time.monotonic() + 240
        for batch in range(BATCHES):
            items = [item(batch, n) for n in range(PER_BATCH)]
            while time.monotonic() < deadline:
                self.running.wait()
                try:
                    response = self.http.post(
                        f"{self.url}/api/v1/sessions/{self.session_id}/results",
                        json={"results": items},
                    )
                    if response.status_code in (200, 201):
                        with self.lock:
                            self.acked.update(i["id"] for i in items)
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.05)

    def acknowledged(self) -> set[str]:
        with self.lock:
            return set(self.acked)


@pytest.fixture
def streamer_cleanup() -> Iterator[list[Streamer]]:
    made: list[Streamer] = []
    yield made
    for streamer in made:
        streamer.running.set()
        streamer.http.close()


def test_durability_sigkill_during_batch_uploads_loses_no_acknowledged_result(
    home: Path, database: str, streamer_cleanup: list[Streamer]
) -> None:
    port = closed_port()
    url = f"http://127.0.0.1:{port}"
    running = serve_on(home, port, database)
    token = token_for(home, database, "runner", f"stream-{uuid.uuid4().hex[:6]}")
    session_id = f"durable-{uuid.uuid4().hex[:12]}"
    created = httpx.post(
        f"{url}/api/v1/sessions",
        json={"id": session_id, "environment": "durability"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert created.status_code == 201, created.text
    streamer = Streamer(url, token, session_id)
    streamer_cleanup.append(streamer)
    streamer.thread.start()
    try:
        wait_until(lambda: len(streamer.acknowledged()) >= 10 * PER_BATCH, 60, 0.01)
        kill(running)  # mid-stream: an upload is usually in flight
        streamer.running.clear()  # hold the retries until the acknowledged ones are counted
        before = streamer.acknowledged()
        assert 10 * PER_BATCH <= len(before) < BATCHES * PER_BATCH, "killed too late"

        running = serve_on(home, port, database)  # same database, same address
        after_restart = stored_ids(url, token, session_id)
        missing = before - set(after_restart)
        assert not missing, f"{len(missing)} acknowledged results lost, e.g. {sorted(missing)[:3]}"
        assert max(after_restart.values()) == 1

        streamer.running.set()
        streamer.thread.join(240)
        assert not streamer.thread.is_alive()
        final = stored_ids(url, token, session_id)
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
            summary = http.get(f"{url}/api/v1/sessions/{session_id}").json()["summary"]
    finally:
        stop_serve(running)
    everything = {item(b, n)["id"] for b in range(BATCHES) for n in range(PER_BATCH)}
    assert streamer.acknowledged() == everything
    assert set(final) == everything and max(final.values()) == 1
    assert summary["total"] == summary["passed"] == len(everything)


def test_durability_sigkill_during_assay_run_report_to_loses_nothing(
    home: Path, database: str, tmp_path: Path
) -> None:
    steps = "\n".join("      - s3.ListBuckets: {}" for _ in range(400))
    suite = tmp_path / "many.yaml"
    suite.write_text(
        "targets: {store: {type: s3, endpoint: embedded}}\n"
        f"groups:\n  - name: many\n    test:\n{steps}\n"
    )
    port = closed_port()
    url = f"http://127.0.0.1:{port}"
    running = serve_on(home, port, database)
    token = token_for(home, database, "runner", f"cli-{uuid.uuid4().hex[:6]}")
    session_id = f"cli-{uuid.uuid4().hex[:12]}"
    env = clean_env(home) | {"ASSAY_TOKEN": token}
    spool_dir = home / ".local" / "share" / "assay" / "spool"
    command = ["run", str(suite), "-q", "-f", "json", "--report-to", url, "--session", session_id]
    proc = subprocess.Popen(
        [sys.executable, "-m", "assay", *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )
    try:

        def forty_acknowledged() -> bool:
            spools = list_spools(spool_dir)
            return proc.poll() is not None or (
                bool(spools) and len(read_spool(spools[0]).acked) >= 40
            )

        wait_until(forty_acknowledged, 120, 0.02)
        kill(running)
        assert proc.poll() is None, "the run ended before the server could be killed"
        # the spool records what the server acknowledged; read it after the kill
        (spool,) = list_spools(spool_dir)
        acked = read_spool(spool).acked
        _, stderr = proc.communicate(timeout=180)
        assert proc.returncode == 0, stderr  # the outage changed nothing about the run

        running = serve_on(home, port, database)
        after_restart = stored_ids(url, token, session_id)
        assert acked and acked <= set(after_restart), "acknowledged results were lost"
        flushed = assay("report", "flush", env=env)
        assert flushed.returncode == 0, flushed.stderr
        final = stored_ids(url, token, session_id)
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
            session = http.get(f"{url}/api/v1/sessions/{session_id}").json()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
        stop_serve(running)
    assert f"warning: could not report to {url}" in stderr  # the server was down at the end
    assert len(final) == 400 and max(final.values()) == 1
    assert session["summary"]["total"] == session["summary"]["passed"] == 400
    assert session["status"] == "passed"
    assert list_spools(spool_dir) == []


def test_durability_sqlite_commits_are_synchronous_and_write_ahead(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'pragmas.db'}")
    try:
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    finally:
        db.dispose()
