"""Retry policy: exponential backoff with full jitter, for transient outcomes only."""

from __future__ import annotations

import random
from dataclasses import dataclass

from assay.config.models import Expectation, RetrySettings
from assay.core.checks import Observation


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    base_delay: float = 0.1
    max_delay: float = 5.0
    jitter: bool = True

    @classmethod
    def from_settings(cls, settings: RetrySettings | None, attempts: int | None) -> RetryPolicy:
        s = settings or RetrySettings()
        return cls(attempts or s.max_attempts, s.base_delay, s.max_delay, s.jitter)

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return random.uniform(0, ceiling) if self.jitter else ceiling


def is_expected(obs: Observation, expect: Expectation) -> bool:
    """Whether the expectation asks for exactly this unsuccessful outcome."""
    if obs.error_code and obs.error_code in expect.error_codes():
        return True
    if obs.http_status is not None and obs.http_status in expect.statuses():
        return True
    if expect.conditions and expect.status_decides:
        from assay.engine.expect import condition_failures  # expect imports this module's peers

        return not condition_failures(expect.conditions, obs)
    return expect.success is False and not expect.error_codes() and not expect.statuses()


def should_retry(obs: Observation, expect: Expectation) -> bool:
    """Retry only transient failures the expectation did not ask for."""
    return not obs.success and obs.transient and not is_expected(obs, expect)
