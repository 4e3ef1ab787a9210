"""``tls.certificate``: a server's TLS handshake and leaf certificate, verified or not.

The verifying handshake is Python's ``ssl`` (chain and host name, the system's trust store
plus ``ca_file``). When it rejects the certificate, a second handshake without verification
reads the certificate anyway, so expiry, subject and names are reported for bad ones too.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from cryptography import x509
from pydantic import Field

from assay.checks.net import certs
from assay.checks.net.errors import TIMEOUT, Clock, from_socket_error, ms
from assay.checks.net.params import (
    Flag,
    MaybeText,
    NetKind,
    NetParams,
    Port,
    choices_schema,
    one_of,
)
from assay.checks.net.target import Endpoint, default_ca_file, endpoint, timeout_of
from assay.checks.net.tcp import connect
from assay.core.checks import CheckCall, Observation
from assay.core.errors import InvalidParameters

VERSIONS = {
    "TLSv1": ssl.TLSVersion.TLSv1,
    "TLSv1.1": ssl.TLSVersion.TLSv1_1,
    "TLSv1.2": ssl.TLSVersion.TLSv1_2,
    "TLSv1.3": ssl.TLSVersion.TLSv1_3,
}
# OpenSSL's X509_V_ERR_* codes that ssl.SSLCertVerificationError.verify_code carries
NOT_YET_VALID, EXPIRED = 9, 10
NAME_MISMATCH = {62, 63, 64}  # host name, e-mail, IP address
HANDSHAKE_FAILED = "HandshakeFailed"


@dataclass(frozen=True)
class Handshake:
    """What one completed handshake showed."""

    der: bytes
    protocol: str | None
    cipher: str | None


def context(
    verify: bool, check_hostname: bool, ca_file: str | None, min_protocol: str | None
) -> ssl.SSLContext:
    """A client context: verifying (system trust store plus ``ca_file``) or not."""
    if verify:
        ctx = ssl.create_default_context()
        ctx.check_hostname = check_hostname
        if ca_file:
            try:
                ctx.load_verify_locations(cafile=ca_file)
            except ssl.SSLError as exc:
                raise InvalidParameters(
                    f"ca_file {ca_file}: not a PEM certificate ({exc})"
                ) from None
    else:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if min_protocol:
        ctx.minimum_version = VERSIONS[min_protocol]
    return ctx


def _ca_path(value: str | None) -> str | None:
    if value is None:
        return None
    path = Path(value.removeprefix("file://"))
    if not path.is_file():
        raise InvalidParameters(f"ca_file not found: {value}")
    return str(path)


def _peer(sock: socket.socket) -> str | None:
    try:
        return str(sock.getpeername()[0])
    except OSError:  # the peer already hung up; the handshake will say so
        return None


def _handshake(ctx: ssl.SSLContext, sock: socket.socket, server_name: str) -> Handshake:
    # the socket is closed even when wrapping fails (wrapping detaches it otherwise)
    with sock, ctx.wrap_socket(sock, server_hostname=server_name) as tls:
        der = tls.getpeercert(binary_form=True)
        if der is None:
            raise ssl.SSLError("the server sent no certificate")
        cipher = tls.cipher()
        return Handshake(der, tls.version(), cipher[0] if cipher else None)


@dataclass(frozen=True)
class Probe:
    """One step's handshake settings; each ``again`` is a handshake on a new connection."""

    where: Endpoint
    server_name: str
    timeout: float
    ca_file: str | None
    min_protocol: str | None

    def context(self, verify: bool, check_hostname: bool = True) -> ssl.SSLContext:
        return context(verify, check_hostname, self.ca_file, self.min_protocol)

    def again(self, verify: bool, check_hostname: bool = True) -> Handshake:
        sock = connect(self.where.host, self.where.port, self.timeout)
        return _handshake(self.context(verify, check_hostname), sock, self.server_name)


@dataclass(frozen=True)
class Verification:
    """The two things the ssl module's verification establishes, each on its own."""

    chain_valid: bool
    hostname_match: bool
    verify_error: str | None = None


def verification(
    error: ssl.SSLCertVerificationError | None, cert: x509.Certificate, probe: Probe
) -> Verification:
    """Chain validity and host name match, from the verifying handshake's error."""
    if error is None:
        return Verification(True, True)
    leaf_dated = certs.seconds_left(cert) < 0 or certs.not_yet_valid(cert)
    if error.verify_code in NAME_MISMATCH:
        # OpenSSL checks the name before trust and dates: ask again without the name
        try:
            probe.again(verify=True, check_hostname=False)
        except ssl.SSLCertVerificationError as chain_error:
            dated = chain_error.verify_code in (EXPIRED, NOT_YET_VALID) and leaf_dated
            return Verification(dated, False, str(chain_error.verify_message))
        except OSError as exc:
            return Verification(False, False, f"chain not verified: {exc}")
        return Verification(True, False, str(error.verify_message))
    # dates are checked last, so a date error on the leaf means trust and signatures held
    chain_valid = error.verify_code in (EXPIRED, NOT_YET_VALID) and leaf_dated
    matches = certs.hostname_matches(cert, probe.server_name)
    return Verification(chain_valid, matches, str(error.verify_message))


class TlsParams(NetParams):
    host: MaybeText = Field(
        None, description="Host name or IP (default: the target's host or base_url)."
    )
    port: Port = Field(None, description="TCP port (default: the base_url's port, else 443).")
    server_name: MaybeText = Field(None, description="SNI and the name to verify (default: host).")
    ca_file: MaybeText = Field(
        None,
        description="PEM file of a CA to trust besides the system's (file:// ok; default: an "
        "http target's verify_tls file).",
    )
    verify: Flag = Field(True, description="Fail on an invalid chain, host name or validity.")
    min_protocol: Annotated[
        str | None, one_of(tuple(VERSIONS)), choices_schema(tuple(VERSIONS))
    ] = Field(None, description="Lowest TLS version to offer.")


class TlsCertificate(NetKind[TlsParams]):
    name = "tls.certificate"
    description = "TLS handshake and leaf certificate: expiry, subject, names, chain validity."
    target_types = ("net", "http")
    params_model = TlsParams

    def run(self, call: CheckCall) -> Observation:
        p = self.parse(call)
        where = endpoint(call.target, p.host, p.port, 443)
        probe = Probe(
            where,
            p.server_name or where.host,
            timeout_of(call.target, call.timeout),
            _ca_path(p.ca_file or default_ca_file(call.target)),
            p.min_protocol,
        )
        verifying = probe.context(verify=True)
        base = {"host": where.host, "port": where.port, "server_name": probe.server_name}
        clock = Clock()
        try:
            sock = connect(where.host, where.port, probe.timeout)
        except OSError as exc:
            return from_socket_error(exc, where.host, where.port, clock, base)
        clock.lap("connect")
        ip = _peer(sock)
        base.update(ip=ip, connected=True)
        shake: Handshake | None = None
        error: ssl.SSLCertVerificationError | None = None
        try:
            shake = _handshake(verifying, sock, probe.server_name)
        except ssl.SSLCertVerificationError as exc:
            error = exc
        except OSError as exc:  # ssl.SSLError, a reset, a timeout
            return _failed(exc, base, clock)
        clock.lap("tls")
        response_time = ms(clock.timings["connect"] + clock.timings["tls"])
        if shake is None:
            try:
                shake = probe.again(verify=False)
            except OSError as exc:
                return _failed(exc, base, clock)
        cert = certs.load(shake.der)
        found = verification(error, cert, probe)
        problems = _problems(cert, found, probe.server_name)
        enforce = p.verify
        return Observation(
            success=not (enforce and problems),
            error_code=problems[0][0] if enforce and problems else None,
            message="; ".join(text for _, text in problems),
            data={
                **base,
                **certs.describe(cert),
                "protocol": shake.protocol,
                "cipher": shake.cipher,
                "chain_valid": found.chain_valid,
                "hostname_match": found.hostname_match,
                "verify_error": found.verify_error,
            },
            timings=clock.total(),
            context={
                "CERTIFICATE_EXPIRATION": certs.seconds_left(cert),
                "CHAIN_VALID": found.chain_valid,
                "HOSTNAME_MATCH": found.hostname_match,
                "CONNECTED": True,
                "IP": ip,
                "RESPONSE_TIME": response_time,
            },
        )


def _failed(exc: OSError, base: dict[str, Any], clock: Clock) -> Observation:
    timed_out = isinstance(exc, TimeoutError)
    reason = getattr(exc, "reason", None) or str(exc) or type(exc).__name__
    timings = clock.total()
    return Observation(
        success=False,
        error_code=TIMEOUT if timed_out else HANDSHAKE_FAILED,
        message=f"TLS handshake with {base['host']}:{base['port']} failed: {reason}",
        data=base,
        transient=timed_out,
        timings=timings,
        context={"CONNECTED": True, "IP": base.get("ip"), "RESPONSE_TIME": ms(timings["total"])},
    )


def _problems(
    cert: x509.Certificate, found: Verification, server_name: str
) -> list[tuple[str, str]]:
    """(error code, explanation) for each failed property, the most telling first."""
    out = []
    left = certs.seconds_left(cert)
    if left < 0:
        out.append(
            (
                "CertificateExpired",
                f"certificate expired {-left / certs.DAY:.1f} days ago "
                f"(notAfter {cert.not_valid_after_utc.isoformat()})",
            )
        )
    if certs.not_yet_valid(cert):
        out.append(
            (
                "CertificateNotYetValid",
                f"certificate not valid before {cert.not_valid_before_utc.isoformat()}",
            )
        )
    if not found.chain_valid:
        out.append(("UntrustedCertificate", f"certificate not trusted: {found.verify_error}"))
    if not found.hostname_match:
        names = ", ".join(certs.subject_alt_names(cert)) or "none"
        out.append(
            ("HostnameMismatch", f"certificate does not match '{server_name}' (names: {names})")
        )
    return out
