"""How the feedback feature plugs in: its routes, and the GitHub delivery job when GitHub
is configured."""

from __future__ import annotations

from assay.server.context import ServerContext
from assay.server.feature import Feature, Plugged
from assay.server.feedback import api, delivery, tables


def plug(context: ServerContext) -> Plugged:
    return Plugged(routers=[api.router], jobs=delivery.jobs(context.settings))


FEATURE = Feature("feedback", plug, tables)
