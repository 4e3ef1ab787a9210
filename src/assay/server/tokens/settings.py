"""The tokens feature's settings section."""

from __future__ import annotations

from pydantic import BaseModel, Field


class TokensSettings(BaseModel):
    token_cache_seconds: float = Field(
        5.0, ge=0, le=300, description="How long a verified token is trusted (0: no cache)."
    )
