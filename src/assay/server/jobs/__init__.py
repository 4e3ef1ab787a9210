"""Background jobs: registry, runner, leases, and the server's own database jobs."""

from assay.server.jobs.registry import Job, JobContext, JobRegistry, JobState
from assay.server.jobs.runner import JobRunner

__all__ = ["Job", "JobContext", "JobRegistry", "JobRunner", "JobState"]
