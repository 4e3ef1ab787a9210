"""The ``assay`` command as the end-to-end tests run it: one-shot commands, and ``assay
serve`` processes started on free ports and stopped with SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.wait import wait_until

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "examples/quickstart.yaml"
START_TIMEOUT = 60.0


def assay(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m assay ARGS`` from the repository's root and capture what it prints."""
    return subprocess.run(
        [sys.executable, "-m", "assay", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )


@dataclass
class Running:
    """An ``assay serve`` process: where it answers, its log, its environment."""

    proc: subprocess.Popen[bytes]
    url: str
    log: Path
    env: dict[str, str]


def clean_env(home: Path) -> dict[str, str]:
    """A user with nothing set up: a fresh HOME, no ASSAY_* or XDG variables (the tests'
    PostgreSQL address, ``ASSAY_TEST_POSTGRES``, is kept)."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ASSAY_", "XDG_")) or k == "ASSAY_TEST_POSTGRES"
    }
    return clean | {"HOME": str(home)}


def start_serve(home: Path, *args: str, extra_env: dict[str, str] | None = None) -> Running:
    """``assay serve --port 0 ARGS``; returns once it says where it listens and ``/health``
    answers 200 there."""
    env = clean_env(home) | (extra_env or {})
    log = home / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "assay", "serve", "--port", "0", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
            env=env,
        )

    def healthy() -> str:
        if proc.poll() is not None:
            raise AssertionError(f"assay serve exited {proc.returncode}:\n{log.read_text()}")
        found = re.search(r"on (http://127\.0\.0\.1:\d+)", log.read_text(errors="replace"))
        if not found:
            return ""
        try:
            ok = httpx.get(f"{found.group(1)}/health", timeout=2).status_code == 200
        except httpx.TransportError:
            ok = False
        return found.group(1) if ok else ""

    try:
        url = wait_until(
            healthy, START_TIMEOUT, 0.05, lambda: f"assay serve is not healthy:\n{log.read_text()}"
        )
    except BaseException:
        proc.kill()
        proc.wait(10)
        raise
    return Running(proc, url, log, env)


def stop_serve(running: Running) -> int:
    """SIGTERM, then its exit code (killed, and the test failed, after 30 s)."""
    running.proc.send_signal(signal.SIGTERM)
    try:
        return running.proc.wait(30)
    except subprocess.TimeoutExpired:
        running.proc.kill()
        running.proc.wait(10)
        raise
