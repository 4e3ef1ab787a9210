"""The monitors feature's settings section."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator


class MonitorsSettings(BaseModel):
    monitors_file: Path | None = Field(
        None, description="YAML file of monitors (and maintenance windows) loaded at start."
    )
    monitor_concurrency: int = Field(
        16, ge=1, le=1024, description="Monitor runs at once per worker (each has a timeout)."
    )
    monitor_retention_days: float = Field(
        7.0, gt=0, description="Days of raw runs kept (roll-ups keep minutes 2 d, hours 90 d)."
    )
    monitor_alert_interval: float = Field(
        2.0, gt=0, description="Seconds between two passes of the alert delivery job."
    )
    monitor_alert_max_attempts: int = Field(
        10, ge=1, le=100, description="Tries per alert before it is marked failed."
    )
    monitor_badges: Literal["public", "viewer", "off"] = Field(
        "public", description="Who may read monitors' badges: anyone, a viewer token, nobody."
    )

    @model_validator(mode="after")
    def _valid_monitors_file(self) -> MonitorsSettings:
        # here, so that `assay serve` refuses a bad file before it starts any worker
        if self.monitors_file is not None:
            from assay.core.errors import UsageError
            from assay.server.monitors.config import load

            try:
                load(self.monitors_file)
            except UsageError as exc:
                raise ValueError(str(exc)) from None
        return self
