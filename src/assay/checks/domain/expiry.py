"""``domain.expiry``: when a domain's registration ends, asked over RDAP (RFC 9083).

``GET {rdap}/domain/NAME``, redirects followed (rdap.org sends every query on to the
registry's own server); the answer's ``expiration`` event is the date. This module is the one
boundary where httpx's exceptions and RDAP's answers become observations:

    no answer (refused, timed out)        unreachable: Timeout, ConnectionError
    404                                   DomainNotFound
    429, 5xx                              RateLimited, RdapError (transient: retried)
    other errors, not JSON, bad dates     RdapError, InvalidResponse
    no expiration event                   NoExpirationDate (some registries publish none)
    a date in the past                    DomainExpired
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

import httpx
from pydantic import BaseModel, Field, field_validator

from assay.checks.domain import rdap
from assay.checks.domain.target import DomainTarget, DomainTargetType
from assay.checks.model_kind import TargetKind
from assay.checks.params import UNKNOWN_PARAMETER, KindParams
from assay.core.checks import CheckCall, Observation

P = TypeVar("P", bound=BaseModel)
DAY = 86400.0


class DomainKind(TargetKind[P, DomainTarget]):
    """A kind of the domain family: its steps run on a ``domain`` target."""

    family = "domain"
    target_type = DomainTargetType
    unknown_key: ClassVar[str] = UNKNOWN_PARAMETER


class ExpiryParams(KindParams):
    name: str = Field(description="The registered domain: example.com (IDN names too).")

    @field_validator("name")
    @classmethod
    def _domain(cls, value: str) -> str:
        rdap.ascii_name(value)
        return value


def _failed(code: str, message: str, data: dict[str, Any], **flags: Any) -> Observation:
    return Observation(
        success=False,
        error_code=code,
        message=message,
        data=data,
        context={"DOMAIN_EXPIRATION": None},
        **flags,
    )


def _no_answer(exc: httpx.HTTPError, url: str, timeout: float, data: dict[str, Any]) -> Observation:
    if isinstance(exc, httpx.TooManyRedirects):
        return _failed("RdapError", f"{url}: too many redirects", data)
    if isinstance(exc, httpx.UnsupportedProtocol):
        return _failed("RdapError", f"{url}: redirected to a URL that is not HTTP: {exc}", data)
    if isinstance(exc, httpx.TimeoutException):
        text = f"{url}: no answer within {timeout:g}s"
        return _failed("Timeout", text, data, transient=True, unreachable=True)
    text = f"{url}: {exc or type(exc).__name__}"
    return _failed("ConnectionError", text, data, transient=True, unreachable=True)


def _refused(reply: httpx.Response, name: str, data: dict[str, Any]) -> Observation:
    """An answer other than 200: the domain is unknown, or the server could not tell."""
    try:
        said = rdap.error_text(json.loads(reply.content))
    except ValueError:
        said = ""
    status = reply.status_code
    detail = f" ({said})" if said else ""
    if status == 404:
        code, text = "DomainNotFound", f"no domain {name} at {reply.url} (HTTP 404){detail}"
    elif status == 429:
        code, text = "RateLimited", f"{reply.url} limits queries (HTTP 429){detail}"
    else:
        code, text = "RdapError", f"{reply.url} answered HTTP {status}{detail}"
    obs = _failed(code, text, data, transient=status == 429 or status >= 500)
    obs.http_status = status
    return obs


class DomainExpiry(DomainKind[ExpiryParams]):
    name = "domain.expiry"
    description = "When a domain's registration expires, over RDAP; [DOMAIN_EXPIRATION] in seconds."
    params_model = ExpiryParams

    def check(self, target: DomainTarget, p: ExpiryParams, call: CheckCall) -> Observation:
        name = rdap.ascii_name(p.name)
        url = target.url(name)
        timeout = min(target.settings.timeout, call.timeout)
        data: dict[str, Any] = {"name": name, "query": url}
        started = time.perf_counter()
        try:
            reply = target.client.get(url, timeout=timeout)
        except httpx.HTTPError as exc:
            obs = _no_answer(exc, url, timeout, data)
            obs.timings = {"total": time.perf_counter() - started}
            return obs
        data.update(url=str(reply.url), redirects=[str(r.url) for r in reply.history])
        obs = self._read(reply, name, data)
        obs.http_status = reply.status_code
        obs.timings = {"total": time.perf_counter() - started}
        return obs

    def _read(self, reply: httpx.Response, name: str, data: dict[str, Any]) -> Observation:
        if reply.status_code != 200:
            return _refused(reply, name, data)
        try:
            doc = json.loads(reply.content)
        except ValueError as exc:
            return _failed("InvalidResponse", f"{reply.url}: not JSON ({exc})", data)
        if not isinstance(doc, dict):
            return _failed("InvalidResponse", f"{reply.url}: not an RDAP object", data)
        data.update(rdap.summary(doc))
        try:
            expires = rdap.event_date(doc, rdap.EXPIRATION)
        except ValueError as exc:
            return _failed("InvalidResponse", f"{reply.url}: {exc}", data)
        if expires is None:
            text = f"{reply.url} gives no expiration date for {name} (no 'expiration' event)"
            return _failed("NoExpirationDate", text, {**data, "expires": None})
        left = (expires - datetime.now(UTC)).total_seconds()
        data.update(expires=expires.isoformat(), days_left=round(left / DAY, 4))
        expired = left < 0
        return Observation(
            success=not expired,
            error_code="DomainExpired" if expired else None,
            message=(
                f"{name} expired {-left / DAY:.1f} days ago ({expires.isoformat()})"
                if expired
                else ""
            ),
            data=data,
            context={"DOMAIN_EXPIRATION": left},
        )
