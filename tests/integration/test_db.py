"""The db family against real PostgreSQL servers: the shared one (trust) and one of this
module's own that asks for a password; a closed port and a server that never answers."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import jsonschema
import pytest

from assay.config.loader import load_suite
from assay.config.variables import Variables
from assay.core.checks import CHECKS, TARGETS
from assay.core.errors import SuiteError, TargetUnreachable
from assay.core.results import RunResult, Status, StepResult
from tests.support.pg_password import PasswordServer, password_server
from tests.support.ports import free_port

# characters a URL must escape, so both ways of giving it are exercised
PASSWORD = "s3cr3t/p@ss:w0rd"
Runner = Callable[..., RunResult]
Writer = Callable[..., Path]


@pytest.fixture(scope="module")
def guarded() -> Iterator[PasswordServer]:
    """A PostgreSQL whose ``postgres`` role needs ``PASSWORD``."""
    server = password_server(PASSWORD)
    yield server
    server.stop()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections and never says a word."""
    with socket.create_server(("127.0.0.1", 0), backlog=8) as sock:
        yield sock.getsockname()[1]


def db_steps(
    write_suite: Writer, run_suite: Runner, target: str, steps: str, **variables: str
) -> list[StepResult]:
    """Run test steps (YAML list items, indented 6) against the ``db`` target ``target``
    (its settings as a YAML flow mapping, ``type`` left out)."""
    if "timeout" not in target:
        target += ", timeout: 5"
    path = write_suite(
        f"""\
targets:
  pg: {{type: db, retries: {{max_attempts: 2, base_delay: 0}}, {target}}}
groups:
  - name: g
    test:
"""
        + steps
    )
    return run_suite(path, variables).results


def test_db_ping_connects_answers_and_reports_the_version(
    write_suite: Writer, run_suite: Runner, postgres_url: str
) -> None:
    (result,) = db_steps(
        write_suite,
        run_suite,
        f'url: "{postgres_url}?sslmode=disable"',
        """\
      - db.ping:
        debug: true
        expect: {conditions: ["[CONNECTED] == true", "[RESPONSE_TIME] < 5s"]}
""",
    )
    assert result.status is Status.PASSED, result.message
    data = result.details["response"]
    assert data["connected"] is True
    assert (data["host"], data["user"]) == ("127.0.0.1", "postgres")
    assert data["database"] == postgres_url.rsplit("/", 1)[1]
    assert data["version"].split(".")[0].isdigit() and data["server_version_num"] >= 100000
    assert data["server_version"].startswith(data["version"])
    assert set(result.details["timings"]) == {"connect", "query", "total"}


def test_db_ping_takes_the_password_from_the_url_or_a_file(
    write_suite: Writer, run_suite: Runner, guarded: PasswordServer, tmp_path: Path
) -> None:
    secret = tmp_path / "pg_password"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    port = guarded.port
    in_url, in_file = (
        db_steps(write_suite, run_suite, target, "      - db.ping: {}\n", PW=quote(PASSWORD, ""))[0]
        for target in (
            f'url: "postgresql://postgres:${{PW}}@127.0.0.1:{port}/postgres"',
            f'url: "postgresql://postgres@127.0.0.1:{port}/postgres", password: "${{file:{secret}}}"',
        )
    )
    assert in_url.status is Status.PASSED, in_url.message
    assert in_file.status is Status.PASSED, in_file.message


def test_db_ping_wrong_password_fails_clearly_without_showing_it(
    write_suite: Writer,
    run_suite: Runner,
    guarded: PasswordServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    wrong = "not-the-Password-9"
    url = f"postgresql://postgres@127.0.0.1:{guarded.port}"
    caplog.set_level(logging.DEBUG)
    wrong_pw, no_pw, no_db, expected = (
        db_steps(write_suite, run_suite, target, steps, WRONG=wrong)[0]
        for target, steps in (
            (f'url: "{url}/postgres", password: "${{WRONG}}"', "      - db.ping:\n"),
            (f'url: "{url}/postgres"', "      - db.ping:\n"),
            (f'url: "{url}/nodb", password: "{PASSWORD}"', "      - db.ping:\n"),
            (
                f'url: "{url}/postgres", password: "${{WRONG}}"',
                "      - db.ping:\n        expect: {error: AuthenticationFailed}\n",
            ),
        )
    )
    assert (wrong_pw.status, wrong_pw.error_code) == (Status.FAILED, "AuthenticationFailed")
    assert wrong_pw.attempts == 1  # a verdict, never retried
    assert 'password authentication failed for user "postgres"' in wrong_pw.message
    assert wrong_pw.message.startswith("expected success, got AuthenticationFailed")
    assert (no_pw.status, no_pw.error_code) == (Status.FAILED, "AuthenticationFailed")
    assert (no_db.status, no_db.error_code) == (Status.FAILED, "DatabaseNotFound")
    assert expected.status is Status.PASSED
    shown = json.dumps([r.to_dict() for r in (wrong_pw, no_pw, no_db, expected)])
    shown += caplog.text
    assert wrong not in shown and PASSWORD not in shown
    assert quote(PASSWORD, "") not in shown


def test_db_ping_without_an_answer_is_unreachable(
    write_suite: Writer, run_suite: Runner, silent_port: int
) -> None:
    refused, silent = (
        db_steps(
            write_suite,
            run_suite,
            f'url: "postgresql://postgres@127.0.0.1:{port}/postgres", timeout: 2',
            f"      - db.ping:\n        retries: {attempts}\n",
        )[0]
        for port, attempts in ((free_port(), 2), (silent_port, 1))
    )
    for result, code in ((refused, "ConnectionRefused"), (silent, "Timeout")):
        assert (result.status, result.error_code) == (Status.ERROR, code), result.message
        assert result.details["unreachable"] is True
        assert result.message.startswith("target 'pg' unreachable: 127.0.0.1:")
    assert refused.attempts == 2  # worth another try
    assert "Connection refused" in refused.message, refused.message
    assert "timeout" in silent.message, silent.message


def test_db_probe_says_reachable_for_any_answer(guarded: PasswordServer) -> None:
    db = TARGETS.get("db")
    assert db is not None
    settings = db.settings_model.model_validate(
        {"type": "db", "url": f"postgresql://postgres:wrong-one@127.0.0.1:{guarded.port}/x"}
    )
    db.probe(db.open("pg", settings, 1))  # refused the password: still reachable
    closed = db.settings_model.model_validate(
        {"type": "db", "url": f"postgresql://postgres@127.0.0.1:{free_port()}/x"}
    )
    with pytest.raises(TargetUnreachable, match="target 'pg': 127.0.0.1:"):
        db.probe(db.open("pg", closed, 1))


def test_db_settings_are_checked_at_load_without_echoing_the_url(write_suite: Writer) -> None:
    path = write_suite(
        """\
targets:
  a: {type: db, url: "mysql://root:hunter2-secret@db/app"}
  b: {type: db, url: "postgresql://app:hunter3-secret@db/app?bogus=1"}
  c: {type: db, url: "postgresql://db/app", pasword: x}
  d: {type: db, url: "postgresql://db/app"}
groups:
  - name: g
    target: d
    test:
      - db.ping: {query: SELECT 2}
"""
    )
    with pytest.raises(SuiteError) as info:
        load_suite(path, Variables())
    texts = [str(p) for p in info.value.problems]

    def has(line: int, *words: str) -> bool:
        return any(f"suite.yaml:{line}" in t and all(w in t for w in words) for t in texts)

    assert has(2, "url must be a postgresql:// URL", "not mysql"), texts
    assert has(3, "url is not a valid PostgreSQL URL", 'invalid URI query parameter: "bogus"'), (
        texts
    )
    assert has(4, "unknown key 'pasword'", "did you mean 'password'"), texts
    assert has(10, "unknown parameter 'query': db.ping takes none"), texts
    assert "hunter2-secret" not in str(info.value) and "hunter3-secret" not in str(info.value)


def test_db_target_describes_itself_masked() -> None:
    db = TARGETS.get("db")
    assert db is not None
    for url, shown in (
        ("postgresql://app:pw@db:5432/app", "postgresql://app:***@db:5432/app"),
        ("postgresql://app@db/app?password=pw&sslmode=require",
         "postgresql://app@db/app?password=***&sslmode=require"),
        ("postgres:///app", "postgres:///app"),
    ):  # fmt: skip
        target = db.open("pg", db.settings_model.model_validate({"type": "db", "url": url}), 1)
        assert target.describe() == {"type": "db", "url": shown}


def test_db_ping_publishes_its_schema() -> None:
    kind = CHECKS.get("db.ping")
    assert kind is not None and kind.family == "db"
    schema = kind.params_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"] == {} and schema["additionalProperties"] is False
