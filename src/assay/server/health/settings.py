"""The health feature's settings section."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class HealthSettings(BaseModel):
    metrics: Literal["public", "viewer", "off"] = Field(
        "public", description="Who may read /metrics: anyone, a viewer token, or nobody."
    )
