"""``/api/v1/sessions``: create, list (filters, pagination), read, patch."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy.exc import IntegrityError

from assay.core.identifiers import LABEL
from assay.server.api.deps import API_PREFIX, ContextDep
from assay.server.api.models import Page
from assay.server.api.pagination import (
    Cursor,
    Limit,
    decode_time_cursor,
    encode_cursor,
)
from assay.server.errors import ApiError
from assay.server.sessions import store
from assay.server.sessions.schemas import SessionCreate, SessionOut, SessionPatch, SessionStatus
from assay.server.tokens import AsRunner, AsViewer

router = APIRouter(prefix=f"{API_PREFIX}/sessions", tags=["sessions"])
SessionId = Annotated[str, Path(min_length=1, max_length=64, description="A session's id.")]


def not_found(session_id: str) -> ApiError:
    return ApiError(404, f"no session with id '{session_id}'")


CREATED: dict[int | str, dict[str, Any]] = {
    201: {"description": "Created; `Location` names the new session"},
    200: {
        "model": SessionOut,
        "description": "A session with this client `id` exists already: it is returned as it "
        "is, and the body's other fields are ignored (a retry, or another run joining it)",
    },
}


@router.post("", status_code=201, response_model=SessionOut, responses=CREATED)
def create_session(
    body: SessionCreate, context: ContextDep, principal: AsRunner, response: Response
) -> SessionOut:
    """Create a session (runner).

    With a client `id`, creating is idempotent: the first request creates the session (201),
    any later one with that id answers 200 with the session as it is, whatever its other
    fields say (a retry after a lost answer, or several runs reporting into one session).
    Both answers carry `Location`.
    """
    try:
        with context.db.write() as db:
            row, created = store.create(db, body, principal.token_id)
            out = store.to_out(row)
    except IntegrityError:
        # two first tries with one client id raced; the other one won, so this is a repeat
        with context.db.read() as db:
            existing = store.get(db, body.id) if body.id else None
            if existing is None:
                raise
            out, created = store.to_out(existing), False
    response.status_code = 201 if created else 200
    response.headers["Location"] = f"/api/v1/sessions/{out.id}"
    return out


@router.get("", response_model=Page[SessionOut])
def list_sessions(
    context: ContextDep,
    _: AsViewer,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: Annotated[list[SessionStatus] | None, Query(description="Any of these.")] = None,
    environment: Annotated[str | None, Query(max_length=100)] = None,
    label: Annotated[
        list[Annotated[str, Query(pattern=LABEL)]] | None,
        Query(description="key=value; repeat to require several labels."),
    ] = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
) -> Page[SessionOut]:
    """Sessions, newest first (viewer)."""
    flt = store.SessionFilter(
        status=[str(s) for s in status or []],
        environment=environment,
        labels=dict(item.split("=", 1) for item in label or []),
        created_after=created_after,
        created_before=created_before,
    )
    after = decode_time_cursor(cursor)
    with context.db.read() as db:
        rows, total, more = store.page(db, flt, limit, after)
        items = [store.to_out(r) for r in rows]
    last = rows[-1] if rows and more else None
    next_cursor = encode_cursor(last.created_at.isoformat(), last.id) if last else None
    return Page[SessionOut](items=items, total=total, limit=limit, next_cursor=next_cursor)


@router.get("/{session_id}", response_model=SessionOut)
def get_session(session_id: SessionId, context: ContextDep, _: AsViewer) -> SessionOut:
    """One session with its summary counts (viewer)."""
    with context.db.read() as db:
        row = store.get(db, session_id)
        if row is None:
            raise not_found(session_id)
        return store.to_out(row)


@router.patch("/{session_id}", response_model=SessionOut)
def patch_session(
    session_id: SessionId, body: SessionPatch, context: ContextDep, _: AsRunner
) -> SessionOut:
    """Change a session's fields (runner); finishing it stamps ``finished_at``."""
    with context.db.write() as db:
        row = store.get(db, session_id, for_update=True)
        if row is None:
            raise not_found(session_id)
        store.patch(row, body)
        if row.finished_at is not None and row.finished_at < row.started_at:
            raise ApiError(422, "invalid request: finished_at is before started_at")
        db.flush()
        return store.to_out(row)
