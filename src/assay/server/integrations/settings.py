"""The integrations feature's settings section."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, model_validator

from assay.core.errors import SuiteError


class IntegrationsSettings(BaseModel):
    integrations_file: Path | None = Field(None, description="YAML file of integrations.")
    integration_interval: float = Field(
        15.0, gt=0, le=86_400, description="Default seconds between two checks."
    )
    integration_history_days: float = Field(
        7.0, gt=0, description="Days of check history kept (older checks are deleted)."
    )

    @model_validator(mode="after")
    def _valid_integrations(self) -> IntegrationsSettings:
        # here, so that `assay serve` refuses a bad file before it starts any worker
        if self.integrations_file is not None:
            from assay.server.integrations.config import load_integrations, render

            try:
                load_integrations(self.integrations_file, self.integration_interval)
            except SuiteError as exc:
                raise ValueError(
                    f"integrations_file {self.integrations_file}: {render(exc)}"
                ) from None
        return self
