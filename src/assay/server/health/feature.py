"""How the health feature plugs in: ``/health*`` always, ``/metrics`` unless turned off."""

from __future__ import annotations

from assay.server.context import ServerContext
from assay.server.feature import Feature, Plugged
from assay.server.health import api, metrics_api


def plug(context: ServerContext) -> Plugged:
    routers = [api.router]
    if context.settings.metrics != "off":
        routers.append(metrics_api.router(context.settings.metrics))
    return Plugged(routers=routers)


FEATURE = Feature("health", plug)
