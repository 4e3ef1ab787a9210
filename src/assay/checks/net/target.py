"""The ``net`` target type: a default host and DNS server for the tcp, tls and dns kinds."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from assay.checks.target_type import FamilyTargetType
from assay.config.models import TargetBase
from assay.core.errors import InvalidParameters

SCHEME_PORTS = {"https": 443, "http": 80}


class NetSettings(TargetBase):
    """A host (or none) to check ports, certificates and DNS answers of; no credentials."""

    type: Literal["net"] = "net"
    host: str | None = Field(None, description="Default host of tcp.connect and tls.certificate.")
    nameserver: str | None = Field(
        None, description="IP address of the DNS server (default: the system resolver)."
    )
    dns_port: int = Field(53, ge=1, le=65535, description="Port of the DNS server.")

    @field_validator("nameserver")
    @classmethod
    def _nameserver_is_ip(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return str(ipaddress.ip_address(value.strip()))
        except ValueError:
            raise ValueError(f"nameserver must be an IP address, got {value!r}") from None


class NetTarget:
    """An opened ``net`` target: only its settings; every check opens its own sockets."""

    def __init__(self, name: str, settings: NetSettings, concurrency: int = 1) -> None:
        self.name = name
        self.settings = settings

    def credential_names(self) -> list[str]:
        return []

    def describe(self) -> dict[str, Any]:
        return {
            "type": "net",
            "host": self.settings.host,
            "nameserver": self.settings.nameserver or "system",
            "dns_port": self.settings.dns_port,
        }

    def close(self) -> None:
        return None


class NetTargetType(FamilyTargetType[NetSettings, NetTarget]):
    name = "net"
    noun = "a net target"
    settings_model = NetSettings
    target_class = NetTarget


@dataclass(frozen=True)
class Endpoint:
    """Where a step connects."""

    host: str
    port: int


def _base_url(target: Any) -> str | None:
    """The ``base_url`` of an ``http`` target (on the target or on its settings)."""
    for holder in (target, getattr(target, "settings", None)):
        url = getattr(holder, "base_url", None)
        if url:
            return str(url)
    return None


def endpoint(target: Any, host: str | None, port: int | None, default_port: int | None) -> Endpoint:
    """Host and port from the step, else the target's host or ``base_url``, else defaults."""
    url = _base_url(target)
    parts = urlsplit(url) if url else None
    settings = getattr(target, "settings", None)
    host = host or (settings.host if isinstance(settings, NetSettings) else None)
    if host is None and parts is not None:
        host = parts.hostname
    if port is None and parts is not None and parts.hostname == host:
        port = parts.port or SCHEME_PORTS.get(parts.scheme)
    port = port or default_port
    if not host:
        raise InvalidParameters("no host: give 'host' in the step or set 'host' on the target")
    if port is None:
        raise InvalidParameters("no port: give 'port' in the step")
    return Endpoint(host, port)


def timeout_of(target: Any, call_timeout: float) -> float:
    """Socket timeout: the target's per-request timeout, bounded by the step's."""
    settings_timeout = getattr(getattr(target, "settings", None), "timeout", None)
    if isinstance(settings_timeout, int | float) and settings_timeout > 0:
        return min(float(settings_timeout), call_timeout)
    return call_timeout


def default_ca_file(target: Any) -> str | None:
    """An ``http`` target's CA bundle (``verify_tls: file``), trusted by ``tls.certificate``."""
    verify = getattr(getattr(target, "settings", None), "verify_tls", None)
    return verify if isinstance(verify, str) else None
