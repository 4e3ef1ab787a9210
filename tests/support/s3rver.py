"""s3rver (the npm package, pinned in ``tests/s3rver``) as a second, independent S3
implementation.

``running()`` installs it with ``npm ci`` when ``node_modules`` lacks it (the test command
installs it before the tests start), starts it on a free loopback port with a fresh data
directory and stops it afterwards, whatever happened. s3rver knows one key pair,
S3RVER/S3RVER: it rejects other access key ids (InvalidAccessKeyId) but does not verify
SigV4 signatures.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.support.ports import free_port
from tests.support.wait import WaitTimeout, wait_until

S3RVER_DIR = Path(__file__).resolve().parents[1] / "s3rver"
S3RVER_BIN = S3RVER_DIR / "node_modules" / ".bin" / "s3rver"
S3RVER_KEYS = {"ACCESS_KEY": "S3RVER", "SECRET_KEY": "S3RVER"}
INSTALL_TIMEOUT = 300.0
START_TIMEOUT = 20.0
START_ATTEMPTS = 3  # a free port can be taken by someone else before s3rver binds it


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"'{name}' is not on PATH; the s3rver tests need Node.js (>= 18) and npm",
            pytrace=False,
        )
    return path


def ensure_installed() -> None:
    """``npm ci`` from the committed lock file, unless s3rver is already installed."""
    if S3RVER_BIN.exists():
        return
    npm = _tool("npm")
    command = [npm, "ci", "--prefix", str(S3RVER_DIR), "--no-audit", "--no-fund"]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{' '.join(command)} did not finish in {INSTALL_TIMEOUT:g}s", pytrace=False)
    if done.returncode != 0 or not S3RVER_BIN.exists():
        pytest.fail(
            f"installing s3rver failed: {' '.join(command)} exited {done.returncode}\n"
            f"{_tail(done.stdout + chr(10) + done.stderr)}",
            pytrace=False,
        )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _answering(proc: subprocess.Popen[bytes], url: str) -> bool:
    """Whether the server answers HTTP yet; an exited process (the port was taken) fails."""
    if proc.poll() is not None:
        raise ChildProcessError(f"exited {proc.returncode}")
    try:
        httpx.get(url, timeout=1)
    except httpx.TransportError:
        return False
    return True


@contextmanager
def running(root: Path) -> Iterator[str]:
    """A running s3rver on a free loopback port, its files under ``root``; yields its URL."""
    ensure_installed()
    node = _tool("node")
    log_path = root / "s3rver.log"
    problems: list[str] = []
    for attempt in range(1, START_ATTEMPTS + 1):
        data = root / f"data-{attempt}"
        data.mkdir()
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        command = [node, str(S3RVER_BIN), "-d", str(data), "-p", str(port)]
        command += ["--address", "127.0.0.1", "--silent"]
        with log_path.open("ab") as log:
            proc = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            try:
                wait_until(lambda: _answering(proc, url), START_TIMEOUT, 0.1)  # noqa: B023
            except (ChildProcessError, WaitTimeout) as exc:
                problems.append(f"attempt {attempt} on port {port}: {exc}")
                continue
            yield url
            return
        finally:
            _stop(proc)
    log = log_path.read_text(errors="replace") if log_path.exists() else ""
    pytest.fail(
        f"s3rver did not start within {START_TIMEOUT:g}s ({'; '.join(problems)})\n{_tail(log)}",
        pytrace=False,
    )
