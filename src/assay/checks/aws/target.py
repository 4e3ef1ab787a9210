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

import httpx

from assay.checks.aws.clients import BotoClients
from assay.checks.aws.connection import AwsConnection
from assay.checks.aws.errors import reach
from assay.checks.target_type import FamilyTargetType, unreachable

AMBIENT = ""  # the credential name of boto3's own chain (environment, profile, instance role)

Clients = Callable[[str], Any]  # service name -> botocore client


class AwsSettings(AwsConnection):
    """An AWS account and region, the embedded moto server, or any AWS-compatible endpoint."""

    type: Literal["aws"] = "aws"


class AwsTarget:
    """An opened ``aws`` target: the embedded server if asked for, and a cache of clients."""

    def __init__(self, name: str, settings: AwsConnection, concurrency: int) -> None:
        self.name = name
        self.settings = settings
        self._boto = BotoClients(settings, concurrency)
        self.endpoint = self._boto.endpoint

    def credential(self, name: str | None) -> str:
        """The credential a step runs as: its own, the target's default, or boto3's chain."""
        return self.settings.credential_for(name or None) or AMBIENT

    def client(self, service: str, credential: str = AMBIENT, region: str | None = None) -> Any:
        """The shared client of ``service`` for ``credential`` in ``region``."""
        credential = self.credential(credential)
        region = region or self.settings.region_for(credential)
        endpoint = self.endpoint_for(service, credential)
        # stand-ins answer S3 on one host: path-style addressing needs no wildcard DNS
        return self._boto.client(service, credential, region, endpoint, endpoint is not None)

    def clients(self, credential: str = AMBIENT, region: str | None = None) -> Clients:
        """A function from service name to client, for describers and inventories."""
        return lambda service: self.client(service, credential, region)

    def endpoint_for(self, service: str, credential: str = AMBIENT) -> str | None:
        """Where requests to ``service`` go (None: AWS's own endpoint)."""
        cred = self.settings.credentials.get(self.credential(credential))
        override = self.settings.endpoints.get(service)
        return override or (cred.endpoint if cred else None) or self.endpoint

    def credential_names(self) -> list[str]:
        return list(self.settings.credentials)

    def describe(self) -> dict[str, Any]:
        return {
            "type": "aws",
            **self._boto.describe(self.settings.region),
            "endpoints": dict(self.settings.endpoints),
        }

    def close(self) -> None:
        self._boto.close()


class Account:
    """The account of a target of another family (``stacks``, ``terraform``), opened on first use.

    It is an ``AwsTarget`` under the target's own name and settings, so the aws kinds run on
    such targets unchanged, against the same embedded server as the family's own checks.
    """

    def __init__(self, name: str, settings: AwsConnection, concurrency: int) -> None:
        self.name = name
        self.settings = settings
        self._concurrency = concurrency
        self._target: AwsTarget | None = None
        self._lock = threading.Lock()

    def target(self) -> AwsTarget:
        """The opened account (the embedded server starts here, the first time)."""
        with self._lock:
            if self._target is None:
                self._target = AwsTarget(self.name, self.settings, self._concurrency)
            return self._target

    @property
    def opened(self) -> bool:
        return self._target is not None

    def client(self, service: str, credential: str = AMBIENT, region: str | None = None) -> Any:
        return self.target().client(service, credential, region)

    def clients(self, credential: str = AMBIENT, region: str | None = None) -> Clients:
        return self.target().clients(credential, region)

    def region_for(self, credential: str = AMBIENT) -> str:
        """The default region of ``credential`` (without opening the account)."""
        return self.settings.region_for(credential)

    def describe(self) -> dict[str, Any]:
        """Where the account is, without opening it."""
        if self._target is not None:
            return self._target.describe()
        return {
            "endpoint": self.settings.endpoint or "aws",
            "region": self.settings.region,
            "embedded": self.settings.embedded,
        }

    def probe(self) -> None:
        """Reach the endpoint (``validate --strict``); the embedded one needs no probe."""
        if not self.settings.embedded:
            probe(self.target())

    def close(self) -> None:
        with self._lock:
            if self._target is not None:
                self._target.close()
                self._target = None


class AccountTarget:
    """A target of another family that deploys to, or was applied to, an AWS account (stacks,
    terraform): the aws kinds run on it through ``client`` and ``clients``."""

    def __init__(self, name: str, settings: AwsConnection, concurrency: int) -> None:
        self.name = name
        self.account = Account(name, settings, concurrency)
        self._lock = threading.Lock()

    def client(self, service: str, credential: str = AMBIENT, region: str | None = None) -> Any:
        """A client of the target's account (the aws kinds and the family's own checks)."""
        return self.account.client(service, credential, region)

    def clients(self, credential: str = AMBIENT, region: str | None = None) -> Clients:
        return self.account.clients(credential, region)

    def credential_names(self) -> list[str]:
        return list(self.account.settings.credentials)

    def close(self) -> None:
        self.account.close()


def probe(target: AwsTarget) -> None:
    """Ask STS who we are; then reach every per-service endpoint. Any answer will do."""
    where = target.endpoint or "AWS"
    reach(target.name, where, lambda: target.client("sts").get_caller_identity())
    for service, url in target.settings.endpoints.items():
        try:
            httpx.get(url, timeout=target.settings.timeout, verify=target.settings.verify_tls)
        except httpx.TransportError as exc:
            raise unreachable(
                f"target '{target.name}': endpoint of {service} at {url}", exc
            ) from None


class AwsTargetType(FamilyTargetType[AwsSettings, AwsTarget]):
    name = "aws"
    noun = "an aws target"
    settings_model = AwsSettings
    target_class = AwsTarget

    def probe(self, target: Any) -> None:
        """Ask STS who we are; then reach every per-service endpoint. Any answer will do."""
        probe(target)
