"""The net family's placeholders of the condition language, registered with the family.

The http family fills ``[CONNECTED]`` and ``[IP]`` too (from its own connection), by name.
"""

from __future__ import annotations

from assay.core.placeholders import Placeholder

PLACEHOLDERS = (
    Placeholder(
        "CERTIFICATE_EXPIRATION",
        "s",
        "seconds until the certificate expires; compare with durations (168h, 30d)",
    ),
    Placeholder("CONNECTED", "bool", "whether a connection was made"),
    Placeholder("DNS_RCODE", "text", "the DNS answer's response code: NOERROR, NXDOMAIN, ..."),
    Placeholder("IP", "text", "the address connected to, or the first address resolved"),
)
