"""How a failed PostgreSQL connection is told (assay.checks.db.errors): code, reach, retry."""

from __future__ import annotations

import psycopg
import pytest

from assay.checks.db.errors import from_connect_error, from_query_error

AT = 'connection failed: connection to server at "10.0.0.5", port 5432 failed: '


@pytest.mark.parametrize(
    ("message", "code", "unreachable", "transient"),
    [
        (AT + "Connection refused\n\tIs the server running?", "ConnectionRefused", True, True),
        (AT + "timeout expired", "Timeout", True, True),
        ("failed to resolve host 'db.invalid': [Errno -2]", "HostNotFound", True, False),
        (
            AT + 'FATAL:  password authentication failed for user "app"',
            "AuthenticationFailed",
            False,
            False,
        ),
        (AT + 'FATAL:  role "nobody" does not exist', "AuthenticationFailed", False, False),
        (
            AT + 'FATAL:  no pg_hba.conf entry for host "10.0.0.9"',
            "AuthenticationFailed",
            False,
            False,
        ),
        (AT + 'FATAL:  database "nodb" does not exist', "DatabaseNotFound", False, False),
        (AT + "FATAL:  the database system is starting up", "NotReady", False, True),
        (AT + "FATAL:  sorry, too many clients already", "NotReady", False, True),
        (AT + "server does not support SSL, but SSL was required", "TLSError", False, False),
        (
            AT + "FATAL:  Passwort-Authentifizierung fehlgeschlagen",
            "ConnectionRejected",
            False,
            False,
        ),
        (AT + "server closed the connection unexpectedly", "ConnectionFailed", True, True),
    ],
    ids=lambda v: v if isinstance(v, str) and " " not in v else None,
)
def test_db_connection_failures_are_told_by_why(
    message: str, code: str, unreachable: bool, transient: bool
) -> None:
    obs = from_connect_error(psycopg.OperationalError(message), "10.0.0.5:5432/app", None)
    assert (obs.error_code, obs.unreachable, obs.transient) == (code, unreachable, transient)
    assert obs.message.startswith("10.0.0.5:5432/app: ")
    assert 'connection to server at "10.0.0.5"' not in obs.message  # said once, by us
    assert obs.context == {"CONNECTED": False} and not obs.success


def test_db_messages_mask_the_password_however_short() -> None:
    error = psycopg.OperationalError("connection failed: invalid value 'pw1' in URI")
    assert "pw1" not in from_connect_error(error, "db", "pw1").message
    query = from_query_error(psycopg.OperationalError("lost pw1"), "db", "pw1")
    assert (query.error_code, query.transient, query.context) == (
        "QueryFailed",
        True,
        {"CONNECTED": True},
    )
    assert "pw1" not in query.message
