"""``/api/v1/feedback``: reports with attachments (multipart), each becoming a GitHub issue
in the background, so that submitting answers at once."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from assay.server.api.deps import API_PREFIX, ContextDep
from assay.server.context import ServerContext
from assay.server.errors import ApiError, ErrorDetail
from assay.server.feedback import store
from assay.server.feedback.attachments import Attachment, AttachmentError, check
from assay.server.sessions import result_exists, session_exists
from assay.server.tokens import AsRunner, AsViewer

router = APIRouter(prefix=f"{API_PREFIX}/feedback", tags=["feedback"])
FeedbackId = Annotated[str, Path(min_length=1, max_length=32, description="A report's id.")]


class Severity(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class FeedbackStatus(enum.StrEnum):
    STORED = "stored"  # kept here; GitHub is not configured
    PENDING = "pending"  # waiting for (another try at) GitHub
    CREATED = "created"  # the issue exists: see issue_number and issue_url
    FAILED = "failed"  # GitHub refused, or every try failed: see last_error


class AttachmentOut(BaseModel):
    position: int
    filename: str
    content_type: str
    size: int
    sha256: str
    url: str


class FeedbackOut(BaseModel):
    """A report and where its GitHub issue stands."""

    id: str
    title: str
    description: str
    severity: Severity
    session_id: str | None
    result_id: str | None
    created_at: datetime
    status: FeedbackStatus
    issue_number: int | None
    issue_url: str | None
    duplicate_of: str | None
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    attachments: list[AttachmentOut]


def _out(report: store.Report, github: bool) -> FeedbackOut:
    row, issue = report.row, report.issue
    status = FeedbackStatus.PENDING if github else FeedbackStatus.STORED
    if issue is not None:
        status = FeedbackStatus(issue.state)
    return FeedbackOut(
        id=row.id,
        title=row.title,
        description=row.description,
        severity=Severity(row.severity),
        session_id=row.session_id,
        result_id=row.result_id,
        created_at=row.created_at,
        status=status,
        issue_number=issue.issue_number if issue else None,
        issue_url=issue.issue_url if issue else None,
        duplicate_of=report.first_report if report.first_report != row.id else None,
        attempts=issue.attempts if issue else 0,
        next_attempt_at=issue.next_attempt_at if issue else None,
        last_error=issue.last_error if issue else None,
        attachments=[
            AttachmentOut(**vars(a), url=f"{API_PREFIX}/feedback/{row.id}/attachments/{a.position}")
            for a in report.attachments
        ],
    )


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(
        422,
        f"invalid request: {field}: {message}",
        details=[ErrorDetail(field=field, message=message)],
    )


def _store(context: ServerContext, report: store.NewReport, token_id: str) -> FeedbackOut:
    with context.db.write() as db:
        if report.session_id is not None and not session_exists(db, report.session_id):
            raise _invalid("body.session_id", f"no session with id '{report.session_id}'")
        if report.result_id is not None:
            if report.session_id is None:
                raise _invalid("body.result_id", "a result is linked with its session_id")
            if not result_exists(db, report.session_id, report.result_id):
                raise _invalid("body.result_id", f"no result '{report.result_id}' in the session")
        row = store.create(db, report, token_id)
        db.flush()
        found_report = store.read(db, row.id)
        assert found_report is not None
        return _out(found_report, context.settings.github_enabled)


@router.post("", status_code=202, response_model=FeedbackOut)
async def submit_feedback(
    context: ContextDep,
    principal: AsRunner,
    response: Response,
    title: Annotated[str, Form(min_length=1, max_length=200)],
    description: Annotated[str, Form(min_length=1, max_length=50_000)],
    severity: Annotated[Severity, Form()] = Severity.MEDIUM,
    session_id: Annotated[str | None, Form(min_length=1, max_length=64)] = None,
    result_id: Annotated[str | None, Form(min_length=1, max_length=300)] = None,
    attachments: Annotated[list[UploadFile] | None, File(description="Files.")] = None,
) -> FeedbackOut:
    """Report a problem (runner), as `multipart/form-data`; answers 202 at once.

    The report becomes a GitHub issue in the background (`status`: pending, then created
    with `issue_number` and `issue_url`). Identical reports within the dedupe window join
    the first one's issue (`duplicate_of`). Attachments: images (PNG, JPEG, GIF, WebP),
    PDF, plain text, CSV, JSON or XML, each within the size limit (413) and of a declared
    type its content matches (415).
    """
    settings = context.settings
    for name, value in (("title", title), ("description", description)):
        if not value.strip():
            raise _invalid(f"body.{name}", "must not be blank")
    files = attachments or []
    if len(files) > settings.feedback_max_attachments:
        raise _invalid(
            "body.attachments", f"at most {settings.feedback_max_attachments} attachments"
        )
    accepted: list[Attachment] = []
    for position, upload in enumerate(files, 1):
        content = await upload.read(settings.feedback_max_attachment_bytes + 1)
        try:
            accepted.append(
                check(
                    upload.filename,
                    upload.content_type,
                    content,
                    position,
                    settings.feedback_max_attachment_bytes,
                )
            )
        except AttachmentError as exc:
            raise ApiError(exc.status, exc.message) from None
    report = store.NewReport(
        title.strip(),
        description,
        str(severity),
        session_id,
        result_id,
        accepted,
    )
    out = await run_in_threadpool(_store, context, report, principal.token_id)
    response.headers["Location"] = f"{API_PREFIX}/feedback/{out.id}"
    return out


@router.get("/{feedback_id}", response_model=FeedbackOut)
def get_feedback(feedback_id: FeedbackId, context: ContextDep, _: AsViewer) -> FeedbackOut:
    """A report, with its GitHub issue's number and URL once created (viewer)."""
    with context.db.read() as db:
        report = store.read(db, feedback_id)
        if report is None:
            raise ApiError(404, f"no feedback with id '{feedback_id}'")
        return _out(report, context.settings.github_enabled)


@router.get(
    "/{feedback_id}/attachments/{position}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def get_attachment(
    feedback_id: FeedbackId,
    position: Annotated[int, Path(ge=1, le=1000)],
    context: ContextDep,
    _: AsViewer,
) -> Response:
    """One attachment, as a download (viewer)."""
    with context.db.read() as db:
        found = store.attachment(db, feedback_id, position)
        if found is None:
            raise ApiError(404, f"no attachment {position} on feedback '{feedback_id}'")
        return Response(
            found.content,
            media_type=found.content_type,
            headers={
                "Content-Disposition": f'attachment; filename="{found.filename}"',
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "sandbox; default-src 'none'",
            },
        )
