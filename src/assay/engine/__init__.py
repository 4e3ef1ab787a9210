"""Running suites: phases, concurrency, timeouts, retries; emits events."""

from assay.engine.runner import Runner, RunOptions, run_suites
from assay.engine.targets import OpenTargets

__all__ = ["OpenTargets", "RunOptions", "Runner", "run_suites"]
