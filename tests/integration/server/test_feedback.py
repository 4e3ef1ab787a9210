"""``/api/v1/feedback`` on SQLite and PostgreSQL, delivered to a local fake of GitHub's REST
API through githubkit: issues, deduplication, retries after timeouts, rate limits honoured,
attachments checked, and the GitHub token kept secret."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from assay.server.db.tables import utcnow
from assay.server.feedback import delivery, store
from assay.server.feedback.tables import FeedbackIssue
from assay.server.jobs import JobContext
from tests.support.fake_github import FakeGitHub, Plan, start_fake
from tests.support.server import Served, assert_error, create_session, settings_for, step
from tests.support.wait import wait_until

TOKEN = "ghp_fake0123456789abcdefTOKEN"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
LIMIT = 64 * 1024


@dataclass
class Setup:
    served: Served
    github: FakeGitHub


@pytest.fixture(scope="module")
def fed(database_url: str, serve: Callable[..., Served]) -> Iterator[Setup]:
    """A server whose feedback goes to a fake GitHub, tried every 0.1 s, retried quickly."""
    github = start_fake(TOKEN)
    settings = settings_for(
        database_url,
        github_repository=github.repository,
        github_token=TOKEN,
        github_api_url=github.url,
        github_timeout=0.5,
        feedback_interval=0.1,
        feedback_retry_base=0.1,
        feedback_max_attempts=4,
        feedback_max_attachment_bytes=LIMIT,
        public_url="https://assay.example",
    )
    served = serve(settings)
    yield Setup(served, github)
    # the server goes with its fake GitHub: left running (the session's servers stop at the
    # end) it would keep the delivery job's lease and fail every report against nothing
    served.stop()
    github.stop()


def submit(
    served: Served,
    role: str = "runner",
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
    **fields: str,
) -> httpx.Response:
    data = {"title": f"Upload hangs {uuid.uuid4().hex[:8]}", "description": "It hangs."} | fields
    with served.client(role) as http:
        return http.post("/api/v1/feedback", data=data, files=files or [])


def wait_for(served: Served, feedback_id: str, status: str) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    with served.client("viewer") as http:

        def reached() -> bool:
            seen.update(http.get(f"/api/v1/feedback/{feedback_id}").json())
            return bool(seen["status"] == status)

        wait_until(
            reached, 30, 0.05, lambda: f"feedback {feedback_id} never became {status}: {seen}"
        )
    return seen


def test_feedback_becomes_a_github_issue(fed: Setup) -> None:
    response = submit(fed.served, severity="high", description="Uploads hang at 99%.")
    assert response.status_code == 202, response.text
    report = response.json()
    assert response.headers["location"] == f"/api/v1/feedback/{report['id']}"
    assert report["status"] == "pending" and report["issue_number"] is None
    done = wait_for(fed.served, report["id"], "created")
    [issue] = fed.github.issues_with(report["id"])
    assert done["issue_number"] == issue["number"] and done["issue_url"] == issue["html_url"]
    assert issue["title"] == report["title"]
    assert "Uploads hang at 99%." in issue["body"] and "**Severity:** high" in issue["body"]
    assert "<!-- assay-feedback:" in issue["body"]
    assert {"assay-feedback", "severity:high"} <= {label["name"] for label in issue["labels"]}
    assert done["attempts"] == 1 and done["last_error"] is None and done["duplicate_of"] is None


def test_feedback_links_a_session_and_a_result(fed: Setup) -> None:
    session = create_session(fed.served, f"env-{uuid.uuid4().hex[:8]}")
    with fed.served.client("runner") as http:
        http.post(f"/api/v1/sessions/{session['id']}/results", json={"results": [step(0)]})
    result_id = "suite.yaml::objects/test/0"
    response = submit(fed.served, session_id=str(session["id"]), result_id=result_id)
    assert response.status_code == 202, response.text
    done = wait_for(fed.served, response.json()["id"], "created")
    [issue] = fed.github.issues_with(done["id"])
    assert f"**Session:** `{session['id']}`" in issue["body"] and result_id in issue["body"]
    assert done["session_id"] == session["id"] and done["result_id"] == result_id


def test_feedback_attachments_are_checked_stored_and_served_back(fed: Setup) -> None:
    files = [
        ("attachments", ("../../etc/screen shot.png", PNG, "image/png")),
        ("attachments", ("log.txt", b"line 1\nline 2\n", "text/plain")),
    ]
    response = submit(fed.served, files=files)
    assert response.status_code == 202, response.text
    report = response.json()
    shot, log = report["attachments"]
    assert shot["filename"] == "screen shot.png" and shot["size"] == len(PNG)
    assert log["content_type"] == "text/plain" and log["position"] == 2
    with fed.served.client("viewer") as http:
        download = http.get(shot["url"])
        missing = http.get(f"/api/v1/feedback/{report['id']}/attachments/9")
    assert download.status_code == 200 and download.content == PNG
    assert download.headers["content-type"] == "image/png"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"] == 'attachment; filename="screen shot.png"'
    assert_error(missing, 404, "not_found")
    wait_for(fed.served, report["id"], "created")
    [issue] = fed.github.issues_with(report["id"])
    link = f"https://assay.example/api/v1/feedback/{report['id']}/attachments/1"
    assert f"[screen shot.png]({link})" in issue["body"]


def test_feedback_attachments_too_large_or_of_the_wrong_type_are_refused(fed: Setup) -> None:
    big = submit(fed.served, files=[("attachments", ("a.txt", b"x" * (LIMIT + 1), "text/plain"))])
    exe = submit(fed.served, files=[("attachments", ("a.exe", b"MZ\x90", "application/x-exe"))])
    fake_png = submit(fed.served, files=[("attachments", ("a.png", b"<html>", "image/png"))])
    binary_text = submit(
        fed.served, files=[("attachments", ("a.txt", b"\xff\xfe\x00", "text/plain"))]
    )
    many = submit(
        fed.served, files=[("attachments", (f"{n}.txt", b"x", "text/plain")) for n in range(6)]
    )
    assert "the limit is 65536" in assert_error(big, 413, "payload_too_large")["message"]
    assert "accepted types" in assert_error(exe, 415, "unsupported_media_type")["message"]
    assert "content is not" in assert_error(fake_png, 415, "unsupported_media_type")["message"]
    assert_error(binary_text, 415, "unsupported_media_type")
    assert_error(many, 422, "validation_error", "body.attachments")
    huge = submit(fed.served, files=[("attachments", ("a.txt", b"x" * (11 << 20), "text/plain"))])
    assert_error(huge, 413, "payload_too_large")  # the whole request's limit


def test_feedback_bad_fields_are_422_naming_the_field(fed: Setup) -> None:
    with fed.served.client("runner") as http:
        missing = http.post("/api/v1/feedback", data={"description": "x"})
    assert_error(missing, 422, "validation_error", "body.title")
    assert_error(submit(fed.served, severity="urgent"), 422, "validation_error", "body.severity")
    assert_error(submit(fed.served, title="x" * 201), 422, "validation_error", "body.title")
    assert_error(submit(fed.served, title="   "), 422, "validation_error", "body.title")
    blank = submit(fed.served, description="\n\t ")
    assert_error(blank, 422, "validation_error", "body.description")
    no_session = submit(fed.served, session_id="no-such-session")
    assert_error(no_session, 422, "validation_error", "body.session_id")
    alone = submit(fed.served, result_id="r1")
    assert_error(alone, 422, "validation_error", "body.result_id")
    session = create_session(fed.served, f"env-{uuid.uuid4().hex[:8]}")
    unknown = submit(fed.served, session_id=str(session["id"]), result_id="nope")
    assert_error(unknown, 422, "validation_error", "body.result_id")


def test_feedback_tokens_roles_and_not_found(fed: Setup) -> None:
    with fed.served.client() as anonymous:
        assert_error(anonymous.post("/api/v1/feedback", data={"title": "t"}), 401, "unauthorized")
        assert_error(anonymous.get("/api/v1/feedback/abc"), 401, "unauthorized")
        assert_error(anonymous.get("/api/v1/feedback/abc/attachments/1"), 401, "unauthorized")
    assert_error(submit(fed.served, role="viewer"), 403, "forbidden")
    with fed.served.client("viewer") as http:
        assert_error(http.get("/api/v1/feedback/abc"), 404, "not_found")
        assert_error(http.get("/api/v1/feedback/abc/attachments/1"), 404, "not_found")
        too_long = http.get("/api/v1/feedback/" + "a" * 33)
        bad_position = http.get("/api/v1/feedback/abc/attachments/0")
    assert_error(too_long, 422, "validation_error", "path.feedback_id")
    assert_error(bad_position, 422, "validation_error", "path.position")


def test_feedback_identical_reports_join_one_issue(fed: Setup) -> None:
    title = f"Login fails {uuid.uuid4().hex[:8]}"
    first = submit(fed.served, title=title, description="The  button does nothing.").json()
    again = submit(fed.served, title=title.upper(), description="the button  does nothing. ")
    second = again.json()
    one, two = (wait_for(fed.served, r["id"], "created") for r in (first, second))
    assert one["issue_number"] == two["issue_number"]
    assert two["duplicate_of"] == first["id"] and one["duplicate_of"] is None
    assert len([p for p in fed.github.posts() if p.json and p.json["title"] == title]) == 1


def test_feedback_a_retry_after_a_timeout_finds_the_issue_instead_of_making_another(
    fed: Setup,
) -> None:
    # GitHub creates the issue but answers after the client's 0.5 s timeout
    fed.github.plan(Plan("slow", seconds=1.5))
    start = len(fed.github.received)
    response = submit(fed.served)
    assert response.json()["status"] == "pending"  # answered without waiting for GitHub
    done = wait_for(fed.served, response.json()["id"], "created")
    assert len(fed.github.issues_with(done["id"])) == 1
    calls = [(r.method, r.path.rsplit("/", 1)[-1]) for r in fed.github.received[start:]]
    assert calls == [("POST", "issues"), ("GET", "issues")]  # searched, never posted again
    assert done["attempts"] == 2


def test_feedback_a_crash_after_the_row_was_written_searches_first(
    database_url: str, serve: Callable[..., Served]
) -> None:
    # a repository of its own, so the other tests' servers on this database leave it alone
    github = start_fake(TOKEN, repository="acme/crash")
    try:
        settings = settings_for(
            database_url,
            github_repository=github.repository,
            github_token=TOKEN,
            github_api_url=github.url,
            jobs_enabled=False,  # this test runs the job's steps by hand
        )
        served = serve(settings)
        with served.db.write() as session:
            new = store.NewReport("Crash", "The worker died.", "low", None, None, [])
            report = store.create(session, new, "test")
            # as if a worker had written the issue row, counted its attempt, sent the
            # request, and died while GitHub made the issue
            row = FeedbackIssue(
                id=uuid.uuid4().hex,
                fingerprint=report.fingerprint,
                repository=github.repository,
                title=report.title,
                body="",
                labels=[],
                state="pending",
                attempts=1,
                next_attempt_at=utcnow(),
                created_at=utcnow(),
                updated_at=utcnow(),
            )
            row.body = delivery.issue_body(report, [], row.id)
            session.add(row)
            session.flush()
            report.issue_id = row.id
            report_id = report.id
        github.issues.append(
            {
                "number": 41,
                "html_url": "https://github.example/acme/crash/issues/41",
                "body": row.body,
                "updated_at": "2999-01-01T00:00:00Z",
            }
        )
        ctx = JobContext(served.db, settings, "test-worker", logging.getLogger("test"))
        delivery.deliver(ctx)
        with served.client("viewer") as http:
            done = http.get(f"/api/v1/feedback/{report_id}").json()
        assert done["status"] == "created" and done["issue_number"] == 41
        assert [r.method for r in github.received] == ["GET"]  # looked, did not post
    finally:
        github.stop()


def test_feedback_waits_for_the_rate_limit_reset_then_succeeds(fed: Setup) -> None:
    fed.github.plan(Plan("rate_limit", seconds=1.0))
    start = len(fed.github.received)
    report = submit(fed.served).json()
    done = wait_for(fed.served, report["id"], "created")
    calls = fed.github.received[start:]
    limited, *rest = calls
    assert limited.answered == 403 and rest[-1].answered == 201
    # the next request came only after the reset GitHub announced, not before
    assert all(r.at >= fed.github.resets[-1] for r in rest)
    assert done["attempts"] == 2 and len(fed.github.issues_with(report["id"])) == 1


def test_feedback_honours_retry_after_of_a_secondary_rate_limit(fed: Setup) -> None:
    fed.github.plan(Plan("secondary", seconds=1.0))
    start = len(fed.github.received)
    report = submit(fed.served).json()
    wait_for(fed.served, report["id"], "created")
    limited, *rest = fed.github.received[start:]
    assert limited.answered == 429
    assert all(r.at >= limited.at + 1.0 for r in rest)


def test_feedback_server_errors_are_retried_with_backoff(fed: Setup) -> None:
    fed.github.plan(Plan("status", 502), Plan("status", 503))
    report = submit(fed.served).json()
    done = wait_for(fed.served, report["id"], "created")
    assert done["attempts"] == 3 and len(fed.github.issues_with(report["id"])) == 1


def test_feedback_a_permanent_refusal_fails_with_the_reason(fed: Setup) -> None:
    fed.github.plan(Plan("status", 404))
    start = len(fed.github.posts())
    report = submit(fed.served).json()
    done = wait_for(fed.served, report["id"], "failed")
    assert "GitHub answered 404: Not Found" in done["last_error"]
    assert len(fed.github.posts()) == start + 1 and done["next_attempt_at"] is None


def test_feedback_the_github_token_never_leaks(
    fed: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    fed.github.plan(Plan("echo_token"))  # a 401 whose message repeats the credentials
    with caplog.at_level(logging.DEBUG):
        report = submit(fed.served).json()
        done = wait_for(fed.served, report["id"], "failed")
        with fed.served.client() as http:
            jobs = http.get("/health/jobs").text
            detailed = http.get("/health/detailed").text
            openapi = http.get("/openapi.json").text
    assert "Bad credentials: token ***" in done["last_error"]
    settings = fed.served.app.state.context.settings
    for text in (str(done), caplog.text, jobs, detailed, openapi, repr(settings), str(settings)):
        assert TOKEN not in text


def test_feedback_without_github_is_stored(tmp_path: Path, serve: Callable[..., Served]) -> None:
    # a database of its own: the servers of the other tests would send it to their GitHub
    server = serve(settings_for(f"sqlite:///{tmp_path / 'alone.db'}"))
    response = submit(server)
    assert response.status_code == 202 and response.json()["status"] == "stored"
    with server.client("viewer") as http:
        again = http.get(f"/api/v1/feedback/{response.json()['id']}").json()
    assert again["status"] == "stored" and again["attempts"] == 0


def test_feedback_job_is_a_singleton_listed_in_health(fed: Setup) -> None:
    with fed.served.client() as http:
        jobs = {j["name"]: j for j in http.get("/health/jobs").json()["jobs"]}
    job = jobs[delivery.JOB]
    assert job["singleton"] is True and job["runs"] >= 1
    assert "acme/widgets" in job["description"]
