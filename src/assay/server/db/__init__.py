"""Storage: tables, engine, migrations, and the one place database errors are translated."""

from assay.server.db.engine import Database, create_db_engine, normalise_url

__all__ = ["Database", "create_db_engine", "normalise_url"]
