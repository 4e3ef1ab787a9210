"""``assay serve``, ``assay db`` and ``assay token`` as a user meets them: real uvicorn
processes on free loopback ports, talked to over HTTP."""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from assay.server.db.migrate import head_revision
from tests.support.cli import ROOT, assay, clean_env, start_serve, stop_serve
from tests.support.ports import closed_port
from tests.support.wait import wait_until


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path


def test_serve_fresh_clone_migrates_and_serves_over_http(home: Path) -> None:
    running = start_serve(home)
    try:
        database = home / ".local" / "share" / "assay" / "assay.db"
        with sqlite3.connect(database) as conn:  # migrated on first start
            assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (
                head_revision(),
            )
        created = subprocess.run(
            [sys.executable, "-m", "assay", "token", "create", "--name", "ci", "--role", "runner"],
            capture_output=True,
            text=True,
            env=running.env,
            cwd=ROOT,
            timeout=60,
            check=True,
        )
        token = created.stdout.strip()
        assert token.startswith("assay_") and "shown only once" in created.stderr
        auth = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=running.url, headers=auth, timeout=30) as http:
            session = http.post("/api/v1/sessions", json={"environment": "e2e"}).json()
            upload = http.post(
                f"/api/v1/sessions/{session['id']}/results",
                json={
                    "results": [
                        {
                            "group": "g",
                            "phase": "test",
                            "index": 0,
                            "name": "n",
                            "kind": "http.request",
                            "status": "passed",
                        }
                    ]
                },
            )
            listed = http.get(f"/api/v1/sessions/{session['id']}/results").json()
            detailed = http.get("/health/detailed").json()
        assert upload.status_code == 201 and listed["total"] == 1
        assert detailed["status"] == "ok" and detailed["components"]["database"]["revision"]
    finally:
        code = stop_serve(running)
    log = running.log.read_text()
    # uvicorn shuts down cleanly, then re-raises SIGTERM so the exit says why it stopped
    assert code in (0, -signal.SIGTERM) and "Application shutdown complete" in log, log
    assert "POST /api/v1/sessions 201" in log and token not in log
    assert "Traceback" not in log


def test_serve_workers_share_one_database(home: Path) -> None:
    running = start_serve(home, "--workers", "2", "--log-format", "json")
    try:
        seen: set[str] = set()

        def both() -> bool:
            jobs = httpx.get(f"{running.url}/health/jobs", timeout=5).json()
            seen.update(w["worker"] for w in jobs["workers"])
            return len(seen) >= 2

        wait_until(both, 30, 0.2, lambda: running.log.read_text())
    finally:
        code = stop_serve(running)
    assert len(seen) == 2, running.log.read_text()
    assert code in (0, -signal.SIGTERM)
    assert '"logger": "assay.server.access"' in running.log.read_text()


def test_serve_port_in_use_is_one_clear_error(home: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        port = sock.getsockname()[1]
        done = assay("serve", "--port", str(port), env=clean_env(home) | {"HOME": str(home)})
    assert done.returncode == 3, done.stderr
    assert f"cannot listen on 127.0.0.1:{port}: the port is in use" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_bad_database_urls_are_clear_errors(home: Path) -> None:
    env = clean_env(home)
    bad = assay("serve", "--database-url", "mysql://u@h/d", env=env)
    assert bad.returncode == 2 and "unsupported database 'mysql'" in bad.stderr
    port = closed_port()
    down = assay(
        "serve", "--database-url", f"postgresql://assay:top-secret-1@127.0.0.1:{port}/x", env=env
    )
    assert down.returncode == 3, down.stderr
    assert "cannot reach the database at postgresql+psycopg://assay:***@127.0.0.1" in down.stderr
    assert "top-secret-1" not in down.stderr + down.stdout
    settings = assay("serve", env=env | {"ASSAY_WORKERS": "0"})
    assert settings.returncode == 2 and "workers (--workers or ASSAY_WORKERS)" in settings.stderr
    for done in (bad, down, settings):
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_serve_token_and_db_commands(home: Path) -> None:
    env = clean_env(home)
    url = f"sqlite:///{home / 'data' / 'x.db'}"
    upgraded = assay("db", "upgrade", "--database-url", url, env=env)
    assert upgraded.returncode == 0 and f"at migration {head_revision()}" in upgraded.stdout
    made = assay(
        "token", "create", "--name", "viewer-1", "--role", "viewer", "--database-url", url, env=env
    )
    assert made.returncode == 0 and made.stdout.startswith("assay_")
    again = assay(
        "token", "create", "--name", "viewer-1", "--role", "viewer", "--database-url", url, env=env
    )
    assert again.returncode == 2 and "exists already" in again.stderr
    bad_role = assay(
        "token", "create", "--name", "x", "--role", "root", "--database-url", url, env=env
    )
    assert bad_role.returncode == 2 and "'root' is not one of" in bad_role.stderr
    listed = assay("token", "list", "--database-url", url, env=env)
    assert "viewer-1" in listed.stdout and "active" in listed.stdout
    assert made.stdout.strip() not in listed.stdout
    revoked = assay("token", "revoke", "viewer-1", "--database-url", url, env=env)
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    assert "revoked" in assay("token", "list", "--database-url", url, env=env).stdout
    missing = assay("token", "revoke", "nobody", "--database-url", url, env=env)
    assert missing.returncode == 2 and "no token with id or name 'nobody'" in missing.stderr


def test_serve_help_teaches() -> None:
    serve_help = assay("serve", "--help").stdout
    for text in ("Examples:", "--database-url", "ASSAY_DATABASE_URL_FILE", "/health", "Exit codes"):
        assert text in serve_help
    token_help = assay("token", "--help").stdout
    assert "viewer" in token_help and "runner" in token_help and "assay token revoke" in token_help
    assert "create" in token_help and "list" in token_help
    assert "assay db upgrade" in assay("db", "--help").stdout
    top = assay("--help").stdout
    assert "serve" in top and "token" in top
