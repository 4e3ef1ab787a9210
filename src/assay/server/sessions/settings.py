"""The sessions feature's settings section."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SessionsSettings(BaseModel):
    max_batch: int = Field(1000, ge=1, le=10_000, description="Results per upload.")
