"""The ``aws`` target type: an AWS account (or a stand-in) and one botocore client per need.

``endpoint`` is ``embedded`` (the default: moto in-process on a free loopback port), a URL
that answers every service (a moto server, LocalStack), or empty / ``aws`` for real AWS.
``endpoints`` sends single services elsewhere. Clients are created lazily, one per (service,
credential, region), and shared by every thread of the run; botocore does not retry, because
the engine does (with backoff, and never when the expectation asked for the error).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import urlsplit

import boto3
import httpx
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
from pydantic import Field, field_validator, model_validator

from assay.checks.aws import model
from assay.checks.aws.embedded import EMBEDDED_CREDENTIAL, EmbeddedMoto
from assay.checks.aws.errors import NO_CREDENTIALS
from assay.config.models import CredentialSet, TargetBase
from assay.core.errors import RuntimeFault, TargetUnreachable, UsageError
from assay.core.registry import suggest
from assay.core.secrets import redact

EMBEDDED = "embedded"
AMBIENT = ""  # the credential name of boto3's own chain (environment, profile, instance role)

Clients = Callable[[str], Any]  # service name -> botocore client


def _url(value: str, what: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{what} must be an http:// or https:// URL with a host, got {value!r}")
    return value


class AwsSettings(TargetBase):
    """An AWS account and region, the embedded moto server, or any AWS-compatible endpoint."""

    type: Literal["aws"] = "aws"
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
        return _url(value.strip(), "endpoint")

    @field_validator("endpoints")
    @classmethod
    def _endpoints(cls, value: dict[str, str]) -> dict[str, str]:
        known = model.services()
        for service, url in value.items():
            if service not in known:
                raise ValueError(f"unknown service '{service}'{suggest(service, known)}")
            _url(url, f"endpoints.{service}")
        return value

    @model_validator(mode="after")
    def _embedded_default_credential(self) -> AwsSettings:
        if not self.credentials and self.endpoint == EMBEDDED:
            self.credentials = {"default": CredentialSet.model_validate(EMBEDDED_CREDENTIAL)}
        return self


class AwsTarget:
    """An opened ``aws`` target: the embedded server if asked for, and a cache of clients."""

    def __init__(self, name: str, settings: AwsSettings, concurrency: int) -> None:
        self.name = name
        self.settings = settings
        self._embedded = EmbeddedMoto() if settings.endpoint == EMBEDDED else None
        self.endpoint: str | None = self._embedded.url if self._embedded else settings.endpoint
        self._pool = max(10, concurrency * 2)  # abandoned calls may still hold a connection
        self._sessions: dict[str, Any] = {}
        self._clients: dict[tuple[str, str, str], Any] = {}
        self._lock = threading.Lock()

    def credential(self, name: str | None) -> str:
        """The credential a step runs as: its own, the target's default, or boto3's chain."""
        return self.settings.credential_for(name or None) or AMBIENT

    def client(self, service: str, credential: str = AMBIENT, region: str | None = None) -> Any:
        """The shared client of ``service`` for ``credential`` in ``region``."""
        credential = self.credential(credential)
        region = region or self._region(credential)
        key = (service, credential, region)
        client = self._clients.get(key)
        if client is not None:
            return client
        with self._lock:  # boto3 sessions are not safe to create clients from concurrently
            if key not in self._clients:
                self._clients[key] = self._make_client(service, credential, region)
            return self._clients[key]

    def clients(self, credential: str = AMBIENT, region: str | None = None) -> Clients:
        """A function from service name to client, for describers and inventories."""
        return lambda service: self.client(service, credential, region)

    def endpoint_for(self, service: str, credential: str = AMBIENT) -> str | None:
        """Where requests to ``service`` go (None: AWS's own endpoint)."""
        cred = self.settings.credentials.get(self.credential(credential))
        override = self.settings.endpoints.get(service)
        return override or (cred.endpoint if cred else None) or self.endpoint

    def _region(self, credential: str) -> str:
        cred = self.settings.credentials.get(credential)
        return (cred.region if cred else None) or self.settings.region

    def _session(self, credential: str) -> Any:
        session = self._sessions.get(credential)
        if session is None:
            cred = self.settings.credentials.get(credential)
            if cred is None:
                session = boto3.session.Session()
            else:
                token = cred.session_token.get_secret_value() if cred.session_token else None
                session = boto3.session.Session(
                    aws_access_key_id=cred.access_key,
                    aws_secret_access_key=cred.secret_key.get_secret_value(),
                    aws_session_token=token,
                )
            self._sessions[credential] = session
        return session

    def _make_client(self, service: str, credential: str, region: str) -> Any:
        endpoint = self.endpoint_for(service, credential)
        config = Config(
            region_name=region,
            retries={"total_max_attempts": 1, "mode": "standard"},  # assay retries itself
            connect_timeout=self.settings.timeout,
            read_timeout=self.settings.timeout,
            max_pool_connections=self._pool,
            # stand-ins answer S3 on one host: path-style addressing needs no wildcard DNS
            s3={"addressing_style": "path" if endpoint else "auto"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        return self._session(credential).client(
            service, endpoint_url=endpoint, verify=self.settings.verify_tls, config=config
        )

    def credential_names(self) -> list[str]:
        return list(self.settings.credentials)

    def describe(self) -> dict[str, Any]:
        return {
            "type": "aws",
            "endpoint": self.endpoint or "aws",
            "region": self.settings.region,
            "embedded": self._embedded is not None,
            "endpoints": dict(self.settings.endpoints),
        }

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
        if self._embedded:
            self._embedded.stop()


class AwsTargetType:
    name = "aws"
    settings_model = AwsSettings

    def open(self, name: str, settings: Any, concurrency: int) -> AwsTarget:
        if not isinstance(settings, AwsSettings):
            raise UsageError(f"target '{name}' is not an aws target")
        return AwsTarget(name, settings, concurrency)

    def probe(self, target: Any) -> None:
        """Ask STS who we are; then reach every per-service endpoint. Any answer will do."""
        where = target.endpoint or "AWS"
        try:
            target.client("sts").get_caller_identity()
        except ClientError:
            pass  # it answered: reachable, whatever it thinks of our keys
        except NoCredentialsError:
            raise RuntimeFault(f"target '{target.name}': {NO_CREDENTIALS}") from None
        except BotoCoreError as exc:
            raise TargetUnreachable(
                f"target '{target.name}' at {where}: {redact(str(exc))}"
            ) from None
        for service, url in target.settings.endpoints.items():
            try:
                httpx.get(url, timeout=target.settings.timeout, verify=target.settings.verify_tls)
            except httpx.TransportError as exc:
                raise TargetUnreachable(
                    f"target '{target.name}': endpoint of {service} at {url}: "
                    f"{redact(str(exc) or type(exc).__name__)}"
                ) from None
