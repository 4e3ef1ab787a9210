"""The one boundary where psycopg's exceptions become observations of the db kinds.

A failed connection carries no SQLSTATE (libpq reports it as text), so the reason is read
from libpq's and the server's wording, which is English unless the server's ``lc_messages``
says otherwise (then a refusal the server gave is the generic ``ConnectionRejected``):

    refused, timed out, unknown host     unreachable: ConnectionRefused, Timeout, HostNotFound
    wrong or missing password, no role,  AuthenticationFailed (the server answered: a failure,
      a pg_hba.conf rule                 never retried)
    no such database                     DatabaseNotFound
    starting up, too many clients        NotReady (transient: retried)
    TLS required or refused              TLSError

Every message is masked: the registered secrets, and the step's own password however short.
"""

from __future__ import annotations

import re
from typing import Any

import psycopg

from assay.core.checks import Observation
from assay.core.secrets import MASK, redact

AUTHENTICATION_FAILED = "AuthenticationFailed"
_SERVER_AT = re.compile(r'^connection to server at "[^"]*"(?: \([^)]*\))?, port \d+ failed: ')
_REASONS: tuple[tuple[re.Pattern[str], str, bool, bool], ...] = (
    # (wording, code, unreachable, transient)
    (re.compile(r"connection refused", re.I), "ConnectionRefused", True, True),
    (re.compile(r"timeout expired|timed out", re.I), "Timeout", True, True),
    (
        re.compile(r"failed to resolve host|could not translate host name", re.I),
        "HostNotFound",
        True,
        False,
    ),
    (
        re.compile(
            r"authentication failed|no password supplied|no pg_hba\.conf entry|"
            r"pg_hba\.conf rejects|role \".*\" does not exist",
            re.I,
        ),
        AUTHENTICATION_FAILED,
        False,
        False,
    ),
    (re.compile(r"database \".*\" does not exist", re.I), "DatabaseNotFound", False, False),
    (
        re.compile(
            r"the database system is (starting up|shutting down|in recovery)|"
            r"not yet accepting connections|too many clients|remaining connection slots",
            re.I,
        ),
        "NotReady",
        False,
        True,
    ),
    (re.compile(r"\bSSL\b|certificate", re.I), "TLSError", False, False),
)


def _mask(text: str, secret: str | None) -> str:
    return redact(text.replace(secret, MASK) if secret else text)


def reason(exc: psycopg.Error) -> tuple[str, bool]:
    """The part of psycopg's message that says why — the server's FATAL line, or libpq's —
    and whether the server said it."""
    text = " ".join(str(exc).split()).removeprefix("connection failed: ")
    text = _SERVER_AT.sub("", text)  # the caller names the server its own way
    _, fatal, said = text.rpartition("FATAL: ")
    return (said.strip(), True) if fatal else (text, False)


def from_connect_error(exc: psycopg.Error, where: str, secret: str | None) -> Observation:
    """A connection that could not be opened, told by why."""
    why, answered = reason(exc)
    # a reason not recognised: the server's own (in its language) refused us; else no answer
    code, unreachable, transient = (
        ("ConnectionRejected", False, False) if answered else ("ConnectionFailed", True, True)
    )
    for pattern, name, far, retry in _REASONS:
        if pattern.search(why):
            code, unreachable, transient = name, far, retry
            break
    pgconn = getattr(exc, "pgconn", None)
    if code == "ConnectionFailed" and getattr(pgconn, "needs_password", False):
        code, unreachable, transient = AUTHENTICATION_FAILED, False, False
    return Observation(
        success=False,
        error_code=code,
        message=_mask(f"{where}: {why}", secret),
        data={"connected": False},
        transient=transient,
        unreachable=unreachable,
        context={"CONNECTED": False},
    )


def from_query_error(exc: psycopg.Error, where: str, secret: str | None) -> Observation:
    """A connection that opened but did not answer ``SELECT 1``."""
    state = getattr(exc, "sqlstate", None)
    data: dict[str, Any] = {"connected": True, "sqlstate": state}
    return Observation(
        success=False,
        error_code="QueryFailed",
        message=_mask(f"{where}: SELECT 1 failed: {' '.join(str(exc).split())}", secret),
        data=data,
        transient=isinstance(exc, psycopg.OperationalError),
        context={"CONNECTED": True},
    )
