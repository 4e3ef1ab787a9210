"""Alembic environment: always run with a connection given by ``assay.server.db.migrate``."""

from __future__ import annotations

from alembic import context

import assay.server.features  # noqa: F401  (every feature's tables join Base.metadata)
from assay.server.db.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through 'assay db upgrade', not the alembic command")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
