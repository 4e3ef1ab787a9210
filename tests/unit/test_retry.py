"""Retry policy: which outcomes are retried and how long the backoff is."""

from __future__ import annotations

from assay.config.models import Expectation
from assay.core.checks import Observation
from assay.engine.retry import RetryPolicy, should_retry

SLOW_DOWN = Observation(success=False, error_code="SlowDown", http_status=503, transient=True)
DENIED = Observation(success=False, error_code="AccessDenied", http_status=403)


def test_retry_transient_unless_expected() -> None:
    assert should_retry(SLOW_DOWN, Expectation())
    assert not should_retry(SLOW_DOWN, Expectation(error="SlowDown"))
    assert not should_retry(SLOW_DOWN, Expectation(status=503))
    assert not should_retry(SLOW_DOWN, Expectation(success=False))
    assert not should_retry(DENIED, Expectation())


def test_retry_backoff_grows_and_is_capped() -> None:
    policy = RetryPolicy(max_attempts=6, base_delay=0.1, max_delay=0.5, jitter=False)
    assert [policy.delay(n) for n in range(1, 6)] == [0.1, 0.2, 0.4, 0.5, 0.5]
    jittered = RetryPolicy(base_delay=0.1, max_delay=1.0, jitter=True)
    assert all(0 <= jittered.delay(3) <= 0.4 for _ in range(50))
