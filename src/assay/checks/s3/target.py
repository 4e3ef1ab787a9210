"""The ``s3`` target type: settings, one boto3 client per credential set, embedded moto."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from assay.checks.aws.clients import BotoClients
from assay.checks.aws.embedded import EMBEDDED_CREDENTIAL
from assay.checks.aws.errors import reach
from assay.checks.target_type import FamilyTargetType
from assay.config.models import CredentialSet, TargetBase


class S3Settings(TargetBase):
    """An S3-compatible endpoint, or ``embedded`` for a local moto server."""

    type: Literal["s3"] = "s3"
    endpoint: str | None = Field(
        None, description="URL of the S3 API, 'embedded' for a local moto server, or empty for AWS."
    )
    region: str = Field("us-east-1", description="Signing region.")
    path_style: bool = Field(False, description="Address buckets as http://host/bucket.")
    verify_tls: bool = Field(True, description="Verify the endpoint's TLS certificate.")

    @model_validator(mode="after")
    def _embedded_default_credential(self) -> S3Settings:
        if not self.credentials and self.endpoint == "embedded":
            self.credentials = {"default": CredentialSet.model_validate(EMBEDDED_CREDENTIAL)}
        return self

    @model_validator(mode="after")
    def _needs_credentials(self) -> S3Settings:
        if not self.credentials:
            raise ValueError("an s3 target needs at least one credential set under 'credentials'")
        return self


class S3Target:
    """An opened ``s3`` target: clients per credential, created once and shared by threads."""

    def __init__(self, name: str, settings: S3Settings, concurrency: int) -> None:
        self.name = name
        self.settings = settings
        self._boto = BotoClients(settings, concurrency)
        self.endpoint = self._boto.endpoint
        for cred in settings.credentials:
            self.client(cred)

    def client(self, credential: str) -> Any:
        cred = self.settings.credentials[credential]
        region = cred.region or self.settings.region
        endpoint = cred.endpoint or self.endpoint
        return self._boto.client("s3", credential, region, endpoint, self.settings.path_style)

    def credential_names(self) -> list[str]:
        return list(self.settings.credentials)

    def describe(self) -> dict[str, Any]:
        return {"type": "s3", **self._boto.describe(self.settings.region)}

    def close(self) -> None:
        self._boto.close()


class S3TargetType(FamilyTargetType[S3Settings, S3Target]):
    name = "s3"
    noun = "an s3 target"
    settings_model = S3Settings
    target_class = S3Target

    def probe(self, target: Any) -> None:
        cred = target.credential_names()[0]
        reach(target.name, f"{target.endpoint}", lambda: target.client(cred).list_buckets())
