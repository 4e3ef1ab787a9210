"""The one boundary where httpx's exceptions become assay observations."""

from __future__ import annotations

import ssl

import httpx

from assay.core.checks import Observation
from assay.core.errors import InvalidParameters
from assay.core.secrets import redact

TRANSIENT_STATUS = {429, 502, 503, 504}
_DISCONNECTED = "Server disconnected without sending a response"


def _ssl_error(exc: BaseException) -> ssl.SSLError | None:
    seen: set[int] = set()
    node: BaseException | None = exc
    while node is not None and id(node) not in seen:
        if isinstance(node, ssl.SSLError):
            return node
        seen.add(id(node))
        node = node.__cause__ or node.__context__
    return None


def _failed(
    code: str, message: str, *, transient: bool, unreachable: bool = False, connected: bool = False
) -> Observation:
    return Observation(
        success=False,
        error_code=code,
        message=redact(message),
        transient=transient,
        unreachable=unreachable,
        context={"CONNECTED": connected},
    )


def from_request_error(exc: httpx.RequestError, timeout: float) -> Observation:
    """Translate a failed exchange; a malformed request of the suite's own is re-raised."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.LocalProtocolError | httpx.InvalidURL):
        raise InvalidParameters(f"cannot send this request: {text}") from None
    if isinstance(exc, httpx.ConnectTimeout):
        return _failed(
            "Timeout", f"no connection within {timeout:g}s", transient=True, unreachable=True
        )
    if isinstance(exc, httpx.TimeoutException):
        what = {httpx.WriteTimeout: "request not sent", httpx.PoolTimeout: "no free connection"}
        detail = what.get(type(exc), "no response")
        return _failed("Timeout", f"{detail} within {timeout:g}s", transient=True)
    if isinstance(exc, httpx.ProxyError):
        return _failed("ProxyError", text, transient=True, unreachable=True)
    if isinstance(exc, httpx.ConnectError):
        tls = _ssl_error(exc)
        if tls is not None:
            reason = getattr(tls, "verify_message", None) or tls.reason or str(tls)
            return _failed("TLSError", f"TLS handshake failed: {reason}", transient=False)
        return _failed("ConnectionError", text, transient=True, unreachable=True)
    if isinstance(exc, httpx.RemoteProtocolError):
        if text.startswith(_DISCONNECTED):
            return _failed("ConnectionError", f"connection dropped: {text}", transient=True)
        return _failed("RemoteProtocolError", f"not a valid HTTP response: {text}", transient=True)
    if isinstance(exc, httpx.NetworkError):  # reset while reading or writing
        return _failed("ConnectionError", text, transient=True)
    # it answered, but not usably: too many redirects, a body that does not decode
    return _failed(type(exc).__name__, text, transient=False, connected=True)
