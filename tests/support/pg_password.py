"""A throw-away PostgreSQL that asks for a password (SCRAM), for the db family's tests.

The PostgreSQL the tests share trusts every local connection, so a wrong password passes
there. This one is initialised with ``-A scram-sha-256`` and a password for ``postgres``,
on a free loopback port, from the same binaries ``tests/support/postgres.py`` uses, and is
removed when stopped. ``password_server`` is None when no binaries are installed.
"""

from __future__ import annotations

import os
import pwd
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.support import postgres
from tests.support.ports import free_port


@dataclass
class PasswordServer(postgres.ThrowAway):
    """A ``ThrowAway`` whose ``postgres`` role needs ``password``."""

    password: str = ""

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        data = self.root / "data"
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.password + "\n", encoding="utf-8")
        if self.as_user:
            owner = pwd.getpwnam("postgres")
            os.chown(pwfile, owner.pw_uid, owner.pw_gid)
        self._run(
            str(self.bindir / "initdb"), "-D", str(data), "-U", "postgres",
            "-A", "scram-sha-256", f"--pwfile={pwfile}",
        )  # fmt: skip
        pwfile.unlink()
        options = f"-p {self.port} -h 127.0.0.1 -k {self.root} -c fsync=off"
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-t", "60",
            "-l", str(self.root / "server.log"), "start",
        )  # fmt: skip


def password_server(password: str) -> PasswordServer:
    """Start a server whose ``postgres`` role has ``password``; the caller stops it."""
    bindir = postgres._bindir()
    if bindir is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb, pg_ctl) to start one")
    as_user: list[str] = []
    owner = None
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        owner = pwd.getpwnam("postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    root = Path(tempfile.mkdtemp(prefix="assay-test-pgpw-"))
    if owner is not None:
        os.chown(root, owner.pw_uid, owner.pw_gid)
    server = PasswordServer(bindir, root, free_port(), as_user, password)
    try:
        server.start()
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return server
