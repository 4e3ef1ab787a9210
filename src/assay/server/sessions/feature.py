"""How the sessions feature plugs in: its routers (sessions, results, JUnit import)."""

from __future__ import annotations

from assay.server.context import ServerContext
from assay.server.feature import Feature, Plugged
from assay.server.sessions import api, results_api, tables


def plug(context: ServerContext) -> Plugged:
    return Plugged(routers=[api.router, results_api.router])


FEATURE = Feature("sessions", plug, tables)
