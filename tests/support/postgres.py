"""The PostgreSQL the tests use: the one that answers at ``ASSAY_TEST_POSTGRES`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``, trust auth), or else a throw-away server
started from the PostgreSQL binaries installed here (``initdb`` + ``pg_ctl`` in a temporary
directory, on a free loopback port), stopped when the test run ends.

``ensure()`` runs once per test run (``tests/conftest.py``) and sets ``ASSAY_TEST_POSTGRES``
for the tests and the processes they start. With neither a server nor the binaries,
``missing()`` says in one line what to install.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg

from tests.support.ports import free_port

ENV = "ASSAY_TEST_POSTGRES"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
INSTALL_HINT = (
    "PostgreSQL is needed: none answers at {url} and no PostgreSQL server binaries (initdb, "
    "pg_ctl) were found to start a throw-away one; install PostgreSQL (Debian: apt-get install "
    "postgresql) or set ASSAY_TEST_POSTGRES to a maintenance database URL with trust auth"
)


def admin_url() -> str:
    """The maintenance database's URL (``ASSAY_TEST_POSTGRES``, or the local default)."""
    return os.environ.get(ENV, DEFAULT_URL)


def answers(url: str, timeout: int = 3) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=timeout):
            return True
    except psycopg.OperationalError:
        return False


def _bindir() -> Path | None:
    """Where ``initdb`` and ``pg_ctl`` are: PATH, ``pg_config --bindir``, Debian's layout."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True)
    if pg_config := shutil.which("pg_config"):
        done = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidates.insert(0, done.stdout.strip())
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    return None


def _version(path: str) -> tuple[int, ...]:
    digits = Path(path).parent.name
    return tuple(int(p) for p in digits.split(".") if p.isdigit())


@dataclass
class ThrowAway:
    """A PostgreSQL server of our own in a temporary directory."""

    bindir: Path
    root: Path
    port: int
    as_user: list[str]

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        done = subprocess.run(
            [*self.as_user, *command], capture_output=True, text=True, check=False, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip()[-2000:]}")

    def start(self) -> None:
        data = self.root / "data"
        self._run(str(self.bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust")
        options = f"-p {self.port} -h 127.0.0.1 -k {self.root} -c fsync=off -c max_connections=200"
        # -w waits until the server accepts connections (pg_ctl's own readiness check)
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-t", "60",
            "-l", str(self.root / "server.log"), "start",
        )  # fmt: skip

    def stop(self) -> None:
        try:
            self._run(
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.root / "data"),
                "-m",
                "immediate",
                "stop",
            )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_throw_away() -> ThrowAway | None:
    """Start a server of our own, or None when no PostgreSQL binaries are installed."""
    bindir = _bindir()
    if bindir is None:
        return None
    as_user: list[str] = []
    owner = None
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: as its own user, if there is one
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            return None
        as_user = ["runuser", "-u", "postgres", "--"]
    root = Path(tempfile.mkdtemp(prefix="assay-test-pg-"))
    if owner is not None:
        os.chown(root, owner.pw_uid, owner.pw_gid)
    server = ThrowAway(bindir, root, free_port(), as_user)
    try:
        server.start()
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return server


def ensure() -> ThrowAway | None:
    """Make ``ASSAY_TEST_POSTGRES`` point at a server that answers; a throw-away one is
    returned (the caller stops it). None when the configured server answers, or when there
    is nothing to start (``missing()`` then tells)."""
    if answers(admin_url()):
        return None
    server = start_throw_away()
    if server is not None:
        os.environ[ENV] = server.url
    return server


def missing() -> str | None:
    """One line saying what to install, when no PostgreSQL answers; else None."""
    url = admin_url()
    return None if answers(url, timeout=1) else INSTALL_HINT.format(url=url)
