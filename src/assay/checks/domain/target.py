"""The ``domain`` target type: the RDAP service that domain registrations are asked of."""

from __future__ import annotations

from typing import Any, Literal

import httpx
from pydantic import Field, field_validator

from assay import __version__
from assay.checks.target_type import FamilyTargetType, unreachable
from assay.config.models import TargetBase, http_url

RDAP_ORG = "https://rdap.org"
ACCEPT = "application/rdap+json, application/json;q=0.9"


class DomainSettings(TargetBase):
    """Where RDAP queries go; rdap.org redirects each to the registry of its top-level domain."""

    type: Literal["domain"] = "domain"
    rdap: str = Field(
        RDAP_ORG,
        description="Base URL of an RDAP service (RFC 9082): queries are {rdap}/domain/NAME.",
    )
    verify_tls: bool = Field(True, description="Verify the RDAP servers' TLS certificates.")

    @field_validator("rdap")
    @classmethod
    def _base_url(cls, value: str) -> str:
        return http_url(value, "rdap").rstrip("/")


class DomainTarget:
    """An opened ``domain`` target: one HTTP client, following redirects, for every step."""

    def __init__(self, name: str, settings: DomainSettings, concurrency: int = 1) -> None:
        self.name = name
        self.settings = settings
        pool = max(10, concurrency * 2)  # abandoned calls may still hold a connection
        self.client = httpx.Client(
            headers={"Accept": ACCEPT, "User-Agent": f"assay/{__version__}"},
            verify=settings.verify_tls,
            follow_redirects=True,  # rdap.org answers every query with a redirect
            timeout=settings.timeout,
            limits=httpx.Limits(max_connections=pool, max_keepalive_connections=pool),
        )

    def url(self, ascii_name: str) -> str:
        """The RDAP domain query for a name in its ASCII (A-label) form."""
        return f"{self.settings.rdap}/domain/{ascii_name}"

    def credential_names(self) -> list[str]:
        return []

    def describe(self) -> dict[str, Any]:
        return {"type": "domain", "rdap": self.settings.rdap}

    def close(self) -> None:
        self.client.close()


class DomainTargetType(FamilyTargetType[DomainSettings, DomainTarget]):
    name = "domain"
    noun = "a domain target"
    settings_model = DomainSettings
    target_class = DomainTarget

    def probe(self, target: Any) -> None:
        """Ask the RDAP service for its help (RFC 9082); any answer means reachable."""
        try:
            target.client.get(f"{target.settings.rdap}/help").close()
        except httpx.HTTPError as exc:
            raise unreachable(f"target '{target.name}' at {target.settings.rdap}", exc) from None
