"""``wait_until``: poll a condition until it holds or a deadline passes.

Tests wait for a state (a server answers, a row appears, a file is written), never for a
fixed time; this is the one loop that does it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class WaitTimeout(AssertionError):
    """The condition did not hold in time (an assertion failure of the test)."""


def wait_until(
    predicate: Callable[[], T],
    timeout: float = 10.0,
    interval: float = 0.02,
    message: str | Callable[[], str] = "",
) -> T:
    """The first truthy value of ``predicate()``; ``WaitTimeout`` after ``timeout`` seconds.

    ``message`` (text, or a function called on failure for the latest state) explains what
    was awaited. An exception from ``predicate`` propagates at once.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            text = message() if callable(message) else message
            raise WaitTimeout(f"not within {timeout:g}s: {text or predicate!r}")
        time.sleep(interval)
