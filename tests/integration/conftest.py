"""s3rver (the npm package, pinned in tests/s3rver) as a second, independent S3 implementation.

The session fixture installs it with ``npm ci`` when ``node_modules`` lacks it (CI starts from
a clean clone), starts it on a free loopback port with a fresh data directory, and stops it
at the end of the session, whatever the tests did. s3rver knows one key pair, S3RVER/S3RVER:
it rejects other access key ids (InvalidAccessKeyId) but does not verify SigV4 signatures.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

S3RVER_DIR = Path(__file__).resolve().parents[1] / "s3rver"
S3RVER_BIN = S3RVER_DIR / "node_modules" / ".bin" / "s3rver"
S3RVER_KEYS = {"ACCESS_KEY": "S3RVER", "SECRET_KEY": "S3RVER"}
INSTALL_TIMEOUT = 300.0
START_TIMEOUT = 20.0
START_ATTEMPTS = 3  # a free port can be taken by someone else before s3rver binds it


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


def ensure_s3rver_installed() -> None:
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


def _wait_until_answering(proc: subprocess.Popen[bytes], url: str) -> bool:
    """True once the server answers HTTP; False if it exited (e.g. the port was taken)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            httpx.get(url, timeout=1)
            return True
        except httpx.TransportError:
            time.sleep(0.1)
    return False


@pytest.fixture(scope="session")
def s3rver_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running s3rver on a free loopback port; yields its URL (keys: S3RVER/S3RVER)."""
    ensure_s3rver_installed()
    node = _tool("node")
    root = tmp_path_factory.mktemp("s3rver")
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
            if _wait_until_answering(proc, url):
                yield url
                return
            problems.append(
                f"attempt {attempt} on port {port}: "
                + (f"exited {proc.returncode}" if proc.poll() is not None else "no answer")
            )
        finally:
            _stop(proc)
    log = log_path.read_text(errors="replace") if log_path.exists() else ""
    pytest.fail(
        f"s3rver did not start within {START_TIMEOUT:g}s ({'; '.join(problems)})\n{_tail(log)}",
        pytrace=False,
    )
