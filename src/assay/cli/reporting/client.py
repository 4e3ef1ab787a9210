"""The server's API as the reporter uses it: create a session, upload results, finish it.

Every httpx outcome becomes one of these, here and nowhere else::

    ReportError             why a request did not store anything (a one-line message)
    ├── ServerUnavailable   refused, reset, timed out, 5xx, 429: try again later
    ├── TokenRefused        401/403: this token will not do; keep the results for another
    ├── SessionMissing      404 on a session: create it again (creation is idempotent)
    └── Rejected            any other 4xx: this request will never succeed as it is

The token is registered with ``core.secrets``, so no message or log line can show it.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import httpx

from assay import __version__
from assay.core import secrets
from assay.core.errors import UsageError
from assay.core.secrets import redact

API = "/api/v1"


class ReportError(Exception):
    """A request stored nothing; ``str()`` says why in one line."""


class ServerUnavailable(ReportError):
    """``unreachable``: no connection at all (nothing listens, no such host), as opposed to
    a server that answers badly, slowly or hangs up."""

    def __init__(
        self, message: str, retry_after: float | None = None, unreachable: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.unreachable = unreachable


class TokenRefused(ReportError):
    pass


class SessionMissing(ReportError):
    pass


class Rejected(ReportError):
    pass


def server_base_url(url: str, option: str = "--report-to") -> str:
    """The server's base URL (``http(s)://host:port[/prefix]``, no ``/api/v1``), or a
    ``UsageError`` naming ``option`` and saying what is wrong with it."""
    text = url.strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"{option} expects the server's URL, such as http://127.0.0.1:8787, not '{url}'"
        )
    if parts.query or parts.fragment:
        raise UsageError(f"{option}: the server URL '{url}' must not have a query or fragment")
    return text.removesuffix(API)


def server_message(response: httpx.Response) -> str:
    """The server's own message (its one error format), else the start of the body."""
    try:
        message = str(response.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        message = response.text.strip().splitlines()[0] if response.text.strip() else ""
    return message[:300]


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:
        return None


class ApiClient:
    """Calls to one server with one token; each raises a ``ReportError`` or succeeds."""

    def __init__(self, url: str, token: str, timeout: float = 10.0) -> None:
        secrets.register(token)
        self.url = server_base_url(url)
        self.timeout = timeout
        self._http = httpx.Client(
            base_url=self.url + API,
            headers={"Authorization": f"Bearer {token}", "User-Agent": f"assay/{__version__}"},
            timeout=timeout,
        )

    def create_session(self, body: dict[str, Any], timeout: float | None = None) -> None:
        """Create the session (a repeat with the same id is a no-op on the server)."""
        self._call("POST", "/sessions", body, timeout)

    def upload(self, session_id: str, items: list[dict[str, Any]], timeout: float | None) -> None:
        """Upload a batch; on success every item is stored (new or already there)."""
        self._call("POST", f"/sessions/{session_id}/results", {"results": items}, timeout)

    def finish(self, session_id: str, patch: dict[str, Any], timeout: float | None) -> None:
        self._call("PATCH", f"/sessions/{session_id}", patch, timeout)

    def close(self) -> None:
        self._http.close()

    def _call(
        self, method: str, path: str, body: dict[str, Any], timeout: float | None
    ) -> httpx.Response:
        where = f"{method} {self.url}{API}{path}"
        try:
            response = self._http.request(
                method,
                path,
                # details may hold dates or paths: as text, as the spool and reports have them
                content=json.dumps(body, default=str, separators=(",", ":")).encode(),
                headers={"Content-Type": "application/json"},
                timeout=min(timeout, self.timeout) if timeout is not None else self.timeout,
            )
        except httpx.TimeoutException:
            raise ServerUnavailable(redact(f"{where}: no answer in time")) from None
        except httpx.TransportError as exc:
            reason = str(exc) or type(exc).__name__
            unreachable = isinstance(exc, httpx.ConnectError)
            raise ServerUnavailable(redact(f"{where}: {reason}"), None, unreachable) from None
        status = response.status_code
        if status < 300:
            return response
        text = redact(f"{where}: HTTP {status} {server_message(response)}".rstrip())
        if status in (401, 403):
            raise TokenRefused(text)
        if status == 404 and path != "/sessions":
            raise SessionMissing(text)
        if status in (404, 405):
            raise Rejected(f"{text} (is {self.url} an assay server?)")
        if status in (408, 425, 429) or status >= 500:
            raise ServerUnavailable(text, _retry_after(response))
        raise Rejected(text)
