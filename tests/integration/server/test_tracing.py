"""OpenTelemetry traces of a real server (uvicorn, SQLite and PostgreSQL): a request's server
span, its database calls and an outbound httpx call share one trace; tokens never show."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, format_trace_id

from assay.server import create_app
from assay.server.tracing import RedactingExporter
from tests.support.http_service import HttpService
from tests.support.server import Served, settings_for, step
from tests.support.wait import wait_until


@dataclass
class Traced:
    served: Served
    raw: InMemorySpanExporter  # what the instrumentation produced
    exported: InMemorySpanExporter  # what an exporter receives (through RedactingExporter)
    echo: HttpService

    def spans(self) -> list[ReadableSpan]:
        return list(self.raw.get_finished_spans())

    def clear(self) -> None:
        self.raw.clear()
        self.exported.clear()


@pytest.fixture(scope="module")
def echo() -> Iterator[HttpService]:
    service = HttpService()
    yield service
    service.stop()


def _traced(
    database_url: str, serve: Callable[..., Served], echo: HttpService, **overrides: object
) -> Traced:
    raw, exported = InMemorySpanExporter(), InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(raw))
    provider.add_span_processor(SimpleSpanProcessor(RedactingExporter(exported)))
    app = create_app(settings_for(database_url, **overrides), tracer_provider=provider)

    @app.get("/test/outbound")
    def outbound() -> dict[str, str]:
        # what an integration check or the GitHub client does: an httpx call in a request
        with httpx.Client() as client:
            seen = client.get(f"{echo.url}/echo").json()["headers"]
        return {"traceparent": seen.get("traceparent", "")}

    served = serve(settings_for(database_url), app=app)
    return Traced(served, raw, exported, echo)


@pytest.fixture
def traced(database_url: str, serve: Callable[..., Served], echo: HttpService) -> Iterator[Traced]:
    traced = _traced(database_url, serve, echo)
    yield traced
    _stop(traced)


def _stop(traced: Traced) -> None:
    """Unpatch httpx now: the server itself runs until the end of the test session."""
    traced.served.app.state.context.tracing.stop()


@pytest.fixture
def access_records() -> Iterator[list[logging.LogRecord]]:
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("assay.server.access")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield records
    logger.removeHandler(handler)


def _access_line(records: list[logging.LogRecord], method: str, route: str) -> logging.LogRecord:
    """The access line of that request (written just after the response: wait for it)."""

    def line() -> logging.LogRecord | None:
        return next(
            (
                r
                for r in records
                if getattr(r, "method", "") == method and getattr(r, "route", "") == route
            ),
            None,
        )

    return wait_until(line, 10, 0.01, f"no access line for {method} {route}")


def _server_span(traced: Traced, name: str) -> tuple[ReadableSpan, list[ReadableSpan]]:
    """The request's server span and every span so far; the server span ends just after
    the response is sent, so wait for it."""

    def server_spans() -> list[ReadableSpan]:
        return [s for s in traced.spans() if s.kind == SpanKind.SERVER and s.name == name]

    found = wait_until(server_spans, 10, 0.01, lambda: str([s.name for s in traced.spans()]))
    spans = traced.spans()
    assert len(found) == 1, [s.name for s in spans]
    return found[0], spans


def _descendants(spans: list[ReadableSpan], root: ReadableSpan) -> list[ReadableSpan]:
    by_id = {s.context.span_id: s for s in spans}
    out = []
    for span in spans:
        parent = span.parent
        while parent is not None and parent.span_id != root.context.span_id:
            above = by_id.get(parent.span_id)
            parent = above.parent if above else None
        if parent is not None:
            out.append(span)
    return out


def test_tracing_request_span_has_its_database_calls_and_log_ids(
    traced: Traced, access_records: list[logging.LogRecord]
) -> None:
    with traced.served.client("runner") as http:
        sid = http.post("/api/v1/sessions", json={"environment": "traced"}).json()["id"]
        http.post(f"/api/v1/sessions/{sid}/results", json={"results": [step(0)]})
        traced.clear()
        access_records.clear()
        answer = http.get(f"/api/v1/sessions/{sid}")
    assert answer.status_code == 200
    root, spans = _server_span(traced, "GET /api/v1/sessions/{session_id}")
    # the test's own httpx client is traced too (process-wide), so the parent is remote
    assert root.parent is None or root.parent.is_remote
    assert root.attributes is not None
    assert root.attributes.get("http.route") == "/api/v1/sessions/{session_id}"
    children = _descendants(spans, root)
    database = [s for s in children if s.kind == SpanKind.CLIENT and s.attributes]
    systems = {str(s.attributes.get("db.system")) for s in database if s.attributes}
    assert systems == {traced.served.db.dialect}, [s.name for s in children]
    statements = [str(s.attributes.get("db.statement", "")) for s in database if s.attributes]
    assert any("FROM sessions" in sql for sql in statements), statements
    assert all(s.context.trace_id == root.context.trace_id for s in children)
    # the access log line names the same trace and the server span
    line = _access_line(access_records, "GET", "/api/v1/sessions/{session_id}")
    assert line.trace_id == format_trace_id(root.context.trace_id)  # type: ignore[attr-defined]
    assert line.span_id == f"{root.context.span_id:016x}"  # type: ignore[attr-defined]
    assert f"trace_id={line.trace_id}" in line.getMessage()  # type: ignore[attr-defined]


def test_tracing_outbound_call_is_a_child_span_and_propagates(traced: Traced) -> None:
    with traced.served.client() as http:
        answer = http.get("/test/outbound")
    assert answer.status_code == 200
    root, spans = _server_span(traced, "GET /test/outbound")
    outbound = [
        s
        for s in _descendants(spans, root)
        if s.kind == SpanKind.CLIENT and s.attributes and "http.url" in s.attributes
    ]
    assert len(outbound) == 1, [(s.name, s.attributes) for s in spans]
    assert str(outbound[0].attributes["http.url"]).startswith(traced.echo.url)  # type: ignore[index]
    # the called service saw the trace context: same trace, parent = the outbound span
    traceparent = answer.json()["traceparent"]
    assert traceparent.split("-")[1] == format_trace_id(root.context.trace_id)
    assert traceparent.split("-")[2] == f"{outbound[0].context.span_id:016x}"


def test_tracing_tokens_never_reach_spans(
    database_url: str,
    serve: Callable[..., Served],
    echo: HttpService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # even an operator asking the instrumentation for every header gets no token
    monkeypatch.setenv("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST", ".*")
    monkeypatch.setenv("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_CLIENT_REQUEST", ".*")
    traced = _traced(database_url, serve, echo)
    try:
        _check_no_tokens(traced)
    finally:
        _stop(traced)


def _check_no_tokens(traced: Traced) -> None:
    served, echo = traced.served, traced.echo
    bad = served.tokens["viewer"][:-6] + "zzzzzz"
    with served.client("runner") as http:
        sid = http.post("/api/v1/sessions", json={"environment": "secret"}).json()["id"]
        assert http.get(f"/api/v1/sessions/{sid}/results").status_code == 200
        assert http.get("/api/v1/sessions", params={"token": served.tokens["admin"]}).is_success
    with served.client(headers={"Authorization": f"Bearer {bad}"}) as http:
        assert http.get("/api/v1/sessions").status_code == 401
    with served.client("viewer") as http:
        assert http.post("/api/v1/sessions", json={"environment": "x"}).status_code == 403
    # an outbound call carrying a credential header of its own
    with httpx.Client() as client:
        client.get(f"{echo.url}/echo", headers={"Authorization": f"Bearer {bad}"})

    raw = "\n".join(s.to_json() for s in traced.raw.get_finished_spans())
    exported = "\n".join(s.to_json() for s in traced.exported.get_finished_spans())
    assert "http.request.header.authorization" in raw, "headers were captured"
    assert "[REDACTED]" in raw
    secrets = [t.split("_", 2)[2] for t in served.tokens.values()] + [bad.split("_", 2)[2]]
    for secret in secrets:
        assert secret not in exported
    # the query-string token is masked on the way out (the instrumentation keeps URLs)
    assert served.tokens["admin"] in raw and served.tokens["admin"] not in exported
    assert "assay_" in exported and "_***" in exported


def test_tracing_off_by_default_instruments_nothing(
    database_url: str, serve: Callable[..., Served], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OTEL_TRACES_EXPORTER", raising=False)
    app = create_app(settings_for(database_url))
    assert app.state.context.tracing is None
    served = serve(settings_for(database_url), app=app)
    with served.client("viewer") as http:
        assert http.get("/api/v1/sessions").status_code == 200
    assert not getattr(app, "_is_instrumented_by_opentelemetry", False)


def test_tracing_otlp_exporter_sends_spans_to_a_collector(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OTEL_TRACES_EXPORTER=otlp: spans reach an OTLP/HTTP receiver on loopback, flushed
    when the app stops."""
    received: list[ExportTraceServiceRequest] = []
    collector = FastAPI()

    @collector.post("/v1/traces")
    async def traces(request: Request) -> Response:
        message = ExportTraceServiceRequest()
        message.ParseFromString(await request.body())
        received.append(message)
        return Response(b"", media_type="application/x-protobuf")

    receiver = HttpService(app=collector)
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
    monkeypatch.setenv("OTEL_SERVICE_NAME", "assay-under-test")
    try:
        app = create_app(settings_for(f"sqlite:///{tmp_path / 'assay.db'}"))
        service = HttpService(app=app, lifespan="on")
        try:
            assert httpx.get(f"{service.url}/health/database", timeout=10).status_code == 200
        finally:
            service.stop()  # the lifespan's end flushes the batch processor
    finally:
        receiver.stop()
    spans = [
        (span.name, resource.resource)
        for message in received
        for resource in message.resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]
    names = {name for name, _ in spans}
    assert "GET /health/database" in names, names
    assert any(name.startswith("SELECT") for name in names), names
    service_names = {
        a.value.string_value for _, r in spans for a in r.attributes if a.key == "service.name"
    }
    assert service_names == {"assay-under-test"}
