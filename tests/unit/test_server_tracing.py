"""Tracing set-up from OTEL_* variables, and the masking every exported span goes through."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

from assay.core import secrets
from assay.core.errors import UsageError
from assay.server import tracing

TOKEN = "assay_0123456789ab_" + "S" * 43


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("OTEL_TRACES_EXPORTER", "OTEL_SDK_DISABLED", "OTEL_EXPORTER_OTLP_PROTOCOL"):
        monkeypatch.delenv(name, raising=False)
    saved = secrets.registered()
    yield
    secrets.restore(saved)


def test_tracing_is_off_by_default() -> None:
    assert tracing.exporters_from_environment() == []
    assert tracing.provider_from_environment() is None


@pytest.mark.parametrize("value", ["none", " none ", ""], ids=["none", "spaces", "empty"])
def test_tracing_none_means_no_provider(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", value)
    assert tracing.provider_from_environment() is None


def test_tracing_console_exporter_and_service_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "console,console")
    exporters = tracing.exporters_from_environment()
    assert len(exporters) == 1 and isinstance(exporters[0], ConsoleSpanExporter)
    provider = tracing.provider_from_environment()
    assert provider is not None
    assert provider.resource.attributes["service.name"] == "assay-server"
    provider.shutdown()


def test_tracing_sdk_disabled_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "console")
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert tracing.provider_from_environment() is None


def test_tracing_unknown_exporter_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "console,jaeger")
    with pytest.raises(UsageError, match="unknown exporter 'jaeger'; assay knows console, otlp"):
        tracing.exporters_from_environment()


def test_tracing_otlp_over_grpc_is_refused_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
    with pytest.raises(UsageError, match="use http/protobuf"):
        tracing.exporters_from_environment()


def test_redacting_exporter_masks_tokens_secrets_and_credential_headers() -> None:
    secrets.register("db-password-42")
    inner = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(tracing.RedactingExporter(inner)))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span(f"call {TOKEN}") as span:
        span.set_attribute("url.full", f"http://h/x?token={TOKEN}")
        span.set_attribute("db.connection", "postgresql://u:db-password-42@h/db")
        span.set_attribute("http.request.header.authorization", ["Basic dXNlcjpwYXNz"])
        span.set_attribute("http.request.header.x_api_key", ["k-123456"])
        span.set_attribute("http.status_code", 200)
        span.record_exception(ValueError(f"bad token {TOKEN}"))
        span.set_status(Status(StatusCode.ERROR, "failed with db-password-42"))
    (out,) = inner.get_finished_spans()
    text = out.to_json()
    for secret in ("S" * 43, "db-password-42", "dXNlcjpwYXNz", "k-123456"):
        assert secret not in text
    assert out.attributes is not None
    assert out.attributes["url.full"] == "http://h/x?token=assay_0123456789ab_***"
    assert out.attributes["http.request.header.authorization"] == ("[REDACTED]",)
    assert out.attributes["http.status_code"] == 200
    assert out.name == "call assay_0123456789ab_***"
    assert out.status.description == "failed with ***"
    assert "bad token assay_0123456789ab_***" in text
    provider.shutdown()
