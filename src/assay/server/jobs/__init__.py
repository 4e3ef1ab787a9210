"""Background jobs: registry, scheduler, leases, and the server's own database jobs."""

from assay.server.jobs.registry import Job, JobContext, JobRegistry, JobState
from assay.server.jobs.scheduler import Scheduler

__all__ = ["Job", "JobContext", "JobRegistry", "JobState", "Scheduler"]
