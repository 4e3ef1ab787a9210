"""The server's API as ``assay monitors``, ``assay maintenance`` use it: one server (``--server``
or ASSAY_SERVER), one token (``--token``/ASSAY_TOKEN or ``--token-file``/ASSAY_TOKEN_FILE, as
``assay run --report-to`` takes it), and every httpx outcome turned into one error here::

    ServerProblem (AssayError, exit 1)   one paragraph: the request, the server's message
                                         and, for 401/403/404, what to do about it

``status`` is 0 when nothing answered; ``details`` are the server's (field, message) pairs
of a 422. Commands that go on after a refused request (``monitors apply``) catch
``ServerProblem`` whose ``refused`` is true (409, 422 and other 4xx but 401, 403, 429).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click
import httpx

from assay import __version__
from assay.cli.reporting.client import API, server_base_url, server_message
from assay.cli.reporting.options import HOW_TO_GET_ONE, resolve_token
from assay.core import secrets
from assay.core.errors import EXIT_FAILED, AssayError, UsageError
from assay.core.secrets import redact

F = TypeVar("F", bound=Callable[..., Any])
MAX_WAIT_S = 30.0  # the longest Retry-After honoured on 429 (three tries)


class ServerProblem(AssayError):
    """A request the server did not carry out; ``str()`` is the paragraph to show."""

    exit_code = EXIT_FAILED

    def __init__(
        self, message: str, status: int = 0, details: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.details = details or []

    @property
    def refused(self) -> bool:
        """The server understood and refused this request; others may still succeed."""
        return 400 <= self.status < 500 and self.status not in (401, 403, 429)


def remote_options(role: str) -> Callable[[F], F]:
    """``--server`` (ASSAY_SERVER), ``--token`` (ASSAY_TOKEN), ``--token-file``."""

    def decorate(func: F) -> F:
        func = click.option(
            "--token-file",
            type=click.Path(path_type=Path, dir_okay=False),
            envvar="ASSAY_TOKEN_FILE",
            help="Read the token from this file (env ASSAY_TOKEN_FILE).",
        )(func)
        func = click.option(
            "--token",
            metavar="TOKEN",
            envvar="ASSAY_TOKEN",
            help=f"API token with the {role} role or above (env ASSAY_TOKEN; prefer the "
            "variable or --token-file: command lines are visible to other users).",
        )(func)
        return click.option(
            "--server",
            metavar="URL",
            envvar="ASSAY_SERVER",
            help="The assay server, e.g. http://127.0.0.1:8787 (env ASSAY_SERVER).",
        )(func)

    return decorate


class Server:
    """Calls to one server with one token; each returns the answer's JSON or raises."""

    def __init__(self, url: str, token: str, command: str, role: str, timeout: float = 30.0):
        secrets.register(token)
        self.url = server_base_url(url, "--server")
        self.command = command
        self.role = role
        self._http = httpx.Client(
            base_url=self.url + API,
            headers={"Authorization": f"Bearer {token}", "User-Agent": f"assay/{__version__}"},
            timeout=timeout,
        )

    @classmethod
    def connect(
        cls, url: str | None, token: str | None, token_file: Path | None, command: str, role: str
    ) -> Server:
        """The server of the flags; a ``UsageError`` (exit 2) when one is missing."""
        if not url or not url.strip():
            raise UsageError(
                f"{command} needs the server: --server URL or ASSAY_SERVER, "
                "e.g. http://127.0.0.1:8787"
            )
        return cls(url, resolve_token(token, token_file, command), command, role)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *_: object) -> None:
        self._http.close()

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.call("GET", path, params=params)

    def pages(self, path: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a paged list, following ``next_cursor``."""
        query = {**(params or {}), "limit": 500}
        while True:
            page = self.call("GET", path, params=query)
            yield from page["items"]
            if not page.get("next_cursor"):
                return
            query["cursor"] = page["next_cursor"]

    def call(
        self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        where = f"{method} {self.url}{API}{path}"
        content = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"} if body is not None else {}
        for attempt in range(3):
            try:
                response = self._http.request(
                    method, path, content=content, headers=headers, params=params
                )
            except httpx.TimeoutException:
                raise ServerProblem(redact(f"{where}: no answer in time")) from None
            except httpx.TransportError as exc:
                reason = str(exc) or type(exc).__name__
                raise ServerProblem(
                    redact(f"cannot reach the assay server at {self.url} ({reason})")
                ) from None
            wait = _retry_after(response)
            if response.status_code != 429 or wait is None or wait > MAX_WAIT_S or attempt == 2:
                break
            time.sleep(wait)
        if response.status_code < 300:
            return response.json() if response.content else None
        raise self._problem(where, response)

    def _problem(self, where: str, response: httpx.Response) -> ServerProblem:
        status = response.status_code
        text = f"{where}: HTTP {status} {server_message(response)}".rstrip()
        if status == 401:
            text += f" (check --token, ASSAY_TOKEN or --token-file; {HOW_TO_GET_ONE})"
        elif status == 403:
            text += f" (use a {self.role} or admin token for {self.command})"
        elif status in (404, 405) and "/monitors/" not in where and "/maintenance/" not in where:
            text += f" (is {self.url} an assay server of this version?)"
        try:
            details = list(response.json()["error"].get("details") or [])
        except (ValueError, KeyError, TypeError, AttributeError):
            details = []
        return ServerProblem(redact(text), status, details)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:
        return None


def list_output(what: str) -> Callable[[F], F]:
    """The ``--output table|json`` option of the commands that list the server's ``what``."""
    return click.option(
        "--output",
        "-o",
        type=click.Choice(["table", "json"]),
        default="table",
        show_default=True,
        help=f"A table, or the server's {what} as JSON.",
    )
