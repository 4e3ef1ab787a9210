"""Integrations and feedback through a real ``assay serve`` process: a settings file, the
GitHub token from a file named in the environment, a real service to check on loopback and
a local fake of GitHub's REST API."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from tests.support.cli import ROOT, start_serve, stop_serve
from tests.support.fake_github import start_fake
from tests.support.http_service import HttpService
from tests.support.wait import wait_until

GITHUB_TOKEN = "ghp_e2e_0123456789abcdefSECRET"


def _until(fetch: Callable[[], dict[str, Any]], done: Callable[[dict[str, Any]], bool]) -> Any:
    last: list[dict[str, Any]] = [{}]

    def reached() -> dict[str, Any] | None:
        last[0] = fetch()
        return last[0] if done(last[0]) else None

    return wait_until(reached, 60, 0.1, lambda: f"last {last[0]}")


def test_serve_checks_integrations_and_files_feedback_as_github_issues(tmp_path: Path) -> None:
    health = {"status": 200}
    app = FastAPI()

    @app.get("/health")
    def answer() -> JSONResponse:
        return JSONResponse({"ok": health["status"] == 200}, status_code=health["status"])

    service = HttpService(app=app)
    github = start_fake(GITHUB_TOKEN)
    integrations = tmp_path / "integrations.yaml"
    integrations.write_text(
        f"""integrations:
  shop:
    description: the shop's health endpoint
    interval: 0.5
    target: {{type: http, base_url: "{service.url}", retries: {{max_attempts: 1}}}}
    check:
      http.request: {{path: /health}}
      expect: {{conditions: ["[STATUS] == 200", "[RESPONSE_TIME] < 5s"]}}
""",
        encoding="utf-8",
    )
    settings = tmp_path / "server.yaml"
    settings.write_text(
        f"integrations_file: {integrations}\n"
        f"github_repository: {github.repository}\n"
        f"github_api_url: {github.url}\n"
        "feedback_interval: 0.2\n",
        encoding="utf-8",
    )
    token_file = tmp_path / "github-token"
    token_file.write_text(GITHUB_TOKEN + "\n", encoding="utf-8")
    running = start_serve(
        tmp_path, "--config", str(settings), extra_env={"ASSAY_GITHUB_TOKEN_FILE": str(token_file)}
    )
    try:
        created = subprocess.run(
            [sys.executable, "-m", "assay", "token", "create", "--name", "e2e", "--role", "runner"],
            capture_output=True,
            text=True,
            env=running.env,
            cwd=ROOT,
            timeout=60,
            check=True,
        )
        auth = {"Authorization": f"Bearer {created.stdout.strip()}"}
        with httpx.Client(base_url=running.url, headers=auth, timeout=30) as http:

            def shop() -> dict[str, Any]:
                return dict(http.get("/api/v1/integrations/shop").json())

            _until(shop, lambda s: s["status"] == "up")
            health["status"] = 503
            down = _until(shop, lambda s: s["status"] == "down")
            health["status"] = 200
            _until(shop, lambda s: s["status"] == "up")
            asked = http.post("/api/v1/integrations/shop/health")
            assert asked.status_code == 202, asked.text
            checked = _until(
                lambda: dict(http.get(asked.headers["location"]).json()),
                lambda h: any(c["trigger"] == "manual" for c in h["history"]["items"]),
            )
            manual = checked["integration"]

            report = http.post(
                "/api/v1/feedback",
                data={"title": "Checkout is slow", "description": "Paying takes 40 s."},
                files=[("attachments", ("trace.json", b'{"ms": 40000}', "application/json"))],
            )
            assert report.status_code == 202, report.text
            issue = _until(
                lambda: dict(http.get(f"/api/v1/feedback/{report.json()['id']}").json()),
                lambda r: r["status"] in ("created", "failed"),
            )
    finally:
        code = stop_serve(running)
        service.stop()
        github.stop()
    assert "[STATUS] (503) == 200" in down["failed_conditions"]
    assert manual["status"] == "up" and manual["checks"] > down["checks"]
    assert issue["status"] == "created" and issue["issue_number"] == 1, issue
    [made] = github.issues
    assert made["title"] == "Checkout is slow" and "Paying takes 40 s." in made["body"]
    assert "`trace.json` (application/json, 13 bytes)" in made["body"]
    log = running.log.read_text()
    assert code in (0, -signal.SIGTERM) and "Application shutdown complete" in log, log
    assert GITHUB_TOKEN not in log and "Traceback" not in log
