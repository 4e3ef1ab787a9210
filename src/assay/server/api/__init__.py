"""What the features' HTTP APIs share: the context dependency, models, cursors, the orjson
route, and the error answers every ``/api/v1`` route may give (``ERRORS``)."""

from __future__ import annotations

from typing import Any

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
