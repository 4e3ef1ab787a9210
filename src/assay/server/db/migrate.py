"""Alembic migrations shipped inside the package, applied on start and by ``assay db upgrade``.

Concurrent upgraders (several workers, two ``assay serve`` on one database) are serialised:
PostgreSQL by an advisory lock, SQLite by an immediate (write) transaction.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from assay import __version__
from assay.core.errors import RuntimeFault
from assay.server.db.engine import WRITE

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_LOCK_KEY = 0x61737361  # "assa": any constant shared by every assay process


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the packaged scripts (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision this assay knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover  (the package always ships migrations)
        raise RuntimeFault("assay's migration scripts are missing from the installation")
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at (None before the first migration)."""
    return MigrationContext.configure(connection).get_current_revision()


def _check_known(revision: str | None) -> None:
    if revision is None:
        return
    script = ScriptDirectory.from_config(alembic_config())
    if revision not in {s.revision for s in script.walk_revisions()}:
        raise RuntimeFault(
            f"the database is at migration '{revision}', which assay {__version__} does not "
            "know: it was upgraded by a newer assay. Run that version, or a newer one."
        )


def upgrade(engine: Engine) -> str:
    """Bring the database to the head revision; returns it."""
    with engine.execution_options(**WRITE).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
        _check_known(current_revision(connection))
        command.upgrade(alembic_config(connection), "head")
        revision = current_revision(connection)
    return revision or head_revision()
