"""How the monitors feature plugs in: the runtime (what this worker runs), a job per
monitor added at run time, the sync, alert and housekeeping jobs, and the routes."""

from __future__ import annotations

from assay.server.context import ServerContext
from assay.server.feature import Feature, Plugged
from assay.server.monitors import api, stats_api, tables
from assay.server.monitors.badge_api import badge_router
from assay.server.monitors.config import load
from assay.server.monitors.dispatch import LocalDispatcher
from assay.server.monitors.jobs import jobs
from assay.server.monitors.prometheus import MonitorMetrics, probe_router
from assay.server.monitors.runtime import MonitorRuntime


def plug(context: ServerContext) -> Plugged:
    settings = context.settings
    loaded = load(settings.monitors_file) if settings.monitors_file is not None else None
    metrics = MonitorMetrics(context.metrics.registry) if settings.metrics != "off" else None
    runtime = context.add_part(
        MonitorRuntime(context.db, LocalDispatcher(), loaded, metrics, settings.github_enabled)
    )

    def start() -> None:
        assert context.scheduler is not None  # made before the features start
        runtime.start(context.scheduler, context.worker_id, settings.jobs_enabled)

    return Plugged(
        routers=[
            api.router,
            stats_api.router,
            badge_router(settings.monitor_badges),
            api.alerts_router,
            api.maintenance_router,
            probe_router(settings.metrics),
        ],
        jobs=jobs(
            runtime,
            alert_interval=settings.monitor_alert_interval,
            max_attempts=settings.monitor_alert_max_attempts,
            retention_days=settings.monitor_retention_days,
            housekeeping=settings.housekeeping_interval,
            base_url=settings.public_url,
        ),
        start=start,
        stop=runtime.close,
        threads=settings.monitor_concurrency,
    )


FEATURE = Feature("monitors", plug, tables)
