"""The net family: TCP ports, TLS certificates and DNS answers of any host."""

from __future__ import annotations

from assay.checks.net.dns import DnsResolve
from assay.checks.net.placeholders import PLACEHOLDERS
from assay.checks.net.target import NetSettings, NetTarget, NetTargetType
from assay.checks.net.tcp import TcpConnect
from assay.checks.net.tls import TlsCertificate
from assay.core.checks import CHECKS, TARGETS
from assay.core.placeholders import register as register_placeholder

TARGETS.register("net", NetTargetType())
for kind in (TcpConnect(), TlsCertificate(), DnsResolve()):
    CHECKS.register(kind.name, kind)
for placeholder in PLACEHOLDERS:
    register_placeholder(placeholder)

__all__ = [
    "DnsResolve",
    "NetSettings",
    "NetTarget",
    "NetTargetType",
    "TcpConnect",
    "TlsCertificate",
]
