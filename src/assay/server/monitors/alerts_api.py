"""``/api/v1/alerts`` (the outbox: list, acknowledge) and ``/api/v1/maintenance`` (windows:
list, start one, end one)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import ValidationError

from assay.server.api.deps import API_PREFIX, ContextDep
from assay.server.api.models import Page
from assay.server.api.pagination import (
    Cursor,
    Limit,
    decode_time_cursor,
    encode_cursor,
)
from assay.server.db.tables import utcnow
from assay.server.errors import ApiError, ErrorDetail
from assay.server.monitors import store
from assay.server.monitors.config import WindowSpec
from assay.server.monitors.maintenance import WindowError
from assay.server.monitors.runtime import MonitorRuntime
from assay.server.monitors.schemas import AlertOut, MaintenanceOut
from assay.server.monitors.tables import MaintenanceRow
from assay.server.tokens import AsRunner, AsViewer

alerts_router = APIRouter(prefix=f"{API_PREFIX}/alerts", tags=["alerts"])
maintenance_router = APIRouter(prefix=f"{API_PREFIX}/maintenance", tags=["maintenance"])
WindowId = Annotated[str, Path(min_length=1, max_length=100)]


@alerts_router.get("", response_model=Page[AlertOut])
def list_alerts(
    context: ContextDep,
    _: AsViewer,
    limit: Limit = 50,
    cursor: Cursor = None,
    monitor: Annotated[str | None, Query(max_length=100)] = None,
    status: Annotated[str | None, Query(pattern="^(pending|sent|failed)$")] = None,
) -> Page[AlertOut]:
    """Alerts, newest first (viewer): what was sent, what waits, what failed and why."""
    before = decode_time_cursor(cursor)
    attempts = context.settings.monitor_alert_max_attempts
    with context.db.read() as session:
        items, total, more = store.alerts(session, monitor, status, attempts, limit, before)
    last = items[-1] if items and more else None
    next_cursor = encode_cursor(last.created_at.isoformat(), last.key) if last else None
    return Page[AlertOut](items=items, total=total, limit=limit, next_cursor=next_cursor)


@alerts_router.post("/{key:path}/ack", response_model=AlertOut)
def acknowledge_alert(key: str, context: ContextDep, principal: AsRunner) -> AlertOut:
    """Acknowledge an alert's incident (runner): no more reminders or escalations for it."""
    with context.db.write() as session:
        found = store.acknowledge(session, key, principal.name)
        if found is None:
            raise ApiError(404, f"no alert with key '{key}'")
        row, incident = found
        session.flush()
        return store.alert_out(row, incident, context.settings.monitor_alert_max_attempts)


def _window_out(row: MaintenanceRow, now: datetime) -> MaintenanceOut:
    try:
        active = WindowSpec.model_validate(row.spec).window().active(now)
    except (ValueError, WindowError):
        active = False
    return MaintenanceOut(
        id=row.id,
        origin=row.origin,
        spec=dict(row.spec),
        active=active,
        created_by=row.created_by,
        created_at=row.created_at,
    )


@maintenance_router.get("", response_model=list[MaintenanceOut])
def list_windows(context: ContextDep, _: AsViewer) -> list[MaintenanceOut]:
    """Maintenance windows, the file's and the API's, and whether each is on now (viewer)."""
    now = utcnow()
    runtime = context.part(MonitorRuntime)
    out = []
    if runtime.file is not None:
        for spec in runtime.file.data.maintenance:
            active = spec.window().active(now)
            out.append(
                MaintenanceOut(
                    id=spec.id,
                    origin="file",
                    active=active,
                    created_by=None,
                    created_at=None,
                    spec=spec.model_dump(mode="json", exclude_defaults=True),
                )
            )
    with context.db.read() as session:
        out += [_window_out(r, now) for r in store.windows(session)]
    return out


@maintenance_router.post("", status_code=201, response_model=MaintenanceOut)
def start_window(
    body: dict[str, Any], context: ContextDep, principal: AsRunner, response: Response
) -> MaintenanceOut:
    """Add a maintenance window (runner). A one-off needs ``end`` or ``for`` (``30m``) and
    starts now unless ``start`` says otherwise; recurring ones take ``cron``, ``weekly`` or
    ``monthly`` with a ``duration``. Failures in a window alert nobody and do not count
    against uptime."""
    data = dict(body)
    data.setdefault("id", f"api-{uuid.uuid4().hex[:10]}")
    lasting = data.pop("for", None)
    if not any(data.get(k) for k in ("cron", "weekly", "monthly")):
        data.setdefault("start", utcnow().isoformat())
    try:
        if lasting is not None:
            spec = WindowSpec.model_validate({**data, "duration": lasting})
            end = (spec.start or utcnow()) + timedelta(seconds=spec.duration or 0)
            spec = spec.model_copy(update={"end": end, "duration": None})
        else:
            spec = WindowSpec.model_validate(data)
        spec.window()
    except ValidationError as exc:
        details = [
            ErrorDetail(field="body." + ".".join(str(p) for p in e["loc"]), message=e["msg"])
            for e in exc.errors()
        ]
        text = "; ".join(f"{d.field}: {d.message}" for d in details)
        raise ApiError(422, f"invalid request: {text}", "validation_error", details) from None
    except (ValueError, WindowError) as exc:
        raise ApiError(
            422,
            f"invalid request: body: {exc}",
            "validation_error",
            [ErrorDetail(field="body", message=str(exc))],
        ) from None
    with context.db.write() as session:
        if session.get(MaintenanceRow, spec.id) is not None:
            raise ApiError(409, f"a maintenance window '{spec.id}' exists")
        row = MaintenanceRow(
            id=spec.id,
            spec=spec.model_dump(mode="json", exclude_defaults=True),
            origin="api",
            created_by=principal.name,
            created_at=utcnow(),
            ends_at=spec.end,
        )
        session.add(row)
        session.flush()
        out = _window_out(row, utcnow())
    context.part(MonitorRuntime).sync()
    response.headers["Location"] = f"{API_PREFIX}/maintenance/{spec.id}"
    return out


@maintenance_router.delete("/{window_id}", status_code=204)
def end_window(window_id: WindowId, context: ContextDep, _: AsRunner) -> Response:
    """Remove an API maintenance window (runner); the file's belong to the file."""
    with context.db.write() as session:
        row = session.get(MaintenanceRow, window_id)
        if row is None:
            raise ApiError(404, f"no maintenance window '{window_id}' made through the API")
        session.delete(row)
    context.part(MonitorRuntime).sync()
    return Response(status_code=204)
