"""The HTTP API: one router per resource under ``/api/v1``, plus ``/health``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from assay.server.api import feedback, health, integrations, results, sessions
from assay.server.errors import ErrorOut

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in {
        400: "Malformed request (a body that is not JSON) or a value the database refuses",
        401: "Missing, invalid or revoked token",
        403: "The token's role is not enough",
        404: "Not found",
        413: "Request body (or an attachment) too large",
        415: "Unsupported content type",
        422: "Invalid request; `details` names each field",
        429: "Rate limit exceeded; see `Retry-After`",
        503: "The database is unavailable",
    }.items()
}


def include_api(app: FastAPI) -> None:
    """Every resource router (each declares its full ``/api/v1/...`` prefix, so the route
    template in logs is the whole path); new resources are added here."""
    for router in (sessions.router, results.router, integrations.router, feedback.router):
        app.include_router(router, responses=ERRORS)


__all__ = ["health", "include_api"]
