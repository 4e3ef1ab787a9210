"""The monitors' background jobs besides one per monitor: sync, alert delivery, retention."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from assay.server.db.tables import utcnow
from assay.server.jobs import Job, JobContext
from assay.server.monitors import outbox
from assay.server.monitors.runtime import MonitorRuntime
from assay.server.monitors.tables import AlertRow, MonitorRollup, MonitorRun

SYNC_EVERY_S = 5.0
KEEP_MINUTES = timedelta(days=2)
KEEP_HOURS = timedelta(days=90)


def jobs(
    runtime: MonitorRuntime,
    *,
    alert_interval: float,
    max_attempts: int,
    retention_days: float,
    housekeeping: float,
    base_url: str | None,
) -> list[Job]:
    def sync(ctx: JobContext) -> None:
        runtime.lead()
        runtime.sync()
        runtime.claim_requests()

    def deliver(ctx: JobContext) -> None:
        now = utcnow()
        outbox.remind(ctx.db, dict(runtime.monitors), now)
        providers = runtime.providers
        sent = failed = 0
        for key in outbox.due(ctx.db, now, max_attempts):
            if outbox.deliver_one(ctx.db, key, providers, base_url, max_attempts):
                sent += 1
            else:
                failed += 1
        if sent or failed:
            ctx.log.info("monitor alerts: %d sent, %d to retry", sent, failed)

    def tidy(ctx: JobContext) -> None:
        now = utcnow()
        with ctx.db.write() as session:
            runs = now - timedelta(days=retention_days)
            session.execute(delete(MonitorRun).where(MonitorRun.started_at < runs))
            for resolution, keep in (("minute", KEEP_MINUTES), ("hour", KEEP_HOURS)):
                session.execute(
                    delete(MonitorRollup).where(
                        MonitorRollup.resolution == resolution, MonitorRollup.bucket < now - keep
                    )
                )
            session.execute(
                delete(AlertRow).where(AlertRow.sent_at.is_not(None), AlertRow.sent_at < runs)
            )

    return [
        Job(
            "monitors.sync",
            SYNC_EVERY_S,
            sync,
            "runs what the monitors table says",
            first_delay=SYNC_EVERY_S,
        ),
        Job(
            "monitors.alerts",
            alert_interval,
            deliver,
            "sends the monitors' alerts (reminders, escalations) from the outbox",
            singleton=True,
        ),
        Job(
            "monitors.housekeeping",
            housekeeping,
            tidy,
            f"deletes monitor runs older than {retention_days:g} days and old roll-ups",
            singleton=True,
            first_delay=min(60.0, housekeeping),
        ),
    ]
