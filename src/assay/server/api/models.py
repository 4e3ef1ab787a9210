"""What every feature's API models share: UTC times, short strings, NUL-free strict input
models, and the page of a list."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, model_validator

T = TypeVar("T")


def _utc(value: datetime | None) -> datetime | None:
    """Naive times are taken as UTC; aware ones are converted to it."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


When = Annotated[datetime, AfterValidator(_utc)]
Short = Annotated[str, StringConstraints(max_length=200)]
NUL, REPLACEMENT = "\x00", "\ufffd"


def without_nul(value: Any) -> Any:
    """``value`` with NUL characters replaced by U+FFFD, in nested dicts and lists too.

    PostgreSQL cannot store NUL in text or JSON, so no backend keeps it: a check's output
    that holds one is stored (not refused), the same on SQLite and PostgreSQL.
    """
    if isinstance(value, str):
        return value.replace(NUL, REPLACEMENT) if NUL in value else value
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_nul(v) for v in value]
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _without_nul(cls, data: Any) -> Any:
        return without_nul(data)


class Page(BaseModel, Generic[T]):
    """One page of a list; pass ``next_cursor`` as ``cursor`` for the next (null: last)."""

    items: list[T]
    total: int
    limit: int
    next_cursor: str | None
