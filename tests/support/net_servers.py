"""Local stand-ins for the net family: a CA with leaf certificates, TLS servers, a DNS server.

Everything binds to 127.0.0.1 on a free port and stops cleanly (no ResourceWarning).
"""

from __future__ import annotations

import ipaddress
import socketserver
import ssl
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from dnslib import QTYPE, RCODE, RR, DNSRecord
from dnslib.server import BaseResolver, DNSHandler, DNSLogger, DNSServer

LOCAL_NAMES = ("localhost", "127.0.0.1")


@dataclass(frozen=True)
class LeafSpec:
    """One leaf certificate to issue: its names and validity relative to now."""

    names: tuple[str, ...]
    starts: timedelta
    lasts: timedelta


LEAVES = {
    "valid": LeafSpec(LOCAL_NAMES, timedelta(days=-1), timedelta(days=91)),
    "expiring": LeafSpec(LOCAL_NAMES, timedelta(days=-1), timedelta(days=3)),
    "expired": LeafSpec(LOCAL_NAMES, timedelta(days=-30), timedelta(days=29)),
    "wrong_host": LeafSpec(("wrong.example",), timedelta(days=-1), timedelta(days=91)),
}


@dataclass(frozen=True)
class CertFiles:
    """PEM files of one leaf: certificate and key."""

    cert: Path
    key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _alt_names(names: tuple[str, ...]) -> x509.SubjectAlternativeName:
    general: list[x509.GeneralName] = []
    for name in names:
        try:
            general.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            general.append(x509.DNSName(name))
    return x509.SubjectAlternativeName(general)


def make_certificates(root: Path) -> tuple[Path, dict[str, CertFiles]]:
    """A self-signed CA and one leaf per ``LEAVES`` entry, signed by it, written under ``root``."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("assay test CA"))
        .issuer_name(_name("assay test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=60))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_path = root / "ca.pem"
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    leaves = {}
    for label, spec in LEAVES.items():
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(spec.names[0]))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now + spec.starts)
            .not_valid_after(now + spec.starts + spec.lasts)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_alt_names(spec.names), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        files = CertFiles(root / f"{label}.pem", root / f"{label}-key.pem")
        files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        _write_key(key, files.key)
        leaves[label] = files
    return ca_path, leaves


class _TLSHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        context: ssl.SSLContext = self.server.context  # type: ignore[attr-defined]
        try:
            with context.wrap_socket(self.request, server_side=True) as tls:
                tls.sendall(b"ok\n")
        except OSError:
            pass  # clients that reject the certificate abort the handshake


class _ThreadingTCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = True


class TLSServer:
    """A TLS server on 127.0.0.1 that completes handshakes and says ``ok``."""

    def __init__(self, files: CertFiles) -> None:
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(files.cert, files.key)
        self._server = _ThreadingTCPServer(("127.0.0.1", 0), _TLSHandler)
        self._server.context = self.context  # type: ignore[attr-defined]
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


class _JunkHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.request.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\n")


class PlainServer:
    """A TCP server on 127.0.0.1 that answers every connection with plain text, not TLS."""

    def __init__(self) -> None:
        self._server = _ThreadingTCPServer(("127.0.0.1", 0), _JunkHandler)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


class _ZoneResolver(BaseResolver):  # type: ignore[misc]
    """Known names answer NOERROR (records of the asked type, maybe none); others NXDOMAIN."""

    def __init__(self, zone: str) -> None:
        self.records = RR.fromZone(zone)

    def resolve(self, request: DNSRecord, handler: DNSHandler) -> DNSRecord:
        reply = request.reply()
        qname, qtype = request.q.qname, request.q.qtype
        if str(qname) == "fail.test.":
            reply.header.rcode = RCODE.SERVFAIL
            return reply
        known = [rr for rr in self.records if rr.rname == qname]
        if not known:
            reply.header.rcode = RCODE.NXDOMAIN
        for rr in known:
            if rr.rtype == qtype or rr.rtype == QTYPE.CNAME:
                reply.add_answer(rr)
            if rr.rtype == QTYPE.CNAME and qtype != QTYPE.CNAME:  # chase within the zone
                target = rr.rdata.label
                reply.add_answer(
                    *(r for r in self.records if r.rname == target and r.rtype == qtype)
                )
        return reply


ZONE = """\
app.test.   60  IN  A      127.0.0.1
app.test.   60  IN  AAAA   ::1
mail.test.  300 IN  MX     10 mx.test.
txt.test.   60  IN  TXT    "v=spf1 -all"
www.test.   60  IN  CNAME  app.test.
"""


class LocalDNS:
    """A UDP DNS server on 127.0.0.1 answering from ``ZONE``; ``fail.test.`` gets SERVFAIL."""

    def __init__(self, zone: str = ZONE) -> None:
        self._server = DNSServer(
            _ZoneResolver(zone),
            address="127.0.0.1",
            port=0,
            logger=DNSLogger("-request,-reply,-truncated,-error", False, lambda _: None),
        )
        self.port = int(self._server.server.server_address[1])
        self._server.start_thread()

    def stop(self) -> None:
        self._server.stop()
        self._server.server.server_close()
        self._server.thread.join(5)
