"""The db family: a ``db`` target (a PostgreSQL URL) and ``db.ping``, its reachability."""

from __future__ import annotations

from assay.checks.db.ping import DbPing
from assay.checks.db.target import DbSettings, DbTarget, DbTargetType
from assay.core.checks import CHECKS, TARGETS

TARGETS.register("db", DbTargetType())
CHECKS.register(DbPing.name, DbPing())

__all__ = ["DbPing", "DbSettings", "DbTarget", "DbTargetType"]
