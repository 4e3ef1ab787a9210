"""Opaque keyset cursors: base64url of a small JSON list, checked when decoded."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import Query

from assay.server.errors import ApiError, ErrorDetail

Limit = Annotated[int, Query(ge=1, le=500, description="Items per page (1-500).")]
Cursor = Annotated[
    str | None, Query(max_length=500, description="`next_cursor` of the previous page.")
]


def encode_cursor(*values: Any) -> str:
    raw = json.dumps(list(values), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *types: type) -> list[Any]:
    """The cursor's values, each of the given type, or a 422 naming ``cursor``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError):
        values = None
    if (
        not isinstance(values, list)
        or len(values) != len(types)
        or not all(
            isinstance(v, t) and not isinstance(v, bool) for v, t in zip(values, types, strict=True)
        )
    ):
        raise ApiError(
            422,
            "invalid request: query.cursor: not a cursor this server gave out",
            "validation_error",
            [ErrorDetail(field="query.cursor", message="not a cursor this server gave out")],
        )
    return values


def decode_time_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    """A cursor of ``encode_cursor(time.isoformat(), id)`` (newest-first lists keyed by a
    time and a tie-breaking id), or None without one; a 422 naming ``cursor`` if bad."""
    if cursor is None:
        return None
    when, ident = decode_cursor(cursor, str, str)
    try:
        return datetime.fromisoformat(when), ident
    except ValueError:
        decode_cursor("", str)  # raises the 422
        raise
