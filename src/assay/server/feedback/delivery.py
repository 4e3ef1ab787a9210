"""The delivery job: each report becomes a GitHub issue, once.

1. Reports not yet joined to an issue join one: the issue row of the same fingerprint made
   within ``feedback_dedupe_hours``, or a new row. The row (title, body with its marker,
   labels) is committed before any request is sent.
2. Each due issue row is tried: the attempt is counted and committed first, so that after a
   crash or a timeout (GitHub may have made the issue without our hearing of it) the next
   attempt looks for the marker before it creates anything. Transient failures wait and try
   again (``Retry-After`` / ``X-RateLimit-Reset`` when GitHub gives them, else doubling
   delays); others, or too many tries, mark the row failed with the reason.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from assay.core.secrets import redact
from assay.server.db import Database
from assay.server.db.tables import utcnow
from assay.server.feedback.github import PAGES, GitHubError, GitHubIssues
from assay.server.feedback.store import attachment_infos
from assay.server.feedback.tables import Feedback, FeedbackIssue
from assay.server.jobs import Job, JobContext
from assay.server.settings import Settings

JOB = "feedback.github"
MAX_DELAY_S = 900.0
BATCH = 50
SEARCH_MARGIN = timedelta(minutes=5)  # clocks differ; look a little before the first try


def marker(issue_id: str) -> str:
    return f"<!-- assay-feedback:{issue_id} -->"


def issue_body(report: Feedback, attachments: list[str], issue_id: str) -> str:
    """The issue's Markdown: the report, its links, its attachments, then the marker."""
    lines = [f"**Severity:** {report.severity}"]
    if report.session_id:
        lines.append(f"**Session:** `{report.session_id}`")
    if report.result_id:
        lines.append(f"**Result:** `{report.result_id}`")
    lines += ["", redact(report.description), ""]
    if attachments:
        lines += ["**Attachments** (on the assay server):", *attachments, ""]
    lines += [f"_Reported through assay (feedback `{report.id}`)._", "", marker(issue_id)]
    return "\n".join(lines)


def _attachment_lines(ctx_settings: Settings, report: Feedback, db: Database) -> list[str]:
    with db.read() as session:
        infos = attachment_infos(session, report.id)
    base = ctx_settings.public_url
    out = []
    for info in infos:
        where = f"{base}/api/v1/feedback/{report.id}/attachments/{info.position}" if base else ""
        label = f"[{info.filename}]({where})" if where else f"`{info.filename}`"
        out.append(f"- {label} ({info.content_type}, {info.size} bytes)")
    return out


def assign(db: Database, settings: Settings) -> int:
    """Join waiting reports to issue rows (new rows are pending); returns how many."""
    assert settings.github_repository is not None
    now = utcnow()
    window = now - timedelta(hours=settings.feedback_dedupe_hours)
    with db.read() as session:
        waiting = list(
            session.scalars(
                select(Feedback)
                .where(Feedback.issue_id.is_(None))
                .order_by(Feedback.created_at, Feedback.id)
                .limit(BATCH)
            )
        )
    bodies = {r.id: _attachment_lines(settings, r, db) for r in waiting}
    with db.write() as session:
        for report in waiting:
            row = session.get(Feedback, report.id, with_for_update=True)
            if row is None or row.issue_id is not None:
                continue
            issue = session.scalar(
                select(FeedbackIssue)
                .where(
                    FeedbackIssue.fingerprint == row.fingerprint,
                    FeedbackIssue.repository == settings.github_repository,
                    FeedbackIssue.state != "failed",
                    FeedbackIssue.created_at >= window,
                )
                .order_by(FeedbackIssue.created_at.desc())
                .limit(1)
            )
            if issue is None:
                issue_id = uuid.uuid4().hex
                issue = FeedbackIssue(
                    id=issue_id,
                    fingerprint=row.fingerprint,
                    repository=settings.github_repository,
                    title=redact(row.title),
                    body=issue_body(row, bodies[row.id], issue_id),
                    labels=[*settings.github_labels, f"severity:{row.severity}"],
                    state="pending",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                    updated_at=now,
                )
                session.add(issue)
                session.flush()
            row.issue_id = issue.id
    return len(waiting)


def _delay(settings: Settings, attempts: int) -> float:
    return float(min(settings.feedback_retry_base * 2 ** (attempts - 1), MAX_DELAY_S))


def attempt(ctx: JobContext, tracker: GitHubIssues, issue_id: str) -> None:
    """One try at one issue row (see the module's docstring)."""
    settings, now = ctx.settings, utcnow()
    with ctx.db.write() as session:
        row = session.get(FeedbackIssue, issue_id, with_for_update=True)
        if row is None or row.state != "pending":
            return
        if row.next_attempt_at is not None and row.next_attempt_at > now:
            return
        look_first = row.attempts > 0
        row.attempts += 1
        # claimed for as long as this attempt can take, so that no other worker tries it too
        claim = settings.github_timeout * (PAGES + 2)
        row.next_attempt_at = now + timedelta(seconds=claim)
        row.updated_at = now
        title, body, labels = row.title, row.body, list(row.labels)
        since, attempts = row.created_at - SEARCH_MARGIN, row.attempts
    try:
        found = tracker.find(marker(issue_id), since) if look_first else None
        issue = found or tracker.create(title, body, labels)
    except GitHubError as exc:
        _failed(ctx, issue_id, exc, attempts)
        return
    with ctx.db.write() as session:
        row = session.get_one(FeedbackIssue, issue_id, with_for_update=True)
        row.state, row.issue_number, row.issue_url = "created", issue.number, issue.url
        row.next_attempt_at, row.last_error, row.updated_at = None, None, utcnow()
    how = "found after an interrupted attempt" if found else "created"
    ctx.log.info("feedback: GitHub issue #%d %s (%s)", issue.number, how, issue.url)


def _failed(ctx: JobContext, issue_id: str, exc: GitHubError, attempts: int) -> None:
    settings = ctx.settings
    give_up = not exc.transient or (
        attempts >= settings.feedback_max_attempts and exc.retry_after is None
    )
    wait = exc.retry_after if exc.retry_after is not None else _delay(settings, attempts)
    with ctx.db.write() as session:
        row = session.get_one(FeedbackIssue, issue_id, with_for_update=True)
        row.last_error = str(exc)
        row.updated_at = utcnow()
        if give_up:
            row.state, row.next_attempt_at = "failed", None
        else:
            row.next_attempt_at = utcnow() + timedelta(seconds=max(wait, 0.0))
    verdict = "giving up" if give_up else f"next try in {wait:.1f} s"
    ctx.log.warning("feedback: attempt %d failed: %s; %s", attempts, exc, verdict)


def deliver(ctx: JobContext) -> None:
    """One run of the job: join waiting reports to issues, then try the issues that are due."""
    settings = ctx.settings
    if not settings.github_enabled:
        return
    assert settings.github_repository is not None
    assert settings.github_token is not None
    assign(ctx.db, settings)
    with ctx.db.read() as session:
        due = list(
            session.scalars(
                select(FeedbackIssue.id)
                .where(
                    FeedbackIssue.state == "pending",
                    FeedbackIssue.repository == settings.github_repository,
                    FeedbackIssue.next_attempt_at <= utcnow(),
                )
                .order_by(FeedbackIssue.next_attempt_at)
                .limit(BATCH)
            )
        )
    if not due:
        return
    tracker = GitHubIssues(
        settings.github_repository,
        settings.github_token.get_secret_value(),
        settings.github_api_url,
        settings.github_timeout,
    )
    for issue_id in due:
        attempt(ctx, tracker, issue_id)


def jobs(settings: Settings) -> list[Job]:
    """The delivery job, when GitHub is configured (one worker at a time)."""
    if not settings.github_enabled:
        return []
    return [
        Job(
            JOB,
            settings.feedback_interval,
            deliver,
            f"turns feedback into issues of {settings.github_repository}",
            singleton=True,
        )
    ]
