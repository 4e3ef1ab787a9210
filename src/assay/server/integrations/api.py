"""``/api/v1/integrations``: configured endpoints, their status and check history, and a
check on demand."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel

from assay.server.api.deps import API_PREFIX, ContextDep
from assay.server.api.models import Page
from assay.server.api.pagination import Cursor, Limit, decode_cursor, encode_cursor
from assay.server.context import ServerContext
from assay.server.errors import ApiError, ErrorOut
from assay.server.integrations import Health, Integration, Integrations
from assay.server.integrations import store as integration_store
from assay.server.integrations.tables import IntegrationCheck, IntegrationState
from assay.server.tokens import AsRunner, AsViewer

router = APIRouter(prefix=f"{API_PREFIX}/integrations", tags=["integrations"])
IntegrationId = Annotated[
    str, Path(min_length=1, max_length=100, description="An integration's name.")
]
StatusFilter = Annotated[list[Health] | None, Query(description="Any of these.")]


class IntegrationOut(BaseModel):
    """An integration, its check (never its credentials) and its latest status."""

    id: str
    description: str
    kind: str
    target_type: str
    endpoint: str
    interval_seconds: float
    conditions: list[str]
    degraded_conditions: list[str]
    status: Health
    status_since: datetime | None
    checked_at: datetime | None
    message: str
    failed_conditions: list[str]
    duration_ms: float | None
    checks: int


class CheckOut(BaseModel):
    id: int
    status: Health
    checked_at: datetime
    duration_ms: float
    message: str
    failed_conditions: list[str]
    http_status: int | None
    trigger: str


class IntegrationHealth(BaseModel):
    """The latest status, and the checks behind it, newest first."""

    integration: IntegrationOut
    history: Page[CheckOut]


def _out(integration: Integration, state: IntegrationState | None) -> IntegrationOut:
    return IntegrationOut(
        id=integration.name,
        description=integration.description,
        kind=integration.kind,
        target_type=integration.target_type,
        endpoint=integration.endpoint,
        interval_seconds=integration.interval,
        conditions=list(integration.conditions),
        degraded_conditions=[c.source for c in integration.degraded],
        status=Health(state.status) if state else Health.UNKNOWN,
        status_since=state.status_since if state else None,
        checked_at=state.checked_at if state else None,
        message=state.message if state else "",
        failed_conditions=list(state.failed_conditions) if state else [],
        duration_ms=state.duration_ms if state else None,
        checks=state.checks if state else 0,
    )


def _check_out(row: IntegrationCheck) -> CheckOut:
    return CheckOut(
        id=row.pk,
        status=Health(row.status),
        checked_at=row.checked_at,
        duration_ms=row.duration_ms,
        message=row.message,
        failed_conditions=list(row.failed_conditions),
        http_status=row.http_status,
        trigger=row.trigger,
    )


def _integration(context: ServerContext, name: str) -> Integration:
    integrations = context.part(Integrations)
    found = integrations.get(name)
    if found is None:
        known = ", ".join(integrations.names[:20]) or "none are configured"
        raise ApiError(404, f"no integration with id '{name}' (known: {known})")
    return found


@router.get("", response_model=Page[IntegrationOut])
def list_integrations(
    context: ContextDep,
    _: AsViewer,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: StatusFilter = None,
) -> Page[IntegrationOut]:
    """Every configured integration with its latest status, by id (viewer)."""
    integrations = context.part(Integrations)
    names = integrations.names
    with context.db.read() as db:
        states = integration_store.states(db, names)
    wanted = {str(s) for s in status or []}
    items = [
        _out(integrations.by_name[n], states.get(n))
        for n in names
        if not wanted or (states[n].status if n in states else Health.UNKNOWN) in wanted
    ]
    total = len(items)
    if cursor is not None:
        after = decode_cursor(cursor, str)[0]
        items = [i for i in items if i.id > after]
    page, more = items[:limit], len(items) > limit
    next_cursor = encode_cursor(page[-1].id) if page and more else None
    return Page[IntegrationOut](items=page, total=total, limit=limit, next_cursor=next_cursor)


@router.get("/{integration_id}", response_model=IntegrationOut)
def get_integration(
    integration_id: IntegrationId, context: ContextDep, _: AsViewer
) -> IntegrationOut:
    """One integration and its latest status (viewer)."""
    integration = _integration(context, integration_id)
    with context.db.read() as db:
        return _out(integration, integration_store.state(db, integration_id))


@router.get("/{integration_id}/health", response_model=IntegrationHealth)
def integration_health(
    integration_id: IntegrationId,
    context: ContextDep,
    _: AsViewer,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: StatusFilter = None,
) -> IntegrationHealth:
    """The latest status and the check history, newest first (viewer)."""
    integration = _integration(context, integration_id)
    before = decode_cursor(cursor, int)[0] if cursor is not None else None
    with context.db.read() as db:
        state = integration_store.state(db, integration_id)
        rows, total, more = integration_store.history(
            db, integration_id, limit, before, [str(s) for s in status or []]
        )
        items = [_check_out(r) for r in rows]
    next_cursor = encode_cursor(rows[-1].pk) if rows and more else None
    return IntegrationHealth(
        integration=_out(integration, state),
        history=Page[CheckOut](items=items, total=total, limit=limit, next_cursor=next_cursor),
    )


class CheckQueued(BaseModel):
    """A check on its way: its outcome appears in ``status_url`` as a ``manual`` check."""

    integration: str
    status: str = "queued"
    status_url: str


@router.post(
    "/{integration_id}/health",
    status_code=202,
    response_model=CheckQueued,
    responses={
        202: {"description": "Queued; `Location` (= `status_url`) shows the outcome"},
        409: {"model": ErrorOut, "description": "This server runs no background jobs"},
    },
)
def check_integration(
    integration_id: IntegrationId, context: ContextDep, _: AsRunner, response: Response
) -> CheckQueued:
    """Check the integration now (runner): answered at once (202); the check runs in this
    server's background jobs, never in the request, and its outcome appears in
    `GET .../health` with `trigger` `manual` (asking again while it runs queues one more)."""
    integration = _integration(context, integration_id)
    scheduler = context.scheduler
    if scheduler is None or not scheduler.running:
        raise ApiError(
            409,
            "this server runs no background jobs (jobs_enabled = false), so it cannot check "
            "now; ask a server that runs them",
        )
    integrations = context.part(Integrations)
    integrations.ask(integration.name)
    scheduler.run_soon(integrations.job_name(integration.name), lease=False)
    url = f"{API_PREFIX}/integrations/{integration.name}/health"
    response.headers["Location"] = url
    return CheckQueued(integration=integration.name, status_url=url)
