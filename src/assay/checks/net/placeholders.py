"""The net family's placeholders of the condition language, registered with the family.

The http family fills ``[CONNECTED]`` and ``[IP]`` too (from its own connection), and
``db.ping`` ``[CONNECTED]``, by name. ``[CHAIN_VALID]`` and ``[HOSTNAME_MATCH]`` let a
``tls.certificate`` step with ``verify: false`` decide by conditions alone (a monitor's
degrading ones among them).
"""

from __future__ import annotations

from assay.core.placeholders import Placeholder

PLACEHOLDERS = (
    Placeholder(
        "CERTIFICATE_EXPIRATION",
        "s",
        "seconds until the certificate expires; compare with durations (168h, 30d)",
    ),
    Placeholder(
        "CHAIN_VALID",
        "bool",
        "whether the certificate chain verified against the trust store (dates aside)",
    ),
    Placeholder("HOSTNAME_MATCH", "bool", "whether the certificate's names cover the server name"),
    Placeholder("CONNECTED", "bool", "whether a connection was made"),
    Placeholder("DNS_RCODE", "text", "the DNS answer's response code: NOERROR, NXDOMAIN, ..."),
    Placeholder("IP", "text", "the address connected to, or the first address resolved"),
)
