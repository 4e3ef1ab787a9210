"""``http.request``: send one request with the step's credential and observe the answer."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

import httpx

from assay.checks.http import params as request_params
from assay.checks.http.errors import from_request_error
from assay.checks.http.params import SECRET_HEADERS, RequestSpec, prepare
from assay.checks.http.response import observe, read_body
from assay.checks.http.target import HttpCredential, HttpTarget, HttpTargetType
from assay.checks.http.timings import Exchange, peer_address
from assay.checks.target_type import opened
from assay.core.checks import CheckCall, Observation, ParamProblem
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
    spec: RequestSpec, target: HttpTarget, credential: str
) -> tuple[httpx.Auth | None, dict[str, str], frozenset[str]]:
    """(auth flow, extra headers, header names to mask) for one request.

    ``auth: none`` sends no credential. A header the step sets itself (``Authorization:
    Bearer ${token}``) wins over the credential's.
    """
    cred = target.credential(credential)
    secret = secret_headers(cred.header if cred is not None else None)
    if spec.auth == "none":
        return None, {}, secret
    if spec.auth is not None:
        auth, extra = _step_auth(spec.auth)
    elif cred is not None:
        auth, extra = _credential_auth(cred)
    else:
        return None, {}, secret
    given = {name.lower() for name in spec.headers}
    if "authorization" in given and auth is not None:
        auth = None
    extra = {k: v for k, v in extra.items() if k.lower() not in given}
    return auth, extra, secret


def build(
    client: httpx.Client, spec: RequestSpec, extra: dict[str, str], timeout: float
) -> httpx.Request:
    """The request: step headers over the credential's, JSON encoded, query merged."""
    headers = {**extra, **spec.headers}
    content = spec.content
    if spec.has_json:
        content = json.dumps(spec.json).encode("utf-8")
        if "content-type" not in {k.lower() for k in headers}:
            headers["Content-Type"] = "application/json"
    url = httpx.URL(spec.path)
    if spec.query:  # merged with a query in the path (httpx's params= would replace it)
        url = url.copy_merge_params(spec.query)
    return client.build_request(
        spec.method,
        url,
        headers=headers,
        content=content,
        timeout=timeout,
    )


class HttpRequest:
    """The ``http.request`` check kind."""

    name = "http.request"
    family = "http"
    description = "Send one HTTP request; observe status, headers, body (JSON parsed), timings."

    def validate(self, params: Mapping[str, Any]) -> list[ParamProblem]:
        return request_params.validate(params)

    def params_schema(self) -> dict[str, Any]:
        return request_params.schema()

    def run(self, call: CheckCall) -> Observation:
        target = opened(call, self.name, HttpTargetType)
        spec = prepare(call.params, call.validated)
        auth, extra, secret = authenticate(spec, target, call.credential)
        timeout = min(spec.timeout or target.settings.timeout, call.timeout + GRACE)
        request = build(target.client, spec, extra, timeout)
        https = request.url.scheme == "https"
        redirects = (
            httpx.USE_CLIENT_DEFAULT if spec.follow_redirects is None else spec.follow_redirects
        )
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
