"""``/api/v1/monitors``: create, list, read, replace, patch, delete, pause, resume, run now.

Writes go to the definitions table and take effect in this worker at once (``sync``), in
the others within a few seconds. A monitor from the server's monitors file belongs to the
file: the API reads it but answers 409 to a change. API monitors name their credentials by
reference (``${ENV}``, ``${file:/path}``), resolved by the server when they run.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Response
from pydantic import ValidationError

from assay.core.errors import SuiteError
from assay.core.identifiers import LABEL
from assay.server.api.deps import API_PREFIX, ContextDep
from assay.server.api.models import Page
from assay.server.api.pagination import Cursor, Limit, decode_cursor, encode_cursor
from assay.server.context import ServerContext
from assay.server.db.tables import utcnow
from assay.server.errors import ApiError, ErrorDetail
from assay.server.monitors import definitions, stats, store
from assay.server.monitors.alerts_api import alerts_router, maintenance_router
from assay.server.monitors.build import build
from assay.server.monitors.runtime import MonitorRuntime
from assay.server.monitors.schemas import MonitorOut, RunQueued
from assay.server.monitors.spec import MonitorSpec
from assay.server.monitors.state import State
from assay.server.monitors.tables import MonitorStateRow
from assay.server.tokens import AsRunner, AsViewer

router = APIRouter(prefix=f"{API_PREFIX}/monitors", tags=["monitors"])
MonitorName = Annotated[str, Path(min_length=1, max_length=100, description="A monitor's name.")]
CREATED: dict[int | str, dict[str, Any]] = {
    201: {"description": "Created; `Location` names the monitor"},
    409: {"description": "A monitor of that name exists, or it belongs to the monitors file"},
}
CHANGED: dict[int | str, dict[str, Any]] = {
    409: {"description": "The monitor belongs to the server's monitors file"}
}

__all__ = ["alerts_router", "maintenance_router", "router"]


def not_found(name: str) -> ApiError:
    return ApiError(404, f"no monitor named '{name}'")


def _invalid(exc: SuiteError | ValidationError) -> ApiError:
    if isinstance(exc, ValidationError):
        details = [
            ErrorDetail(field="body." + ".".join(str(p) for p in e["loc"]), message=e["msg"])
            for e in exc.errors()
        ]
    else:
        details = [ErrorDetail(field=f"body.{p.path}", message=p.message) for p in exc.problems]
    text = "; ".join(f"{d.field}: {d.message}" for d in details)
    return ApiError(422, f"invalid monitor: {text}", "validation_error", details)


def _checked(spec: MonitorSpec, context: ServerContext) -> None:
    """The spec must build as an API monitor: a valid suite, credentials by reference."""
    try:
        build(spec, context.part(MonitorRuntime).base(), definitions.API)
    except SuiteError as exc:
        raise _invalid(exc) from None


def _answer(context: ServerContext, name: str) -> MonitorOut:
    runtime = context.part(MonitorRuntime)
    with context.db.read() as session:
        row = definitions.get(session, name)
        if row is None:
            raise not_found(name)
        state = session.get(MonitorStateRow, name)
        return store.monitor_out(row, state, runtime.broken.get(name))


def _owned_by_api(context: ServerContext, name: str) -> None:
    with context.db.read() as session:
        row = definitions.get(session, name)
    if row is None:
        raise not_found(name)
    if row.origin != definitions.API:
        raise ApiError(409, f"monitor '{name}' belongs to the monitors file; change it there")


@router.get("", response_model=Page[MonitorOut])
def list_monitors(
    context: ContextDep,
    _: AsViewer,
    limit: Limit = 100,
    cursor: Cursor = None,
    state: Annotated[list[State] | None, Query(description="Any of these.")] = None,
    label: Annotated[
        list[Annotated[str, Query(pattern=LABEL)]] | None,
        Query(description="key=value; repeat to require several labels."),
    ] = None,
    origin: Annotated[str | None, Query(pattern="^(file|api)$")] = None,
) -> Page[MonitorOut]:
    """Monitors by name with their state, 24 h uptime and p95 (viewer): two queries for
    the page (monitors with states, then their roll-ups) and one for the total."""
    after = decode_cursor(cursor, str)[0] if cursor is not None else None
    labels = dict(item.split("=", 1) for item in label or [])
    broken = context.part(MonitorRuntime).broken
    with context.db.read() as session:
        rows, total, more = store.page(
            session, labels, [str(s) for s in state or []], origin, limit, after
        )
        items = [store.monitor_out(r, s, broken.get(r.name)) for r, s in rows]
        figures = stats.current(session, [i.name for i in items], utcnow())
    for item in items:
        item.uptime_24h, item.p95_24h_ms = figures[item.name]
    next_cursor = encode_cursor(items[-1].name) if items and more else None
    return Page[MonitorOut](items=items, total=total, limit=limit, next_cursor=next_cursor)


@router.post("", status_code=201, response_model=MonitorOut, responses=CREATED)
def create_monitor(
    spec: MonitorSpec, context: ContextDep, _: AsRunner, response: Response
) -> MonitorOut:
    """Create a monitor (runner); 409 if the name is taken."""
    _checked(spec, context)
    with context.db.write() as session:
        if definitions.get(session, spec.name) is not None:
            raise ApiError(409, f"a monitor named '{spec.name}' exists; PUT replaces it")
        definitions.put(session, spec, definitions.API)
    context.part(MonitorRuntime).sync()
    response.headers["Location"] = f"{API_PREFIX}/monitors/{spec.name}"
    return _answer(context, spec.name)


@router.get("/{name}", response_model=MonitorOut)
def get_monitor(name: MonitorName, context: ContextDep, _: AsViewer) -> MonitorOut:
    """One monitor with its spec and current state (viewer)."""
    return _answer(context, name)


@router.put("/{name}", response_model=MonitorOut, responses={**CREATED, **CHANGED})
def replace_monitor(
    name: MonitorName, spec: MonitorSpec, context: ContextDep, _: AsRunner, response: Response
) -> MonitorOut:
    """Create or replace a monitor (runner): 201 when new, 200 when replaced."""
    if spec.name != name:
        raise ApiError(
            422,
            f"invalid monitor: body.name: '{spec.name}' is not '{name}'",
            "validation_error",
            [ErrorDetail(field="body.name", message=f"must be '{name}'")],
        )
    _checked(spec, context)
    with context.db.write() as session:
        row = definitions.get(session, name)
        if row is not None and row.origin != definitions.API:
            raise ApiError(409, f"monitor '{name}' belongs to the monitors file; change it there")
        created = definitions.put(session, spec, definitions.API)[1]
    context.part(MonitorRuntime).sync()
    response.status_code = 201 if created else 200
    response.headers["Location"] = f"{API_PREFIX}/monitors/{name}"
    return _answer(context, name)


@router.patch("/{name}", response_model=MonitorOut, responses=CHANGED)
def patch_monitor(
    name: MonitorName,
    context: ContextDep,
    _: AsRunner,
    changes: Annotated[dict[str, Any], Body(description="Fields of the spec to change.")],
) -> MonitorOut:
    """Change some of a monitor's fields (runner): the others stay (JSON merge patch)."""
    _owned_by_api(context, name)
    with context.db.read() as session:
        row = definitions.get(session, name)
        current = dict(row.spec) if row else {}
    merged = {k: v for k, v in {**current, **changes, "name": name}.items() if v is not None}
    try:
        spec = MonitorSpec.model_validate(merged)
    except ValidationError as exc:
        raise _invalid(exc) from None
    _checked(spec, context)
    with context.db.write() as session:
        definitions.put(session, spec, definitions.API)
    context.part(MonitorRuntime).sync()
    return _answer(context, name)


@router.delete("/{name}", status_code=204, responses=CHANGED)
def delete_monitor(name: MonitorName, context: ContextDep, _: AsRunner) -> Response:
    """Delete a monitor, its state, roll-ups and incidents (runner)."""
    _owned_by_api(context, name)
    with context.db.write() as session:
        definitions.remove(session, name)
    context.part(MonitorRuntime).sync()
    return Response(status_code=204)


def _pause(context: ServerContext, name: str, paused: bool) -> MonitorOut:
    _owned_by_api(context, name)
    with context.db.write() as session:
        definitions.set_paused(session, name, paused)
        state = session.get(MonitorStateRow, name, with_for_update=True)
        if state is not None:
            state.state = str(State.PAUSED if paused else State.UNKNOWN)
            state.since, state.failing, state.passing = utcnow(), 0, 0
    context.part(MonitorRuntime).sync()
    return _answer(context, name)


@router.post("/{name}/pause", response_model=MonitorOut, responses=CHANGED)
def pause_monitor(name: MonitorName, context: ContextDep, _: AsRunner) -> MonitorOut:
    """Stop running a monitor until it is resumed (runner); its state becomes paused."""
    return _pause(context, name, True)


@router.post("/{name}/resume", response_model=MonitorOut, responses=CHANGED)
def resume_monitor(name: MonitorName, context: ContextDep, _: AsRunner) -> MonitorOut:
    """Run a paused monitor again (runner); unknown until its next run."""
    return _pause(context, name, False)


@router.post(
    "/{name}/run",
    status_code=202,
    response_model=RunQueued,
    responses={202: {"description": "Queued; the outcome shows in the monitor's state"}},
)
def run_monitor(
    name: MonitorName, context: ContextDep, _: AsRunner, response: Response
) -> RunQueued:
    """Run a monitor now (runner), answered at once (202): this server runs it when it runs
    jobs, or else the next server that does picks the request up."""
    runtime = context.part(MonitorRuntime)
    with context.db.write() as session:
        if not definitions.request_run(session, name, utcnow()):
            raise not_found(name)
    scheduler = context.scheduler
    if scheduler is not None and scheduler.running:
        runtime.claim_requests()
    url = f"{API_PREFIX}/monitors/{name}"
    response.headers["Location"] = url
    return RunQueued(monitor=name, status_url=url)
