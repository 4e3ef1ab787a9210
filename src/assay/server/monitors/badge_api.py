"""``/api/v1/monitors/{name}/badge/{kind}.svg|.json``: a monitor's state, uptime or p95 as
a badge for a README or a status page, or as a Shields.io endpoint badge.

Who may read them is the ``monitor_badges`` setting, fixed when the app is built (as
``/metrics`` is): ``public`` (an ``<img>`` in a README sends no token), ``viewer``, or
``off``, which leaves the routes out altogether so nothing reveals which monitors exist.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response

from assay.server.api.deps import API_PREFIX, ContextDep
from assay.server.db.tables import utcnow
from assay.server.monitors import badges, stats
from assay.server.monitors.badges import Badge
from assay.server.monitors.stats_api import INVALID, NOT_FOUND, MonitorName, missing
from assay.server.monitors.stats_schemas import ShieldsOut, Window
from assay.server.tokens import Role, require

Kind = Literal["status", "uptime", "latency"]
WindowQuery = Annotated[Window, Query(description="For uptime and latency badges.")]
SVG = "image/svg+xml"


def _badge(context: ContextDep, name: str, kind: Kind, window: Window) -> Badge:
    """What the badge says: the name and state, or one window's uptime or p95, no more."""
    with context.db.read() as db:
        state = stats.status(db, name)
        if state is None:
            raise missing(name)
        if kind == "status":
            return badges.status_badge(name, state)
        now = utcnow()
        figures = stats.summary(db, name, now - stats.WINDOWS[window], now)
    if kind == "uptime":
        return badges.uptime_badge(window, figures.uptime)
    return badges.latency_badge(window, figures.p95)


def badge_router(access: str) -> APIRouter:
    """The badge routes for ``monitor_badges``: none when ``off``, a viewer token when
    ``viewer``. Answers may be cached for a minute (privately when a token was needed)."""
    needs = [Depends(require(Role.VIEWER))] if access == "viewer" else []
    api = APIRouter(prefix=f"{API_PREFIX}/monitors", tags=["monitors"], dependencies=needs)
    if access == "off":
        return api
    cache = "private, max-age=60" if access == "viewer" else "max-age=60"
    svg: dict[int | str, dict[str, Any]] = {
        200: {"description": "A flat badge", "content": {SVG: {"schema": {"type": "string"}}}},
    }

    @api.get(
        "/{name}/badge/{kind}.svg", response_class=Response, responses=svg | NOT_FOUND | INVALID
    )
    def badge_svg(
        name: MonitorName, kind: Kind, context: ContextDep, window: WindowQuery = "24h"
    ) -> Response:
        """The badge as SVG: `status` (the state), `uptime` or `latency` (p95) over
        `window`."""
        body = _badge(context, name, kind, window).svg()
        return Response(body, media_type=SVG, headers={"Cache-Control": cache})

    @api.get("/{name}/badge/{kind}.json", response_model=ShieldsOut, responses=NOT_FOUND | INVALID)
    def badge_json(
        name: MonitorName,
        kind: Kind,
        context: ContextDep,
        response: Response,
        window: WindowQuery = "24h",
    ) -> ShieldsOut:
        """The badge as a Shields.io endpoint badge's JSON
        (`https://img.shields.io/endpoint?url=...`)."""
        response.headers["Cache-Control"] = cache
        return ShieldsOut(**_badge(context, name, kind, window).shields())

    return api
