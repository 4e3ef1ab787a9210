"""Per-request plumbing as one pure ASGI middleware: request id, body size limit (413),
a structured access log line, and the 500 answer for anything unhandled.

The access log names the route template (``/api/v1/sessions/{session_id}``), never headers,
so tokens cannot reach it; messages pass through ``core.secrets`` masking as well.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assay.server.errors import ApiError, ErrorBody, ErrorOut
from assay.server.metrics import Metrics
from assay.server.tracing import current_ids

access_log = logging.getLogger("assay.server.access")
error_log = logging.getLogger("assay.server")
_GOOD_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class BodyTooLarge(ApiError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            413, f"the request body is larger than the limit of {limit} bytes", "payload_too_large"
        )


class RequestContext:
    """Request id, size limit, access log, request metrics and the last-resort 500."""

    def __init__(self, app: ASGIApp, max_body: int, metrics: Metrics | None = None) -> None:
        self.app = app
        self.max_body = max_body
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        rid = given if _GOOD_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        start = time.perf_counter()
        status = 500
        started = False
        if self.metrics:
            self.metrics.in_flight.inc()

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *[h for h in message["headers"] if h[0].lower() != b"x-request-id"],
                    (b"x-request-id", rid.encode()),
                ]
            await send(message)

        try:
            length = int(headers.get(b"content-length", b"0") or 0)
        except ValueError:
            length = 0
        try:
            if length > self.max_body:
                await self._send_error(send_with_id, rid, BodyTooLarge(self.max_body))
            else:
                await self.app(scope, self._limited(receive), send_with_id)
        except Exception:
            trace_id, span_id = current_ids()
            error_log.exception(
                "unhandled error",
                extra={"request_id": rid, "trace_id": trace_id, "span_id": span_id},
            )
            if not started:
                await self._send_error(
                    send_with_id, rid, ApiError(500, "internal error; quote the request id")
                )
        finally:
            seconds = time.perf_counter() - start
            if self.metrics:
                self.metrics.in_flight.dec()
                self.metrics.request(scope["method"], _template(scope), status, seconds)
            self._log(scope, rid, status, seconds)

    def _limited(self, receive: Receive) -> Receive:
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLarge(self.max_body)
            return message

        return limited

    async def _send_error(self, send: Send, rid: str, exc: ApiError) -> None:
        body = ErrorOut(
            error=ErrorBody(
                status=exc.status_code, code=exc.code, message=exc.message, request_id=rid
            )
        )
        payload = json.dumps(body.model_dump()).encode()
        await send(
            {
                "type": "http.response.start",
                "status": exc.status_code,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    def _log(self, scope: Scope, rid: str, status: int, seconds: float) -> None:
        template = _template(scope)
        state: dict[str, Any] = scope.get("state", {})
        token_id = state.get("token_id")
        duration_ms = round(seconds * 1000, 2)
        trace_id, span_id = current_ids()
        access_log.info(
            "%s %s %s %.1fms request_id=%s token=%s%s",
            scope["method"],
            template,
            status,
            duration_ms,
            rid,
            token_id or "-",
            f" trace_id={trace_id} span_id={span_id}" if trace_id else "",
            extra={
                "request_id": rid,
                "trace_id": trace_id,
                "span_id": span_id,
                "method": scope["method"],
                "route": template,
                "path": scope.get("path", ""),
                "status": status,
                "duration_ms": duration_ms,
                "token_id": token_id,
                "client": (scope.get("client") or ("", 0))[0],
            },
        )


def _template(scope: Scope) -> str:
    """The route template, so that metrics and logs do not grow with every id."""
    return getattr(scope.get("route"), "path", None) or "(unmatched)"
