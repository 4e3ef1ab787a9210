"""OpenTelemetry traces: requests (FastAPI), database calls (SQLAlchemy), outbound HTTP (httpx).

The exporter comes from the standard variable ``OTEL_TRACES_EXPORTER``: ``none`` (assay's
default, so nothing is instrumented and nothing costs), ``console`` (spans as JSON on stdout)
or ``otlp`` (``pip install 'assay[otlp]'``, configured by ``OTEL_EXPORTER_OTLP_*``), or
several separated by commas. ``OTEL_SDK_DISABLED=true`` turns tracing off; the SDK reads
``OTEL_SERVICE_NAME``, ``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_TRACES_SAMPLER`` and ``OTEL_BSP_*``.

Spans never carry a token: credential headers are sanitised by the instrumentation, and every
exported span passes through ``RedactingExporter`` (registered secrets, token shapes).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any

from opentelemetry import trace
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.trace import Status
from sqlalchemy import Engine
from starlette.types import ASGIApp

from assay import __version__
from assay.core.errors import UsageError
from assay.core.secrets import MASK, redact

EXPORTER_ENV = "OTEL_TRACES_EXPORTER"
DEFAULT_SERVICE = "assay-server"
# header names whose values never reach a span, whatever OTEL_*_CAPTURE_HEADERS_* asks
SENSITIVE_HEADERS = ["authorization", "proxy-authorization", "cookie", "set-cookie", ".*api.key"]
_SENSITIVE_ATTR = re.compile(
    r"^http\.(request|response)\.header\.(.*authorization|.*cookie|.*api_key)$", re.I
)
_TOKEN = re.compile(r"(assay_[0-9a-f]{12}_)[A-Za-z0-9_-]{20,100}")
_NOOP_METERS = NoOpMeterProvider()


def _exporter(name: str) -> SpanExporter:
    if name == "console":
        return ConsoleSpanExporter()
    if name == "otlp":
        protocol = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or os.environ.get(
            "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"
        )
        if protocol != "http/protobuf":
            raise UsageError(
                f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol} is not supported by assay; "
                "use http/protobuf (the default)"
            )
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        except ImportError:
            raise UsageError(
                f"{EXPORTER_ENV}=otlp needs the OTLP exporter: pip install 'assay[otlp]'"
            ) from None
        return OTLPSpanExporter()
    raise UsageError(
        f"{EXPORTER_ENV}: unknown exporter '{name}'; assay knows console, otlp and none"
    )


def exporters_from_environment() -> list[SpanExporter]:
    """The exporters ``OTEL_TRACES_EXPORTER`` names (none by default); a bad name is a
    ``UsageError`` (``assay serve`` checks this before it starts)."""
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return []
    names = [n.strip().lower() for n in os.environ.get(EXPORTER_ENV, "none").split(",")]
    return [_exporter(n) for n in dict.fromkeys(names) if n and n != "none"]


def provider_from_environment() -> TracerProvider | None:
    """A tracer provider exporting where the ``OTEL_*`` variables say, or None (no tracing)."""
    exporters = exporters_from_environment()
    if not exporters:
        return None
    resource = Resource.create({"service.version": __version__})
    if str(resource.attributes.get("service.name", "")).startswith("unknown_service"):
        resource = resource.merge(Resource({"service.name": DEFAULT_SERVICE}))
    provider = TracerProvider(resource=resource)
    for exporter in exporters:
        provider.add_span_processor(BatchSpanProcessor(RedactingExporter(exporter)))
    return provider


def current_ids() -> tuple[str | None, str | None]:
    """The active span's trace id and span id in hex, for log lines (None without tracing)."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None, None
    return trace.format_trace_id(context.trace_id), trace.format_span_id(context.span_id)


class Tracing:
    """One app's tracing: instruments its requests and its engine; owns what it created."""

    _outbound_owner: Tracing | None = None  # httpx is patched process-wide, by one app

    def __init__(self, provider: TracerProvider, owned: bool = False) -> None:
        self.provider = provider
        self.owned = owned
        self._engine_tracer: EngineTracer | None = None

    def instrument_app(self, app: ASGIApp) -> None:
        """Server spans named by route template (``GET /api/v1/sessions/{session_id}``)."""
        extra = os.environ.get("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SANITIZE_FIELDS", "")
        FastAPIInstrumentor.instrument_app(
            app,  # type: ignore[arg-type]
            tracer_provider=self.provider,
            meter_provider=_NOOP_METERS,
            excluded_urls=os.environ.get("OTEL_PYTHON_FASTAPI_EXCLUDED_URLS", "/metrics"),
            http_capture_headers_sanitize_fields=[
                *SENSITIVE_HEADERS,
                *(f.strip() for f in extra.split(",") if f.strip()),
            ],
            exclude_spans=["receive", "send"],
        )

    def instrument_engine(self, engine: Engine) -> None:
        """A client span per statement (the SQL text with placeholders, never the values)."""
        tracer = self.provider.get_tracer("opentelemetry.instrumentation.sqlalchemy")
        meter = _NOOP_METERS.get_meter("opentelemetry.instrumentation.sqlalchemy")
        usage = meter.create_up_down_counter("db.client.connections.usage")
        self._engine_tracer = EngineTracer(tracer, engine, usage)  # type: ignore[no-untyped-call]

    def start_outbound(self) -> None:
        """Trace every httpx call of this process (checks, GitHub) as a child of the
        current span. The patch is process-wide, so the app started last owns it
        (``assay serve`` runs one app per process)."""
        if Tracing._outbound_owner is self:
            return
        if Tracing._outbound_owner is not None:
            HTTPXClientInstrumentor().uninstrument()
        HTTPXClientInstrumentor().instrument(
            tracer_provider=self.provider, meter_provider=_NOOP_METERS
        )
        Tracing._outbound_owner = self

    def stop(self) -> None:
        """Undo the process-wide patch (if ours) and flush and close an owned provider;
        calling it again does nothing."""
        if Tracing._outbound_owner is self:
            HTTPXClientInstrumentor().uninstrument()
            Tracing._outbound_owner = None
        if self.owned:
            self.owned = False
            self.provider.shutdown()


def _clean(key: str, value: Any) -> Any:
    if _SENSITIVE_ATTR.match(key):
        return ("[REDACTED]",) if isinstance(value, list | tuple) else "[REDACTED]"
    if isinstance(value, str):
        return _TOKEN.sub(rf"\g<1>{MASK}", redact(value))
    if isinstance(value, list | tuple):
        return tuple(_clean(key, v) for v in value)
    return value


def _clean_all(attributes: Any) -> dict[str, Any]:
    return {k: _clean(k, v) for k, v in (attributes or {}).items()}


class RedactingExporter(SpanExporter):
    """Masks registered secrets, token-shaped strings and credential headers in every span
    (attributes and events, such as recorded exception messages) before ``inner`` sees it."""

    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self.inner.export([self._clean(s) for s in spans])

    @staticmethod
    def _clean(span: ReadableSpan) -> ReadableSpan:
        d = span.status.description
        events = [
            Event(e.name, _clean_all(e.attributes), timestamp=e.timestamp) for e in span.events
        ]
        return ReadableSpan(
            name=_clean("", span.name),
            context=span.context,
            parent=span.parent,
            resource=span.resource,
            attributes=_clean_all(span.attributes),
            events=events,
            links=span.links,
            kind=span.kind,
            status=Status(span.status.status_code, d and _clean("", d)),
            start_time=span.start_time,
            end_time=span.end_time,
            instrumentation_scope=span.instrumentation_scope,
        )

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)
