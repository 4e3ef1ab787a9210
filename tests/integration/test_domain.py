"""The domain family against a local RDAP service: expiry, redirects, and every bad answer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import jsonschema
import pytest

from assay.config.loader import load_suite
from assay.config.variables import Variables
from assay.core.checks import CHECKS
from assay.core.errors import SuiteError
from assay.core.results import RunResult, Status, StepResult
from tests.support.http_service import HttpService
from tests.support.ports import free_port
from tests.support.rdap_service import build_rdap_app

DAY = 86400.0
Runner = Callable[..., RunResult]
Writer = Callable[..., Path]


@pytest.fixture(scope="module")
def rdap_url() -> Iterator[str]:
    """A local RDAP service; yields its URL (its paths: /rdap, /bootstrap, /loop, /slow)."""
    service = HttpService(app=build_rdap_app())
    yield service.url
    service.stop()


def run_steps(
    write_suite: Writer, run_suite: Runner, rdap: str, steps: str, timeout: float = 5
) -> list[StepResult]:
    """Run test steps (YAML list items, indented 6) against a ``domain`` target at ``rdap``."""
    path = write_suite(
        f"""\
targets:
  registry:
    type: domain
    rdap: {rdap}
    timeout: {timeout}
    retries: {{max_attempts: 2, base_delay: 0}}
groups:
  - name: g
    test:
"""
        + steps
    )
    return run_suite(path).results


def test_domain_expiry_reads_the_expiration_event_and_reports_the_domain(
    write_suite: Writer, run_suite: Runner, rdap_url: str
) -> None:
    ok, idn = run_steps(
        write_suite,
        run_suite,
        f"{rdap_url}/rdap",
        """\
      - domain.expiry: {name: Example.TEST.}
        debug: true
        expect:
          conditions: ["[DOMAIN_EXPIRATION] > 30d", "[STATUS] == 200"]
          fields: {registrar: "Test Registrar, Inc.", nameservers: [ns1.example.test]}
      - domain.expiry: {name: bücher.test}
        debug: true
        expect: {conditions: ["[DOMAIN_EXPIRATION] > 60d", "[DOMAIN_EXPIRATION] < 100d"]}
""",
    )
    assert (ok.status, idn.status) == (Status.PASSED, Status.PASSED), (ok.message, idn.message)
    data = ok.details["response"]
    assert data["name"] == "example.test"
    assert data["query"] == data["url"] == f"{rdap_url}/rdap/domain/example.test"
    assert data["redirects"] == []
    assert 399.9 < data["days_left"] <= 400
    assert data["expires"].endswith("+00:00")
    assert data["status"] == ["client transfer prohibited"]
    assert data["registered"] and data["last_changed"]
    assert idn.details["response"]["query"].endswith("/domain/xn--bcher-kva.test")


def test_domain_expiry_follows_redirects_as_rdap_org_sends_them(
    write_suite: Writer, run_suite: Runner, rdap_url: str
) -> None:
    (result,) = run_steps(
        write_suite,
        run_suite,
        f"{rdap_url}/bootstrap",
        """\
      - domain.expiry: {name: soon.test}
        debug: true
        expect: {conditions: ["[DOMAIN_EXPIRATION] > 7d"]}
""",
    )
    assert result.status is Status.PASSED, result.message
    data = result.details["response"]
    assert data["redirects"] == [f"{rdap_url}/bootstrap/domain/soon.test"]
    assert data["url"] == f"{rdap_url}/rdap/domain/soon.test"


def test_domain_expiry_levels_fail_only_their_condition(
    write_suite: Writer, run_suite: Runner, rdap_url: str
) -> None:
    (soon,) = run_steps(
        write_suite,
        run_suite,
        f"{rdap_url}/rdap",
        """\
      - domain.expiry: {name: soon.test}
        expect: {conditions: ["[DOMAIN_EXPIRATION] > 7d", "[DOMAIN_EXPIRATION] > 30d"]}
""",
    )
    assert soon.status is Status.FAILED
    assert [f.subject for f in soon.failures] == ["[DOMAIN_EXPIRATION] > 30d"]
    assert soon.message.startswith("condition failed: [DOMAIN_EXPIRATION] (")


def test_domain_expiry_failures_have_clear_codes(
    write_suite: Writer, run_suite: Runner, rdap_url: str
) -> None:
    results = run_steps(
        write_suite,
        run_suite,
        f"{rdap_url}/rdap",
        """\
      - domain.expiry: {name: nosuch.test}
      - domain.expiry: {name: expired.test}
      - domain.expiry: {name: noexpiry.test}
      - domain.expiry: {name: malformed.test}
      - domain.expiry: {name: array.test}
      - domain.expiry: {name: baddate.test}
      - domain.expiry: {name: nosuch.test}
        expect: {error: DomainNotFound, status: 404}
      - domain.expiry: {name: expired.test}
        expect: {error: DomainExpired, fields: {days_left: {regex: "^-(4\\\\.9|5\\\\.0)"}}}
""",
    )
    got = [(r.status, r.error_code) for r in results]
    assert got == [
        (Status.FAILED, "DomainNotFound"),
        (Status.FAILED, "DomainExpired"),
        (Status.FAILED, "NoExpirationDate"),
        (Status.FAILED, "InvalidResponse"),
        (Status.FAILED, "InvalidResponse"),
        (Status.FAILED, "InvalidResponse"),
        (Status.PASSED, "DomainNotFound"),
        (Status.PASSED, "DomainExpired"),
    ], [r.message for r in results]
    messages = [r.message for r in results]
    assert "no domain nosuch.test at" in messages[0]
    assert "(Not Found: nosuch.test is not registered)" in messages[0]
    assert "expired.test expired 5.0 days ago" in messages[1]
    assert "gives no expiration date for noexpiry.test" in messages[2]
    assert "not JSON" in messages[3]
    assert "not an RDAP object" in messages[4]
    assert "not an RFC 3339 date: 'next tuesday'" in messages[5]
    assert all(r.attempts == 1 for r in results)  # verdicts, not worth a retry


def test_domain_expiry_rate_limits_and_server_errors_are_retried(
    write_suite: Writer, run_suite: Runner, rdap_url: str
) -> None:
    busy, broken = run_steps(
        write_suite,
        run_suite,
        f"{rdap_url}/rdap",
        """\
      - domain.expiry: {name: busy.test}
      - domain.expiry: {name: broken.test}
""",
    )
    assert (busy.status, busy.error_code, busy.http_status) == (Status.FAILED, "RateLimited", 429)
    assert (broken.status, broken.error_code) == (Status.FAILED, "RdapError")
    assert "answered HTTP 503" in broken.message
    assert busy.attempts == broken.attempts == 2


def test_domain_expiry_without_an_answer_is_unreachable(
    write_suite: Writer, run_suite: Runner, rdap_url: str
) -> None:
    slow, closed, loop = (
        run_steps(
            write_suite, run_suite, rdap, "      - domain.expiry: {name: example.test}\n", 0.5
        )[0]
        for rdap in (f"{rdap_url}/slow", f"http://127.0.0.1:{free_port()}", f"{rdap_url}/loop")
    )
    for result, code in ((slow, "Timeout"), (closed, "ConnectionError")):
        assert (result.status, result.error_code) == (Status.ERROR, code), result.message
        assert result.details["unreachable"] is True
        assert result.message.startswith("target 'registry' unreachable: ")
    assert "no answer within 0.5s" in slow.message
    assert (loop.status, loop.error_code) == (Status.FAILED, "RdapError")
    assert "too many redirects" in loop.message


def test_domain_parameters_and_settings_are_checked_at_load(write_suite: Writer) -> None:
    path = write_suite(
        """\
targets:
  registry: {type: domain, rdap: "ftp://rdap.example"}
  other: {type: domain, rdp: https://rdap.org}
groups:
  - name: g
    target: other
    test:
      - domain.expiry: {name: localhost}
      - domain.expiry: {nmae: example.com}
      - domain.expiry: {name: "exa mple.com"}
"""
    )
    with pytest.raises(SuiteError) as info:
        load_suite(path, Variables())
    texts = [str(p) for p in info.value.problems]

    def has(line: int, *words: str) -> bool:
        return any(f"suite.yaml:{line}" in t and all(w in t for w in words) for t in texts)

    assert has(2, "rdap must be an http:// or https:// URL"), texts
    assert has(3, "unknown key 'rdp'", "did you mean 'rdap'"), texts
    assert has(8, "'name' must be a domain name such as example.com", "'localhost'"), texts
    assert has(9, "unknown parameter 'nmae'", "did you mean 'name'"), texts
    assert has(10, "'name' must be a domain name"), texts


def test_domain_expiry_publishes_its_schema() -> None:
    kind = CHECKS.get("domain.expiry")
    assert kind is not None and kind.family == "domain"
    schema = kind.params_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["required"] == ["name"] and schema["additionalProperties"] is False
