"""``http.request``: send one request with the step's credential and observe the answer."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

import httpx

from assay.checks.http.errors import from_request_error
from assay.checks.http.params import SECRET_HEADERS, UNKNOWN, HttpParams
from assay.checks.http.response import observe, read_body
from assay.checks.http.target import HttpCredential, HttpKind, HttpTarget
from assay.checks.http.timings import Exchange, peer_address
from assay.core.checks import CheckCall, Observation
from assay.core.secrets import register as register_secret

# an explicit step timeout is the engine's to enforce: the request's own runs a little
# longer, so that the step reports "timed out" rather than racing it with a read timeout
GRACE = 0.5


def _credential_auth(cred: HttpCredential) -> tuple[httpx.Auth | None, dict[str, str]]:
    """What a credential adds: basic auth, or a token header (Authorization or its own)."""
    if cred.username is not None:
        password = cred.password.get_secret_value() if cred.password else ""
        return httpx.BasicAuth(cred.username, password), {}
    assert cred.token is not None  # the model requires a username or a token
    token = cred.token.get_secret_value()
    if cred.header:
        return None, {cred.header: token}
    return None, {"Authorization": f"Bearer {token}"}


def _step_auth(auth: Any) -> tuple[httpx.Auth | None, dict[str, str]]:
    """``auth: {basic: {...}}`` or ``auth: {bearer: ...}`` given in the step itself."""
    ((scheme, spec),) = dict(auth).items()
    if scheme == "bearer":
        register_secret(str(spec))
        return None, {"Authorization": f"Bearer {spec}"}
    password = str(spec.get("password") or "")
    register_secret(password)
    return httpx.BasicAuth(str(spec["username"]), password), {}


@functools.lru_cache(maxsize=64)
def secret_headers(extra: str | None) -> frozenset[str]:
    """The header names whose values are masked: the auth headers and a credential's own."""
    return SECRET_HEADERS | {extra.lower()} if extra else SECRET_HEADERS


def authenticate(
    step_auth: Any, headers: Mapping[str, str], target: HttpTarget, credential: str
) -> tuple[httpx.Auth | None, dict[str, str], frozenset[str]]:
    """(auth flow, extra headers, header names to mask) for one request.

    ``auth: none`` sends no credential. A header the step sets itself (``Authorization:
    Bearer ${token}``) wins over the credential's.
    """
    cred = target.credential(credential)
    secret = secret_headers(cred.header if cred is not None else None)
    if step_auth == "none":
        return None, {}, secret
    if step_auth is not None:
        auth, extra = _step_auth(step_auth)
    elif cred is not None:
        auth, extra = _credential_auth(cred)
    else:
        return None, {}, secret
    given = {name.lower() for name in headers}
    if "authorization" in given and auth is not None:
        auth = None
    extra = {k: v for k, v in extra.items() if k.lower() not in given}
    return auth, extra, secret


def build(
    client: httpx.Client, p: HttpParams, extra: dict[str, str], timeout: float
) -> httpx.Request:
    """The request: step headers over the credential's, JSON encoded, query merged."""
    headers = {**extra, **p.headers}
    content = p.content()
    if p.has_json:
        content = json.dumps(p.payload).encode("utf-8")
        if "content-type" not in {k.lower() for k in headers}:
            headers["Content-Type"] = "application/json"
    url = httpx.URL(p.path)
    if p.query:  # merged with a query in the path (httpx's params= would replace it)
        url = url.copy_merge_params(p.query)
    return client.build_request(
        p.method,
        url,
        headers=headers,
        content=content,
        timeout=timeout,
    )


class HttpRequest(HttpKind[HttpParams]):
    """The ``http.request`` check kind."""

    name = "http.request"
    description = "Send one HTTP request; observe status, headers, body (JSON parsed), timings."
    params_model = HttpParams
    unknown_key = UNKNOWN

    def check(self, target: HttpTarget, p: HttpParams, call: CheckCall) -> Observation:
        auth, extra, secret = authenticate(p.auth, p.headers, target, call.credential)
        timeout = min(p.timeout or target.settings.timeout, call.timeout + GRACE)
        request = build(target.client, p, extra, timeout)
        https = request.url.scheme == "https"
        redirects = httpx.USE_CLIENT_DEFAULT if p.follow_redirects is None else p.follow_redirects
        exchange = Exchange()
        exchange.begin()
        try:
            response = target.client.send(
                request, auth=auth, follow_redirects=redirects, stream=True
            )
            exchange.headers_received()  # a streamed send returns once the headers are in
            try:
                peer = peer_address(response, exchange)
                body, digest = read_body(response)
            finally:
                response.close()
        except httpx.RequestError as exc:
            obs = from_request_error(exc, timeout)
            obs.timings = exchange.result(https)
            return obs
        finally:
            exchange.end()
        return observe(response, body, digest, secret, peer, exchange.result(https))
