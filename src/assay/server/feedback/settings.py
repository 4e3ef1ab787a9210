"""The feedback feature's settings section."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr, ValidationInfo, field_validator

from assay.config.models import http_url


class FeedbackSettings(BaseModel):
    github_repository: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$",
        description="owner/repo that feedback becomes issues in (unset: stored only).",
    )
    github_token: SecretStr | None = Field(
        None, description="Token allowed to create issues there (or ASSAY_GITHUB_TOKEN_FILE)."
    )
    github_api_url: str = Field(
        "https://api.github.com", description="GitHub's REST API (GitHub Enterprise: …/api/v3)."
    )
    github_timeout: float = Field(10.0, gt=0, le=300, description="Seconds per GitHub request.")
    github_labels: list[str] = Field(
        default_factory=lambda: ["assay-feedback"], description="Labels of every issue."
    )
    feedback_interval: float = Field(
        2.0, gt=0, description="Seconds between two runs of the GitHub delivery job."
    )
    feedback_retry_base: float = Field(
        5.0, gt=0, description="First retry delay in seconds after a GitHub failure; doubles."
    )
    feedback_max_attempts: int = Field(10, ge=1, le=100, description="Tries per GitHub issue.")
    feedback_dedupe_hours: float = Field(
        24.0, ge=0, description="Identical feedback within this window joins the same issue."
    )
    feedback_max_attachments: int = Field(5, ge=0, le=50, description="Files per report.")
    feedback_max_attachment_bytes: int = Field(
        5 * 1024 * 1024, ge=1, description="Largest attachment (413 beyond)."
    )

    @field_validator("github_api_url")
    @classmethod
    def _github_api_url(cls, value: str, info: ValidationInfo) -> str:
        return http_url(value, str(info.field_name)).rstrip("/")

    @property
    def github_enabled(self) -> bool:
        """Whether feedback becomes GitHub issues (a repository and a token are set)."""
        return self.github_repository is not None and self.github_token is not None
