"""Reading a peer certificate: subject, names, validity, and whether a host name matches it."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes

DAY = 86400.0


def load(der: bytes) -> x509.Certificate:
    """Parse a DER certificate (as ``getpeercert(binary_form=True)`` returns it)."""
    return x509.load_der_x509_certificate(der)


def subject_alt_names(cert: x509.Certificate) -> list[str]:
    """DNS names and IP addresses of the subjectAltName extension, as text."""
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    names: list[str] = list(ext.get_values_for_type(x509.DNSName))
    names += [str(ip) for ip in ext.get_values_for_type(x509.IPAddress)]
    return names


def _dns_match(pattern: str, host: str) -> bool:
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if pattern == host:
        return True
    # RFC 6125: a wildcard only as the whole left-most label, matching exactly one label
    if not pattern.startswith("*.") or "*" in pattern[2:]:
        return False
    first, _, rest = host.partition(".")
    return bool(first) and rest == pattern[2:] and rest.count(".") >= 1


def hostname_matches(cert: x509.Certificate, host: str) -> bool:
    """Whether ``host`` (a name or an IP) is one of the certificate's subjectAltNames."""
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False  # no fallback to the common name, as in browsers and Python's ssl
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return any(_dns_match(name, host) for name in ext.get_values_for_type(x509.DNSName))
    return ip in ext.get_values_for_type(x509.IPAddress)


def seconds_left(cert: x509.Certificate, now: datetime | None = None) -> float:
    """Seconds until ``notAfter``; negative once expired."""
    now = now or datetime.now(UTC)
    return (cert.not_valid_after_utc - now).total_seconds()


def not_yet_valid(cert: x509.Certificate, now: datetime | None = None) -> bool:
    """Whether ``notBefore`` is still in the future."""
    return cert.not_valid_before_utc > (now or datetime.now(UTC))


def describe(cert: x509.Certificate, now: datetime | None = None) -> dict[str, Any]:
    """The certificate's facts as JSON-like data."""
    left = seconds_left(cert, now)
    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "san": subject_alt_names(cert),
        "not_before": cert.not_valid_before_utc.isoformat(),
        "not_after": cert.not_valid_after_utc.isoformat(),
        "days_left": round(left / DAY, 4),
        "serial": format(cert.serial_number, "X"),
        "fingerprint_sha256": cert.fingerprint(hashes.SHA256()).hex(),
    }
