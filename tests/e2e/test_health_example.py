"""examples/health.yaml against examples/health-service/app.py, both as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.ports import free_port
from tests.support.wait import wait_until

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "examples/health-service/app.py"
SUITE = ROOT / "examples/health.yaml"
START_TIMEOUT = 20.0


def start_app(port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(APP), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def wait_until_up(app: subprocess.Popen[str], url: str) -> None:
    with httpx.Client(timeout=1.0) as client:

        def up() -> bool:
            if app.poll() is not None:
                raise AssertionError(f"the example app exited: {app.stderr.read()}")  # type: ignore[union-attr]
            try:
                return client.get(f"{url}/health").status_code == 200
            except httpx.TransportError:
                return False

        wait_until(up, START_TIMEOUT, 0.1, "the example app did not answer")


def stop_app(app: subprocess.Popen[str]) -> None:
    if app.poll() is None:
        app.terminate()
        try:
            app.wait(10)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait(10)
    if app.stderr is not None:
        app.stderr.close()


def run_suite(url: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "assay", "run", str(SUITE), "--var", f"HEALTH_URL={url}"]
    return subprocess.run(
        [*command, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
        cwd=ROOT,
    )


def test_health_example_passes_then_reports_the_service_unreachable() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = start_app(port)
    try:
        wait_until_up(app, url)
        done = run_suite(url)
        assert done.returncode == 0, done.stdout + done.stderr
        report = json.loads(done.stdout)
        results = report["results"]
        assert results and all(r["status"] == "passed" for r in results), results
        assert report["summary"]["passed"] == report["summary"]["total"] == len(results)
        kinds = {r["kind"] for r in results}
        assert kinds == {"http.request", "tcp.connect"}

        stop_app(app)
        down = run_suite(url)
        assert down.returncode == 3, down.stdout + down.stderr
        assert "Traceback" not in down.stdout + down.stderr
        report = json.loads(down.stdout)
        assert report["summary"]["passed"] == 0
        assert report["summary"]["error"] > 0
        assert any("unreachable" in r["message"] for r in report["results"])
    finally:
        stop_app(app)
