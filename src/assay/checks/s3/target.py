"""The ``s3`` target type: settings, one boto3 client per credential set, embedded moto."""

from __future__ import annotations

import threading
from typing import Any, Literal

import boto3
from botocore.config import Config
from pydantic import Field, model_validator

from assay.checks.aws.embedded import EMBEDDED_CREDENTIAL, EmbeddedMoto
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
        self._embedded = EmbeddedMoto() if settings.endpoint == "embedded" else None
        self.endpoint = self._embedded.url if self._embedded else settings.endpoint
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._concurrency = concurrency
        for cred in settings.credentials:
            self.client(cred)

    def client(self, credential: str) -> Any:
        client = self._clients.get(credential)
        if client is not None:
            return client
        with self._lock:
            if credential not in self._clients:
                self._clients[credential] = self._make_client(credential)
            return self._clients[credential]

    def _make_client(self, credential: str) -> Any:
        cred = self.settings.credentials[credential]
        session = boto3.session.Session(
            aws_access_key_id=cred.access_key,
            aws_secret_access_key=cred.secret_key.get_secret_value(),
            aws_session_token=cred.session_token.get_secret_value() if cred.session_token else None,
        )
        config = Config(
            region_name=cred.region or self.settings.region,
            s3={"addressing_style": "path" if self.settings.path_style else "auto"},
            retries={"total_max_attempts": 1, "mode": "standard"},  # assay retries itself
            connect_timeout=self.settings.timeout,
            read_timeout=self.settings.timeout,
            max_pool_connections=max(10, self._concurrency * 2),
            # checksums only when an operation requires one or the step asks for it, so
            # suites behave the same on servers that do not know the new checksum headers
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        return session.client(
            "s3",
            endpoint_url=cred.endpoint or self.endpoint,
            verify=self.settings.verify_tls,
            config=config,
        )

    def credential_names(self) -> list[str]:
        return list(self.settings.credentials)

    def describe(self) -> dict[str, Any]:
        return {
            "type": "s3",
            "endpoint": self.endpoint or "aws",
            "region": self.settings.region,
            "embedded": self._embedded is not None,
        }

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        if self._embedded:
            self._embedded.stop()


class S3TargetType(FamilyTargetType[S3Settings, S3Target]):
    name = "s3"
    noun = "an s3 target"
    settings_model = S3Settings
    target_class = S3Target

    def probe(self, target: Any) -> None:
        cred = target.credential_names()[0]
        reach(target.name, f"{target.endpoint}", lambda: target.client(cred).list_buckets())
