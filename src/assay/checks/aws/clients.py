"""The botocore clients of one target, and its embedded moto server when it asks for one.

The s3 and aws target types (and, through ``Account``, stacks and terraform targets) make
their clients here: one per (service, credential, region, endpoint, addressing), created
once and shared by every thread of the run. botocore does not retry: the engine does, with
backoff, and never when the expectation asked for the error.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Protocol

import boto3
from botocore.config import Config

from assay.checks.aws.connection import EMBEDDED
from assay.checks.aws.embedded import EmbeddedMoto
from assay.config.models import CredentialSet


class Connection(Protocol):
    """The settings clients are made from (``s3`` targets' and ``AwsConnection``)."""

    @property
    def credentials(self) -> Mapping[str, CredentialSet]: ...

    @property
    def endpoint(self) -> str | None: ...

    @property
    def verify_tls(self) -> bool: ...

    @property
    def timeout(self) -> float: ...


class BotoClients:
    """Clients made on first use from a target's credentials and connection settings."""

    def __init__(self, settings: Connection, concurrency: int) -> None:
        self._credentials = settings.credentials
        self._embedded = EmbeddedMoto() if settings.endpoint == EMBEDDED else None
        # where requests go unless a service or credential says otherwise (None: AWS)
        self.endpoint = self._embedded.url if self._embedded else settings.endpoint
        self._verify_tls = settings.verify_tls
        self._timeout = settings.timeout
        self._pool = max(10, concurrency * 2)  # abandoned calls may still hold a connection
        self._sessions: dict[str, Any] = {}
        self._clients: dict[tuple[str, str, str, str | None, bool], Any] = {}
        self._lock = threading.Lock()

    @property
    def embedded(self) -> bool:
        return self._embedded is not None

    def describe(self, region: str) -> dict[str, Any]:
        """Where the clients go, for a target's ``describe()``."""
        return {"endpoint": self.endpoint or "aws", "region": region, "embedded": self.embedded}

    def client(
        self, service: str, credential: str, region: str, endpoint: str | None, path_style: bool
    ) -> Any:
        """The shared client; ``path_style`` addresses buckets as ``http://host/bucket``."""
        key = (service, credential, region, endpoint, path_style)
        client = self._clients.get(key)
        if client is not None:
            return client
        with self._lock:  # boto3 sessions are not safe to create clients from concurrently
            if key not in self._clients:
                self._clients[key] = self._make(*key)
            return self._clients[key]

    def _session(self, credential: str) -> Any:
        session = self._sessions.get(credential)
        if session is None:
            cred = self._credentials.get(credential)
            if cred is None:  # boto3's own chain: environment, profile, instance role
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

    def _make(
        self, service: str, credential: str, region: str, endpoint: str | None, path_style: bool
    ) -> Any:
        config = Config(
            region_name=region,
            s3={"addressing_style": "path" if path_style else "auto"},
            retries={"total_max_attempts": 1, "mode": "standard"},  # assay retries itself
            connect_timeout=self._timeout,
            read_timeout=self._timeout,
            max_pool_connections=self._pool,
            # checksums only when an operation requires one or the step asks for it, so
            # suites behave the same on servers that do not know the new checksum headers
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        return self._session(credential).client(
            service, endpoint_url=endpoint, verify=self._verify_tls, config=config
        )

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
        if self._embedded:
            self._embedded.stop()
