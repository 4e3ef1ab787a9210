"""How a target reaches an AWS account: the settings every AWS-facing target type shares.

``aws`` targets are nothing but these settings. ``stacks`` and ``terraform`` targets embed
them too, because they deploy to (or were applied to) an account and their checks verify what
is there: one target, one account, one embedded server. ``Account`` opens the clients of
such a target on first use, so a ``stacks`` target that only synthesises never starts moto.
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from assay.checks.aws import model
from assay.checks.aws.embedded import EMBEDDED_CREDENTIAL
from assay.config.models import CredentialSet, TargetBase, http_url
from assay.core.registry import suggest

EMBEDDED = "embedded"
# target types whose targets carry a connection: the aws kinds accept every one of them
CONNECTED_TYPES = ("aws", "stacks", "terraform")


class AwsConnection(TargetBase):
    """An AWS account and region, the embedded moto server, or any AWS-compatible endpoint."""

    endpoint: str | None = Field(
        EMBEDDED,
        description="'embedded' (default: a local moto server), a URL serving every service "
        "(moto, LocalStack), or empty / 'aws' for real AWS.",
    )
    region: str = Field("us-east-1", min_length=1, description="Default region.")
    endpoints: dict[str, str] = Field(
        default_factory=dict, description="Service -> URL, overriding 'endpoint' for it."
    )
    verify_tls: bool = Field(True, description="Verify the endpoints' TLS certificates.")

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        if value is None or value.strip().lower() in ("", "aws"):
            return None
        if value.strip() == EMBEDDED:
            return EMBEDDED
        return http_url(value.strip(), "endpoint")

    @field_validator("endpoints")
    @classmethod
    def _endpoints(cls, value: dict[str, str]) -> dict[str, str]:
        known = model.services()
        for service, url in value.items():
            if service not in known:
                raise ValueError(f"unknown service '{service}'{suggest(service, known)}")
            http_url(url, f"endpoints.{service}")
        return value

    @model_validator(mode="after")
    def _embedded_default_credential(self) -> AwsConnection:
        if not self.credentials and self.endpoint == EMBEDDED:
            self.credentials = {"default": CredentialSet.model_validate(EMBEDDED_CREDENTIAL)}
        return self

    @property
    def embedded(self) -> bool:
        return self.endpoint == EMBEDDED

    def region_for(self, credential: str | None) -> str:
        """The region of ``credential``'s steps unless they name one: its own, or the target's."""
        cred = self.credentials.get(self.credential_for(credential or None) or "")
        return (cred.region if cred else None) or self.region
