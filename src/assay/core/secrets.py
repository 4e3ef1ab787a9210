"""Keep credentials out of logs, reports, results and errors.

Every secret value a suite loads is registered here; ``redact`` replaces any occurrence in
text (and, recursively, in result details) with a fixed mask. The registry is process-wide
because secrets can surface anywhere an exception message travels.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from assay.core.failures import Failure

MASK = "***"
_lock = threading.Lock()
_secrets: set[str] = set()
# longest first, so a secret containing another is masked whole; rebuilt on registration,
# since redact runs on every header and message and registration is rare
_ordered: tuple[str, ...] = ()
_generation = 0  # changes whenever the registry does: caches of masked text key on it


def register(*values: str | None) -> None:
    """Register secret values; very short values are ignored (they would mask noise)."""
    with _lock:
        fresh = {v for v in values if v and len(v) >= 4} - _secrets
        if fresh:
            _secrets.update(fresh)
            _reorder()


def registered() -> frozenset[str]:
    """The secrets registered so far (for tests that must restore the registry)."""
    with _lock:
        return frozenset(_secrets)


def restore(values: frozenset[str]) -> None:
    """Replace the registry with ``values`` (what ``registered()`` returned earlier)."""
    with _lock:
        _secrets.clear()
        _secrets.update(values)
        _reorder()


def _reorder() -> None:
    global _ordered, _generation
    _ordered = tuple(sorted(_secrets, key=len, reverse=True))
    _generation += 1


def generation() -> int:
    """A number that changes whenever a secret is registered (or the registry restored)."""
    return _generation


def redact(text: str) -> str:
    if not text:
        return text
    for secret in _ordered:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def redact_data(value: Any) -> Any:
    """Redact strings inside nested dicts, lists and tuples."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_data(k): redact_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(v) for v in value]
    return value


def redact_failure(failure: Failure) -> Failure:
    """A failure with every registered secret masked in its values and text."""
    return Failure(
        failure.expectation,
        redact(failure.subject),
        redact_data(failure.seen),
        redact_data(failure.wanted),
        redact(failure.text),
        failure.observed,
    )


class RedactingFilter(logging.Filter):
    """A logging filter that masks registered secrets in messages and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True
