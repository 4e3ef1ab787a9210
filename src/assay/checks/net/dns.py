"""``dns.resolve``: ask the system's or a given DNS server for one name and record type.

An NXDOMAIN, SERVFAIL or empty answer is an observation (``error: NXDOMAIN`` can expect
it); only a server that does not answer at all makes the target unreachable.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any

import dns.exception
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.resolver
import dns.reversename
from dns.rdtypes.txtbase import TXTBase
from pydantic import Field, field_validator

from assay.checks.net.errors import TIMEOUT, Clock, ms
from assay.checks.net.params import (
    MaybeIp,
    NetKind,
    NetParams,
    Port,
    Text,
    choices_schema,
    one_of,
)
from assay.checks.net.target import NetSettings, timeout_of
from assay.core.checks import CheckCall, Observation
from assay.core.errors import InvalidParameters

RECORD_TYPES = ("A", "AAAA", "CNAME", "MX", "TXT", "NS", "SOA", "SRV", "PTR")
TRANSIENT_RCODES = {"SERVFAIL"}


def _qname(name: str, rdtype: str) -> dns.name.Name:
    """The query name; a PTR lookup of an IP address asks for its reverse name."""
    if rdtype == "PTR":
        try:
            return dns.reversename.from_address(str(ipaddress.ip_address(name)))
        except ValueError:
            pass
    try:
        return dns.name.from_text(name)
    except dns.exception.DNSException as exc:
        raise InvalidParameters(f"'name' is not a valid DNS name ({exc}): {name!r}") from None


def _text(rdata: dns.rdata.Rdata) -> str:
    if isinstance(rdata, TXTBase):  # the strings themselves, not their quoted zone form
        return "".join(s.decode("utf-8", "replace") for s in rdata.strings)
    return str(rdata.to_text())


def _failed_rcode(exc: dns.resolver.NoNameservers) -> str:
    """The rcode a server gave when every server failed (SERVFAIL when none says)."""
    for error in exc.kwargs.get("errors") or []:
        response = error[-1] if isinstance(error, tuple) and error else None
        if isinstance(response, dns.message.Message):
            return str(dns.rcode.to_text(response.rcode()))
    return "SERVFAIL"


class DnsParams(NetParams):
    name: Text = Field(description="The name to look up (an IP address for PTR).")
    type: Annotated[str, one_of(RECORD_TYPES), choices_schema(RECORD_TYPES)] = Field(
        "A", description="Record type."
    )
    nameserver: MaybeIp = Field(
        None, description="DNS server IP (default: the target's, else the system's)."
    )
    port: Port = Field(None, description="DNS server port (default: the target's dns_port, 53).")

    @field_validator("name")
    @classmethod
    def _dns_name(cls, value: str) -> str:
        # any record type: a PTR lookup's IP address parses as a name too
        try:
            dns.name.from_text(value)
        except dns.exception.DNSException as exc:
            raise ValueError(f"'name' is not a valid DNS name ({exc}): {value!r}") from None
        return value


class DnsResolve(NetKind[DnsParams]):
    name = "dns.resolve"
    description = "Resolve a DNS name (A, AAAA, MX, TXT...); NXDOMAIN is an expectable error."
    params_model = DnsParams

    def _resolver(self, call: CheckCall, p: DnsParams) -> dns.resolver.Resolver:
        settings = getattr(call.target, "settings", None)
        net = settings if isinstance(settings, NetSettings) else None
        nameserver = p.nameserver or (net.nameserver if net else None)
        port = p.port or (net.dns_port if net else None)
        resolver = dns.resolver.Resolver(configure=nameserver is None)
        if nameserver:
            resolver.nameservers = [nameserver]
        if port:
            resolver.port = port
        resolver.timeout = resolver.lifetime = timeout_of(call.target, call.timeout)
        return resolver

    def run(self, call: CheckCall) -> Observation:
        p = self.parse(call)
        rdtype = p.type
        qname = _qname(p.name, rdtype)
        resolver = self._resolver(call, p)
        server = f"{resolver.nameservers[0]}:{resolver.port}" if resolver.nameservers else "system"
        data: dict[str, Any] = {"name": str(qname), "type": rdtype, "nameserver": server}
        clock = Clock()
        answers: list[str] = []
        ttl: int | None = None
        try:
            answer = resolver.resolve(qname, rdtype, raise_on_no_answer=False)
            rcode = str(dns.rcode.to_text(answer.response.rcode()))
            if answer.rrset is not None:
                answers = [_text(r) for r in answer.rrset]
                ttl = answer.rrset.ttl
        except dns.resolver.NXDOMAIN:
            rcode = "NXDOMAIN"
        except dns.resolver.YXDOMAIN:
            rcode = "YXDOMAIN"
        except dns.resolver.NoNameservers as exc:
            rcode = _failed_rcode(exc)
        except dns.exception.Timeout:
            timings = clock.total()
            return Observation(
                success=False,
                error_code=TIMEOUT,
                message=f"no answer from {server} in {resolver.lifetime:g}s",
                data={**data, "rcode": None, "answers": [], "ttl": None},
                transient=True,
                unreachable=True,
                timings=timings,
                context={"DNS_RCODE": None, "IP": None, "RESPONSE_TIME": ms(timings["total"])},
            )
        clock.lap("resolve")
        timings = clock.total()
        ok = rcode == "NOERROR" and bool(answers)
        code = None if ok else ("NoAnswer" if rcode == "NOERROR" else rcode)
        return Observation(
            success=ok,
            error_code=code,
            message="" if ok else f"{qname} {rdtype}: {code} from {server}",
            data={**data, "rcode": rcode, "answers": answers, "ttl": ttl},
            transient=rcode in TRANSIENT_RCODES,
            timings=timings,
            context={
                "DNS_RCODE": rcode,
                "IP": answers[0] if answers and rdtype in ("A", "AAAA") else None,
                "RESPONSE_TIME": ms(timings["resolve"]),
            },
        )
