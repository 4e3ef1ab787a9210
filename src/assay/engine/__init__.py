"""Running suites: phases, concurrency, timeouts, retries; emits events."""

from assay.engine.runner import Runner, RunOptions, run_suites

__all__ = ["RunOptions", "Runner", "run_suites"]
