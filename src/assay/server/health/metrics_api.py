"""``GET /metrics``: Prometheus metrics, public by default like ``/health`` (see SECURITY.md).

``metrics = "viewer"`` asks for a viewer token (Prometheus: ``authorization.credentials``);
``metrics = "off"`` removes the route.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from assay.server.api.deps import ContextDep
from assay.server.tokens import Role, require

FORMATS = ("text/plain", "application/openmetrics-text")


def router(access: str) -> APIRouter:
    """The ``/metrics`` route; with ``access == "viewer"`` it needs a viewer token."""
    needs = [Depends(require(Role.VIEWER))] if access == "viewer" else []
    api = APIRouter(tags=["metrics"], dependencies=needs)

    responses: dict[int | str, dict[str, Any]] = {
        200: {
            "description": "Prometheus text format (OpenMetrics when the Accept header asks)",
            "content": {kind: {"schema": {"type": "string"}} for kind in FORMATS},
        }
    }

    @api.get("/metrics", response_class=Response, responses=responses)
    def metrics(request: Request, context: ContextDep) -> Response:
        """Requests, latency, results ingested, rate limits, database pool and jobs."""
        body, content_type = context.metrics.render(request.headers.get("accept", ""))
        return Response(body, media_type=content_type)

    return api
