"""Failures as data: which part of a step's expectation failed, on what, seen against wanted.

A FAILED result carries a list of ``Failure`` values; its message is rendered from them.
Whoever classifies a failure (an integration deciding degraded or down, a monitor, a
report) reads the fields, never the text, so rewording a message changes no decision.

    expectation  the part of ``expect:`` that failed (``Part``)
    subject      which one: the condition as written, the field path, the body aspect
    seen         the value observed (JSON-safe, shortened)
    wanted       the value expected (JSON-safe, shortened)
    text         the sentence shown to people, rendered from the fields above
    observed     False when the check never saw the value (a condition on a missing value)
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Any

MAX_VALUE = 300  # characters of a seen or wanted value kept in a failure


class Part(enum.StrEnum):
    """The part of a step's expectation that a failure is about."""

    OUTCOME = "outcome"  # success, or the error code asked for
    STATUS = "status"  # the HTTP status
    FIELD = "field"  # fields: a path into the response
    CONTAINS = "contains"  # contains: a subset of the response
    BODY = "body"  # body: equals, contains, sha256, md5, size, file
    CONDITION = "condition"  # conditions: one condition
    OUTPUT = "output"  # outputs: a value the step must capture


def json_safe(value: Any, limit: int = MAX_VALUE) -> Any:
    """``value`` as JSON can hold it: scalars as they are, the rest as short text."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", "replace")
    if not isinstance(value, str | list | tuple | dict):
        value = str(value)
    if not isinstance(value, str):
        try:
            text = json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError, RecursionError):
            text = repr(value)
        else:
            if len(text) <= limit and isinstance(value, list | dict):
                return json.loads(text)  # small structures stay structures
        value = text
    return value if len(value) <= limit else value[: limit - 3] + "..."


@dataclass(frozen=True)
class Failure:
    """One way an observation contradicted the expectation."""

    expectation: Part
    subject: str
    seen: Any
    wanted: Any
    text: str
    observed: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "expectation": str(self.expectation),
            "subject": self.subject,
            "seen": self.seen,
            "wanted": self.wanted,
            "text": self.text,
            "observed": self.observed,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Failure:
        return cls(
            Part(data["expectation"]),
            str(data.get("subject", "")),
            data.get("seen"),
            data.get("wanted"),
            str(data.get("text", "")),
            bool(data.get("observed", True)),
        )


def failure(
    part: Part, subject: str, seen: Any, wanted: Any, text: str, observed: bool = True
) -> Failure:
    """A failure whose values are kept JSON-safe and short."""
    return Failure(part, subject, json_safe(seen), json_safe(wanted), text, observed)


def render(failures: list[Failure]) -> str:
    """The message of a FAILED result: every failure's text, in order."""
    return "; ".join(f.text for f in failures)
