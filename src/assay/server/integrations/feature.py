"""How the integrations feature plugs in: the configured integrations, a job per check,
their history's housekeeping, and their routes."""

from __future__ import annotations

from assay.server.context import ServerContext
from assay.server.feature import Feature, Plugged
from assay.server.integrations import api, store, tables
from assay.server.integrations.jobs import Integrations, load


def plug(context: ServerContext) -> Plugged:
    settings = context.settings
    integrations = context.add_part(
        Integrations(load(settings.integrations_file, settings.integration_interval))
    )
    return Plugged(
        routers=[api.router],
        jobs=integrations.jobs(settings.integration_history_days, settings.housekeeping_interval),
        start=lambda: store.ensure(context.db, integrations.names),
    )


FEATURE = Feature("integrations", plug, tables)
