"""Backup freshness, shared by ``s3.newest_object`` and ``files.newest``: the newest of a set
of objects or files is young enough and big enough.

Both kinds find their newest item their own way and hand it here as a ``Found``; this module
judges it against ``max_age`` and ``min_size`` and builds the observation, so the two report
alike. It registers ``[OBJECT_AGE]`` and ``[OBJECT_SIZE]``, which both kinds fill, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, ValidationInfo, WithJsonSchema

from assay.core.checks import Observation
from assay.core.durations import format_duration, parse_duration
from assay.core.placeholders import Placeholder, register

TOO_OLD = "TooOld"
TOO_SMALL = "TooSmall"

PLACEHOLDERS = (
    Placeholder(
        "OBJECT_AGE",
        "s",
        "seconds since the newest object or file was written; compare with durations (26h)",
    ),
    Placeholder("OBJECT_SIZE", "number", "bytes of the newest object or file"),
)
for _placeholder in PLACEHOLDERS:
    register(_placeholder)


def _duration(value: Any, info: ValidationInfo) -> float | None:
    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise ValueError(f"'{info.field_name}': {exc}") from None


# a step's max_age: 26h, 30m, 2d, or seconds (text too: variables arrive as text)
Duration = Annotated[
    float | None,
    BeforeValidator(_duration),
    WithJsonSchema({"anyOf": [{"type": "number", "minimum": 0}, {"type": "string"}]}),
]


@dataclass(frozen=True)
class Found:
    """The newest item of a set: where it is, its size, when it was written, and how many
    items the set had."""

    where: str  # s3://bucket/key, or a file's path
    size: int
    modified: datetime  # timezone-aware
    count: int

    def age(self, now: datetime | None = None) -> float:
        """Seconds since it was written; a clock ahead of ours counts as just now."""
        return max(0.0, ((now or datetime.now(UTC)) - self.modified).total_seconds())


def shown_age(seconds: float) -> str:
    """An age as a message shows it: to the minute past an hour (``1d6h``), else the second."""
    step = 60 if seconds >= 3600 else 1 if seconds >= 60 else 0.001
    return format_duration(round(seconds / step) * step)


def problems(
    found: Found, max_age: float | None, min_size: int | None, now: datetime | None = None
) -> list[tuple[str, str]]:
    """(error code, explanation) for each limit the newest item breaks."""
    out = []
    age = found.age(now)
    if max_age is not None and age > max_age:
        out.append(
            (
                TOO_OLD,
                f"newest {found.where} is {shown_age(age)} old "
                f"(max_age {format_duration(max_age)})",
            )
        )
    if min_size is not None and found.size < min_size:
        out.append(
            (TOO_SMALL, f"newest {found.where} has {found.size} bytes (min_size {min_size})")
        )
    return out


def observe(
    found: Found,
    data: dict[str, Any],
    failed: list[tuple[str, str]],
    timings: dict[str, float],
    now: datetime | None = None,
) -> Observation:
    """The observation of a newest item, failing with the first of ``failed`` if any."""
    age = found.age(now)
    facts = {
        "size": found.size,
        "modified": found.modified.isoformat(),
        "age": round(age, 3),
        "count": found.count,
    }
    return Observation(
        success=not failed,
        error_code=failed[0][0] if failed else None,
        message="; ".join(text for _, text in failed),
        data={**data, **facts},
        timings=timings,
        context={"OBJECT_AGE": age, "OBJECT_SIZE": found.size},
    )


def nothing_found(
    code: str, message: str, data: dict[str, Any], timings: dict[str, float]
) -> Observation:
    """An empty prefix or glob: a failure of the backups, not of the suite."""
    return Observation(
        success=False,
        error_code=code,
        message=message,
        data={**data, "count": 0},
        timings=timings,
        context={"OBJECT_AGE": None, "OBJECT_SIZE": None},
    )
