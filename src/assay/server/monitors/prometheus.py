"""Monitors for Prometheus: per-monitor series on ``/metrics``, and ``/probe`` in
blackbox_exporter's multi-target convention.

Series carry one label, ``monitor`` (its name): their number grows with the monitors and
nothing else — per monitor one ``up``, one ``status``, two counters per verdict seen, and
one latency histogram (``BUCKETS``: 12 buckets). Labels of the monitors themselves are not
copied (they would multiply series); join on ``monitor`` where they are needed.

``GET /probe?monitor=NAME`` runs the monitor now, in the request, and answers
``probe_success`` and ``probe_duration_seconds`` — always 200, ``probe_success 0`` on a
failure — so that a Prometheus that already schedules blackbox_exporter can schedule assay's
checks and alert through Alertmanager. The run is not recorded (Prometheus keeps it).
"""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from fastapi.concurrency import run_in_threadpool
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from assay.server.api.deps import ContextDep
from assay.server.errors import ApiError, ErrorOut
from assay.server.monitors.runtime import MonitorRuntime
from assay.server.monitors.state import State, Verdict
from assay.server.monitors.verdict import RunVerdict
from assay.server.tokens import Role, require

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
STATUS = {
    State.UNKNOWN: 0,
    State.UP: 1,
    State.DEGRADED: 2,
    State.DOWN: 3,
    State.MAINTENANCE: 4,
    State.PAUSED: 5,
}


class MonitorMetrics:
    """The monitors' series, in the app's registry (or the multiprocess files)."""

    def __init__(self, registry: CollectorRegistry | None) -> None:
        r = registry
        self.up = Gauge(
            "assay_monitor_up",
            "1 when the monitor's last run was up or degraded",
            ["monitor"],
            registry=r,
            multiprocess_mode="mostrecent",
        )
        self.status = Gauge(
            "assay_monitor_status",
            "The monitor's state: 0 unknown, 1 up, 2 degraded, 3 down, 4 maintenance, 5 paused",
            ["monitor"],
            registry=r,
            multiprocess_mode="mostrecent",
        )
        self.runs = Counter(
            "assay_monitor_runs", "Monitor runs by verdict", ["monitor", "verdict"], registry=r
        )
        self.duration = Histogram(
            "assay_monitor_run_duration_seconds",
            "Monitor run time",
            ["monitor"],
            buckets=BUCKETS,
            registry=r,
        )

    def observe(self, name: str, outcome: RunVerdict, state: State) -> None:
        self.up.labels(name).set(1 if outcome.verdict is not Verdict.DOWN else 0)
        self.status.labels(name).set(STATUS[state])
        self.runs.labels(name, str(outcome.verdict)).inc()
        self.duration.labels(name).observe(outcome.duration_ms / 1000)

    def forget(self, name: str) -> None:
        """A deleted monitor's series go (a renamed one would linger otherwise)."""
        for metric in (self.up, self.status, self.duration):
            with contextlib.suppress(KeyError):
                metric.remove(name)


def probe_router(access: str) -> APIRouter:
    """``/probe``; ``access`` as ``/metrics``: public, viewer (a token) or off (no route)."""
    needs = [Depends(require(Role.VIEWER))] if access == "viewer" else []
    router = APIRouter(tags=["metrics"], dependencies=needs)
    if access == "off":
        return router
    responses: dict[int | str, dict[str, Any]] = {
        200: {
            "description": "Prometheus text: probe_success (0 or 1), probe_duration_seconds",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        },
        404: {"model": ErrorOut, "description": "No monitor of that name runs on this server"},
        401: {"model": ErrorOut, "description": "metrics = viewer, and no valid token"},
        403: {"model": ErrorOut, "description": "metrics = viewer, and the token's role is less"},
        429: {"model": ErrorOut, "description": "Rate limit exceeded (with a token)"},
    }

    @router.get("/probe", response_class=Response, responses=responses)
    async def probe(
        context: ContextDep,
        monitor: Annotated[str, Query(min_length=1, max_length=100, description="Its name.")],
    ) -> Response:
        """Run a monitor now and answer as blackbox_exporter does (always 200)."""
        runtime = context.part(MonitorRuntime)
        found = runtime.monitors.get(monitor)
        if found is None:
            raise ApiError(404, f"no monitor named '{monitor}' runs on this server")
        outcome = await run_in_threadpool(runtime.dispatcher.run, found)
        success = 0 if outcome.verdict is Verdict.DOWN else 1
        body = (
            "# HELP probe_success Whether the probe succeeded\n# TYPE probe_success gauge\n"
            f"probe_success {success}\n"
            "# HELP probe_duration_seconds How long the probe took\n"
            "# TYPE probe_duration_seconds gauge\n"
            f"probe_duration_seconds {outcome.duration_ms / 1000:.6f}\n"
        )
        return Response(body, media_type="text/plain; version=0.0.4")

    return router
