"""``/api/v1/sessions/{id}/results`` (batch upload, list) and ``.../junit`` (JUnit import)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from assay.core.results import Phase, Status
from assay.server.api.deps import API_PREFIX, ContextDep
from assay.server.api.jsonroute import OrjsonRoute
from assay.server.api.models import Page
from assay.server.api.pagination import Cursor, Limit, decode_cursor, encode_cursor
from assay.server.context import ServerContext
from assay.server.errors import ApiError, ErrorDetail
from assay.server.sessions import results_store as store
from assay.server.sessions import store as sessions
from assay.server.sessions.api import SessionId, not_found
from assay.server.sessions.junit import JunitError, parse_junit
from assay.server.sessions.schemas import IngestOut, ResultBatch, ResultIn, ResultOut
from assay.server.tokens import AsRunner, AsViewer

router = APIRouter(
    prefix=API_PREFIX + "/sessions/{session_id}", tags=["results"], route_class=OrjsonRoute
)
XML_TYPES = ("application/xml", "text/xml", "application/junit+xml")
INGESTED: dict[int | str, dict[str, Any]] = {
    201: {"description": "At least one result was new and is stored"},
    200: {
        "model": IngestOut,
        "description": "Every result was stored already (a retry): nothing changed",
    },
}


def _ingest(context: ServerContext, session_id: SessionId, results: list[ResultIn]) -> IngestOut:
    with context.db.write() as db:
        done = store.ingest(db, session_id, results)
        if done is None:
            raise not_found(session_id)
        counts = sessions.current_summary(db, session_id)
    context.metrics.results.inc(len(done.accepted))
    context.metrics.duplicates.inc(len(done.duplicates))
    return IngestOut(
        accepted=len(done.accepted),
        duplicates=len(done.duplicates),
        duplicate_ids=done.duplicates,
        summary=counts,
    )


def _must_exist(context: ServerContext, session_id: str) -> None:
    with context.db.read() as db:
        if not sessions.exists(db, session_id):
            raise not_found(session_id)


@router.post("/results", status_code=201, response_model=IngestOut, responses=INGESTED)
def upload_results(
    session_id: SessionId, body: ResultBatch, context: ContextDep, _: AsRunner, response: Response
) -> IngestOut:
    """Store a batch of results (runner); ids already stored are counted, not duplicated.

    Each item is what `StepResult.to_dict()` gives, with an optional `id`; without one the
    id is `suite::group/phase/index`. 201 when something was new, 200 for a pure retry.
    """
    if len(body.results) > context.settings.max_batch:
        message = f"at most {context.settings.max_batch} results per upload"
        raise ApiError(
            422,
            f"invalid request: body.results: {message}",
            details=[ErrorDetail(field="body.results", message=message)],
        )
    out = _ingest(context, session_id, body.results)
    response.status_code = 201 if out.accepted else 200
    return out


@router.get("/results", response_model=Page[ResultOut])
def list_results(
    session_id: SessionId,
    context: ContextDep,
    _: AsViewer,
    limit: Limit = 100,
    cursor: Cursor = None,
    status: Annotated[list[Status] | None, Query(description="Any of these.")] = None,
    phase: Phase | None = None,
    group: Annotated[str | None, Query(max_length=300)] = None,
    kind: Annotated[str | None, Query(max_length=200)] = None,
    suite: Annotated[str | None, Query(max_length=2000)] = None,
) -> Page[ResultOut]:
    """A session's results in arrival order (viewer)."""
    after = decode_cursor(cursor, int)[0] if cursor is not None else None
    flt = store.ResultFilter(
        status=[str(s) for s in status or []],
        phase=str(phase) if phase else None,
        group=group,
        kind=kind,
        suite=suite,
    )
    with context.db.read() as db:
        found = store.page(db, session_id, flt, limit, after)
    if found is None:
        raise not_found(session_id)
    items, total, last = found
    next_cursor = encode_cursor(last) if last is not None else None
    return Page[ResultOut](items=items, total=total, limit=limit, next_cursor=next_cursor)


@router.post(
    "/junit",
    status_code=201,
    response_model=IngestOut,
    responses=INGESTED,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {t: {"schema": {"type": "string"}} for t in XML_TYPES},
        }
    },
)
async def import_junit(
    session_id: SessionId, request: Request, context: ContextDep, _: AsRunner, response: Response
) -> IngestOut:
    """Import a JUnit XML report (runner): each `<testcase>` becomes a result.

    Send the document as the body with `Content-Type: application/xml`. Importing the same
    report again adds nothing (ids come from suite, class and test names).
    """
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in XML_TYPES:
        raise ApiError(
            415, f"send JUnit XML with Content-Type application/xml, not '{kind or 'none'}'"
        )
    await run_in_threadpool(_must_exist, context, session_id)
    document = await request.body()
    try:
        results = await run_in_threadpool(parse_junit, document, 50_000)
    except JunitError as exc:
        raise ApiError(400, f"cannot import this JUnit XML: {exc}", "invalid_junit") from None
    out = await run_in_threadpool(_ingest, context, session_id, results)
    response.status_code = 201 if out.accepted else 200
    return out
