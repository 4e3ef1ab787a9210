"""Tokens, roles, rate limits, body limits, CORS, request logs and the 500 answer."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assay.server import create_app, tokens
from tests.support.server import Served, assert_error, settings_for, step
from tests.support.wait import wait_until


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'assay.db'}"


@pytest.fixture
def access_records() -> Iterator[list[logging.LogRecord]]:
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    for name in ("assay.server.access", "assay.server"):
        logging.getLogger(name).addHandler(handler)
    logging.getLogger("assay.server.access").setLevel(logging.INFO)
    yield records
    for name in ("assay.server.access", "assay.server"):
        logging.getLogger(name).removeHandler(handler)


def test_security_tokens_are_stored_hashed_and_revocable(server: Served) -> None:
    info, secret = tokens.create(server.db, "revoke-me", tokens.Role.RUNNER)
    from sqlalchemy import select

    from assay.server.tokens.tables import ApiToken

    with server.db.read() as session:
        row = session.scalars(select(ApiToken).where(ApiToken.id == info.id)).one()
    assert secret.split("_", 2)[2] not in row.secret_hash and len(row.secret_hash) == 64
    with server.client(headers={"Authorization": f"Bearer {secret}"}) as http:
        assert http.get("/api/v1/sessions").status_code == 200
        tokens.revoke(server.db, "revoke-me")
        assert_error(http.get("/api/v1/sessions"), 401, "unauthorized")
    wrong_secret = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    with server.client(headers={"Authorization": f"Bearer {wrong_secret}"}) as http:
        assert_error(http.get("/api/v1/sessions"), 401, "unauthorized")


def test_security_rate_limit_per_token_with_retry_after(
    sqlite_url: str, serve: Callable[..., Served]
) -> None:
    served = serve(settings_for(sqlite_url, rate_limit="3/minute"))
    with served.client("viewer") as http:
        answers = [http.get("/api/v1/sessions") for _ in range(4)]
    assert [a.status_code for a in answers[:3]] == [200, 200, 200]
    error = assert_error(answers[3], 429, "rate_limited")
    assert "3 per 1 minute" in error["message"]
    assert 1 <= int(answers[3].headers["retry-after"]) <= 60
    with served.client("runner") as http:  # another token has its own budget
        assert http.get("/api/v1/sessions").status_code == 200
    with served.client() as http:  # health is never limited
        assert all(http.get("/health").status_code == 200 for _ in range(5))


def test_security_body_limit_is_413_with_or_without_length(
    sqlite_url: str, serve: Callable[..., Served]
) -> None:
    served = serve(settings_for(sqlite_url, max_request_bytes=4096))
    with served.client("runner") as http:
        sid = http.post("/api/v1/sessions", json={"environment": "e"}).json()["id"]
        big = {"results": [step(i, message="x" * 500) for i in range(10)]}
        declared = http.post(f"/api/v1/sessions/{sid}/results", json=big)

        def chunks() -> Iterator[bytes]:
            yield b"<testsuite>"
            for _ in range(100):
                yield b"<testcase name='aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'/>"
            yield b"</testsuite>"

        streamed = http.post(
            f"/api/v1/sessions/{sid}/junit",
            content=chunks(),
            headers={"Content-Type": "application/xml"},
        )
        small = http.post(f"/api/v1/sessions/{sid}/results", json={"results": [step(0)]})
    assert "4096 bytes" in assert_error(declared, 413, "payload_too_large")["message"]
    assert streamed.request.headers["transfer-encoding"] == "chunked"
    assert_error(streamed, 413, "payload_too_large")
    assert small.status_code == 201


def test_security_cors_is_off_unless_configured(
    sqlite_url: str, serve: Callable[..., Served], server: Served
) -> None:
    preflight = {
        "Origin": "https://dash.example",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
    }
    with server.client() as http:
        closed = http.options("/api/v1/sessions", headers=preflight)
        plain = http.get("/health", headers={"Origin": "https://dash.example"})
    assert "access-control-allow-origin" not in closed.headers
    assert "access-control-allow-origin" not in plain.headers
    served = serve(settings_for(sqlite_url, cors_origins=["https://dash.example"]))
    with served.client() as http:
        allowed = http.options("/api/v1/sessions", headers=preflight)
        other = http.options(
            "/api/v1/sessions", headers=preflight | {"Origin": "https://evil.example"}
        )
    assert allowed.headers["access-control-allow-origin"] == "https://dash.example"
    assert "access-control-allow-origin" not in other.headers


def test_security_request_logs_name_the_token_id_never_the_token(
    server: Served, access_records: list[logging.LogRecord]
) -> None:
    with server.client("runner", headers={"X-Request-ID": "trace-123"}) as http:
        response = http.post("/api/v1/sessions", json={"environment": "logs"})
        sid = response.json()["id"]
        http.get(f"/api/v1/sessions/{sid}")
    assert response.headers["x-request-id"] == "trace-123"
    # the line is written just after the response is sent: wait for it
    wait_until(
        lambda: any(
            getattr(r, "route", "") == "/api/v1/sessions/{session_id}" for r in access_records
        ),
        10,
        0.01,
    )
    records = [r for r in access_records if r.name == "assay.server.access"]
    create = next(r for r in records if getattr(r, "request_id", "") == "trace-123")
    assert create.route == "/api/v1/sessions" and create.method == "POST"  # type: ignore[attr-defined]
    assert create.status == 201 and create.duration_ms >= 0  # type: ignore[attr-defined]
    token_id = server.tokens["runner"].split("_")[1]
    assert create.token_id == token_id  # type: ignore[attr-defined]
    read = next(r for r in records if r.route == "/api/v1/sessions/{session_id}")  # type: ignore[attr-defined]
    assert read.method == "GET" and read.status == 200  # type: ignore[attr-defined]
    secret = server.tokens["runner"]
    for record in access_records:
        assert secret not in record.getMessage()
        assert all(secret not in str(v) for v in vars(record).values())


def test_security_unhandled_errors_are_500_in_the_error_format(
    sqlite_url: str, serve: Callable[..., Served], access_records: list[logging.LogRecord]
) -> None:
    settings = settings_for(sqlite_url)
    app = create_app(settings)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("kaboom")

    served = serve(settings, app)
    with served.client() as http:
        response = http.get("/boom")
        bad_id = http.get("/health", headers={"X-Request-ID": "bad id with spaces"})
    error = assert_error(response, 500, "internal_error")
    assert "kaboom" not in response.text and "request id" in error["message"]
    assert any(r.levelno == logging.ERROR and r.exc_info for r in access_records)
    assert bad_id.headers["x-request-id"] != "bad id with spaces"


def test_security_database_password_never_reaches_logs(
    serve: Callable[..., Served], access_records: list[logging.LogRecord]
) -> None:
    from tests.support.ports import free_port

    settings = settings_for(
        f"postgresql://assay:pa55-w0rd-xyz@127.0.0.1:{free_port()}/x",
        migrate_on_start=False,
        jobs_enabled=False,
    )
    app = create_app(settings)
    from tests.support.http_service import HttpService

    service = HttpService(app=app, lifespan="on")
    try:
        import httpx

        shaped = "assay_0123456789ab_" + "x" * 43
        httpx.get(f"{service.url}/api/v1/sessions", headers={"Authorization": f"Bearer {shaped}"})
    finally:
        service.stop()
    from assay.core.secrets import RedactingFilter, redact

    assert redact("url pa55-w0rd-xyz") == "url ***"  # create_app registered the password

    messages = []
    for record in access_records:
        RedactingFilter().filter(record)
        messages.append(record.getMessage())
    assert any("database error" in m for m in messages)
    assert all("pa55-w0rd-xyz" not in m for m in messages)
