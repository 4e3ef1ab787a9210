"""SQLAlchemy's exceptions become assay's at this one boundary.

``describe`` gives an HTTP status, an error code and a message for the API; ``cli_errors``
turns the same problems into ``RuntimeFault`` (exit 3) for ``assay db`` and ``assay token``.
Driver messages can hold connection details, so they pass through ``core.secrets.redact``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)

from assay.core.errors import RuntimeFault
from assay.core.secrets import redact


@dataclass(frozen=True)
class DatabaseProblem:
    status: int
    code: str
    message: str
    detail: str  # the driver's words, redacted: for logs and the command line


def _driver_message(exc: SQLAlchemyError) -> str:
    original = exc.orig if isinstance(exc, DBAPIError) else None
    text = str(original if original is not None else exc).strip()
    return redact(text.splitlines()[0] if text else type(exc).__name__)


def describe(exc: SQLAlchemyError) -> DatabaseProblem:
    """What a database error means for a client."""
    detail = _driver_message(exc)
    if isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    ):
        return DatabaseProblem(503, "database_unavailable", "the database is unavailable", detail)
    if isinstance(exc, IntegrityError):
        return DatabaseProblem(409, "conflict", "the request conflicts with stored data", detail)
    if isinstance(exc, DataError):
        return DatabaseProblem(400, "invalid_data", "the database rejected a value", detail)
    return DatabaseProblem(500, "database_error", "the database failed", detail)


@contextmanager
def cli_errors(where: str) -> Iterator[None]:
    """Database errors as one clear ``RuntimeFault`` paragraph naming ``where``."""
    try:
        yield
    except SQLAlchemyError as exc:
        problem = describe(exc)
        if problem.code == "database_unavailable":
            raise RuntimeFault(
                f"cannot reach the database at {where}: {problem.detail}. Check that the "
                "server is running and the URL (--database-url or ASSAY_DATABASE_URL) is right."
            ) from None
        raise RuntimeFault(f"database error at {where}: {problem.detail}") from None
