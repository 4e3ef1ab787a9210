"""Keep credentials out of logs, reports, results and errors.

Every secret value a suite loads is registered here; ``redact`` replaces any occurrence in
text (and, recursively, in result details) with a fixed mask. The registry is process-wide
because secrets can surface anywhere an exception message travels.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

MASK = "***"
_lock = threading.Lock()
_secrets: set[str] = set()


def register(*values: str | None) -> None:
    """Register secret values; very short values are ignored (they would mask noise)."""
    with _lock:
        for value in values:
            if value and len(value) >= 4:
                _secrets.add(value)


def redact(text: str) -> str:
    if not _secrets or not text:
        return text
    # longest first, so a secret containing another is masked whole
    for secret in sorted(_secrets, key=len, reverse=True):
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


class RedactingFilter(logging.Filter):
    """A logging filter that masks registered secrets in messages and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True
