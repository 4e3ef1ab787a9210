"""The domain family: a ``domain`` target (an RDAP service) and ``domain.expiry``.

A family of its own rather than a kind of ``net``: its answers come from the registries over
HTTP (one client, redirects followed), not from the host under test over sockets.
"""

from __future__ import annotations

from assay.checks.domain.expiry import DomainExpiry
from assay.checks.domain.target import DomainSettings, DomainTarget, DomainTargetType
from assay.core.checks import CHECKS, TARGETS
from assay.core.placeholders import Placeholder
from assay.core.placeholders import register as register_placeholder

DOMAIN_EXPIRATION = Placeholder(
    "DOMAIN_EXPIRATION",
    "s",
    "seconds until the domain's registration expires (RDAP); compare with durations (30d)",
)

TARGETS.register("domain", DomainTargetType())
CHECKS.register(DomainExpiry.name, DomainExpiry())
register_placeholder(DOMAIN_EXPIRATION)

__all__ = ["DomainExpiry", "DomainSettings", "DomainTarget", "DomainTargetType"]
