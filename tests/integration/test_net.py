"""The net family against real local servers: TLS certificates, TCP ports, DNS answers."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jsonschema
import pytest

from assay.checks.net.target import Endpoint, NetSettings, NetTarget, endpoint
from assay.config.loader import load_suite
from assay.config.variables import Variables
from assay.core.checks import CHECKS, TARGETS, CheckCall, Observation
from assay.core.errors import InvalidParameters, SuiteError
from assay.core.failures import Part
from assay.core.results import Phase, RunResult, Status, StepResult
from tests.support.net_servers import (
    CertFiles,
    LocalDNS,
    PlainServer,
    TLSServer,
    make_certificates,
)
from tests.support.ports import free_port

DAY = 86400.0
Runner = Callable[..., RunResult]
Writer = Callable[..., Path]

NET_TARGET = """\
targets:
  local:
    type: net
    host: localhost
    nameserver: 127.0.0.1
    dns_port: ${DNS_PORT}
    timeout: 5
    retries: {max_attempts: 1}
"""


@pytest.fixture(scope="session")
def cert_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, CertFiles]]:
    """A local CA and its leaf certificates (valid, expiring, expired, wrong_host)."""
    return make_certificates(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="session")
def tls_ports(cert_files: tuple[Path, dict[str, CertFiles]]) -> Iterator[dict[str, int]]:
    """One running TLS server per leaf, plus ``plain`` (not TLS); yields their ports."""
    servers = {label: TLSServer(files) for label, files in cert_files[1].items()}
    plain = PlainServer()
    yield {**{label: s.port for label, s in servers.items()}, "plain": plain.port}
    plain.stop()
    for server in servers.values():
        server.stop()


@pytest.fixture(scope="session")
def dns_port() -> Iterator[int]:
    """A DNS server on 127.0.0.1 (UDP) answering the test zone; yields its port."""
    server = LocalDNS()
    yield server.port
    server.stop()


@pytest.fixture
def net_vars(
    cert_files: tuple[Path, dict[str, CertFiles]], tls_ports: dict[str, int], dns_port: int
) -> dict[str, str]:
    """Suite variables: CA, DNS_PORT, CLOSED_PORT and <LABEL>_PORT of every TLS server."""
    ports = {f"{label.upper()}_PORT": str(port) for label, port in tls_ports.items()}
    return {
        "CA": str(cert_files[0]),
        "DNS_PORT": str(dns_port),
        "CLOSED_PORT": str(free_port()),
        **ports,
    }


def run_steps(
    write_suite: Writer, run_suite: Runner, steps: str, net_vars: dict[str, str]
) -> list[StepResult]:
    """Run test steps (YAML list items, indented 6) against the ``net`` target."""
    path = write_suite(NET_TARGET + "groups:\n  - name: g\n    test:\n" + steps)
    run = run_suite(path, net_vars)
    return [r for r in run.results if r.phase is Phase.TEST]


def direct(kind: str, params: dict[str, Any], **settings: Any) -> Observation:
    """Call a kind's ``run`` on a ``net`` target, bypassing the engine."""
    target = NetTarget("t", NetSettings(timeout=5, **settings))
    check = CHECKS.get(kind)
    assert check is not None
    return check.run(CheckCall(target=target, credential="", params=params, timeout=10))


def passed(results: list[StepResult]) -> None:
    bad = [(r.name, r.status, r.message) for r in results if r.status is not Status.PASSED]
    assert not bad, bad


# --- tls.certificate --------------------------------------------------------------------------


def test_tls_valid_certificate_passes_with_its_details(
    write_suite: Writer, run_suite: Runner, net_vars: dict[str, str]
) -> None:
    results = run_steps(
        write_suite,
        run_suite,
        """\
      - name: file uri
        debug: true
        tls.certificate: {port: "${VALID_PORT}", ca_file: "file://${CA}"}
        expect:
          fields:
            chain_valid: true
            hostname_match: true
            subject: CN=localhost
            issuer: CN=assay test CA
            san: [localhost, 127.0.0.1]
            protocol: {regex: "^TLSv1\\\\.[23]$"}
            cipher: {exists: true}
            days_left: {regex: "^(89|90)\\\\."}
      - name: plain path, by ip
        tls.certificate:
          {host: 127.0.0.1, port: "${VALID_PORT}", ca_file: "${CA}", min_protocol: TLSv1.2}
      - name: sni
        tls.certificate: {host: 127.0.0.1, server_name: localhost, port: "${VALID_PORT}", ca_file: "${CA}"}
        expect: {fields: {server_name: localhost, ip: 127.0.0.1}}
""",
        net_vars,
    )
    passed(results)
    data = results[0].details["response"]
    assert 89.9 < data["days_left"] <= 90.0
    assert set(results[0].details["timings"]) == {"connect", "tls", "total"}


def test_tls_context_reports_expiration_connection_and_time(
    cert_files: tuple[Path, dict[str, CertFiles]], tls_ports: dict[str, int]
) -> None:
    ca = str(cert_files[0])
    valid = direct("tls.certificate", {"port": tls_ports["valid"], "ca_file": ca}, host="localhost")
    assert valid.success and valid.error_code is None
    assert valid.context["CONNECTED"] is True
    assert valid.context["IP"] == "127.0.0.1"
    assert 0 < valid.context["RESPONSE_TIME"] < 5000
    assert 89.9 * DAY < valid.context["CERTIFICATE_EXPIRATION"] <= 90 * DAY
    expired = direct(
        "tls.certificate", {"port": tls_ports["expired"], "ca_file": ca}, host="localhost"
    )
    assert -1.1 * DAY < expired.context["CERTIFICATE_EXPIRATION"] < -0.9 * DAY


def test_tls_expiring_certificate_verifies_but_expires_within_three_days(
    write_suite: Writer,
    run_suite: Runner,
    net_vars: dict[str, str],
    cert_files: tuple[Path, dict[str, CertFiles]],
    tls_ports: dict[str, int],
) -> None:
    results = run_steps(
        write_suite,
        run_suite,
        """\
      - tls.certificate: {port: "${EXPIRING_PORT}", ca_file: "${CA}"}
        expect: {fields: {chain_valid: true, days_left: {regex: "^[12]\\\\."}}}
""",
        net_vars,
    )
    passed(results)
    obs = direct(
        "tls.certificate",
        {"port": tls_ports["expiring"], "ca_file": str(cert_files[0])},
        host="localhost",
    )
    assert obs.success
    assert 1.9 * DAY < obs.context["CERTIFICATE_EXPIRATION"] < 3 * DAY


def test_tls_expired_certificate_fails_and_still_reports_it(
    write_suite: Writer, run_suite: Runner, net_vars: dict[str, str]
) -> None:
    results = run_steps(
        write_suite,
        run_suite,
        """\
      - tls.certificate: {port: "${EXPIRED_PORT}", ca_file: "${CA}"}
      - tls.certificate: {port: "${EXPIRED_PORT}", ca_file: "${CA}"}
        expect:
          error: CertificateExpired
          fields: {chain_valid: true, hostname_match: true, not_after: {exists: true}}
""",
        net_vars,
    )
    failed, expected = results
    assert failed.status is Status.FAILED
    assert failed.error_code == "CertificateExpired"
    assert "certificate expired 1.0 days ago" in failed.message
    response = failed.details["response"]
    assert response["not_after"] and response["days_left"] < 0
    assert response["subject"] == "CN=localhost"
    assert expected.status is Status.PASSED, expected.message


def test_tls_wrong_host_and_untrusted_chain_are_told_apart(
    write_suite: Writer, run_suite: Runner, net_vars: dict[str, str]
) -> None:
    results = run_steps(
        write_suite,
        run_suite,
        """\
      - name: wrong host
        tls.certificate: {port: "${WRONG_HOST_PORT}", ca_file: "${CA}"}
      - name: wrong host by ip
        tls.certificate: {host: 127.0.0.1, port: "${WRONG_HOST_PORT}", ca_file: "${CA}"}
        expect:
          error: HostnameMismatch
          fields: {chain_valid: true, hostname_match: false, san: [wrong.example]}
      - name: untrusted
        tls.certificate: {port: "${VALID_PORT}"}
      - name: untrusted expected
        tls.certificate: {port: "${VALID_PORT}"}
        expect:
          error: UntrustedCertificate
          fields: {chain_valid: false, hostname_match: true, subject: CN=localhost}
""",
        net_vars,
    )
    mismatch, mismatch_ip, untrusted, untrusted_ok = results
    assert (mismatch.status, mismatch.error_code) == (Status.FAILED, "HostnameMismatch")
    assert "does not match 'localhost' (names: wrong.example)" in mismatch.message
    assert (untrusted.status, untrusted.error_code) == (Status.FAILED, "UntrustedCertificate")
    assert untrusted.details["response"]["chain_valid"] is False
    passed([mismatch_ip, untrusted_ok])


def test_tls_verify_false_succeeds_and_reports_the_certificate(
    write_suite: Writer, run_suite: Runner, net_vars: dict[str, str]
) -> None:
    results = run_steps(
        write_suite,
        run_suite,
        """\
      - tls.certificate: {port: "${EXPIRED_PORT}", verify: false}
        expect:
          success: true
          fields: {chain_valid: false, subject: CN=localhost, days_left: {regex: "^-"}}
      - tls.certificate: {port: "${WRONG_HOST_PORT}", verify: "false"}
        expect: {fields: {hostname_match: false, protocol: {exists: true}}}
""",
        net_vars,
    )
    passed(results)


def test_tls_connection_and_handshake_failures(
    write_suite: Writer, run_suite: Runner, net_vars: dict[str, str], tls_ports: dict[str, int]
) -> None:
    results = run_steps(
        write_suite,
        run_suite,
        """\
      - tls.certificate: {port: "${CLOSED_PORT}"}
        expect: {error: ConnectionRefused}
      - tls.certificate: {port: "${PLAIN_PORT}"}
        expect: {error: HandshakeFailed}
      - tls.certificate: {port: "${PLAIN_PORT}"}
""",
        net_vars,
    )
    passed(results[:2])
    assert results[2].status is Status.FAILED
    assert results[2].error_code == "HandshakeFailed"
    obs = direct("tls.certificate", {"port": tls_ports["plain"]}, host="127.0.0.1")
    assert obs.context["CONNECTED"] is True and obs.context["IP"] == "127.0.0.1"


def test_tls_certificate_on_an_http_target(
    write_suite: Writer, run_suite: Runner, net_vars: dict[str, str]
) -> None:
    path = write_suite(
        """\
targets:
  web:
    type: http
    base_url: "https://localhost:${VALID_PORT}/api"
    verify_tls: "${CA}"
groups:
  - name: g
    test:
      - tls.certificate: {}
        expect: {fields: {host: localhost, port: "${VALID_PORT}", chain_valid: true}}
      - tcp.connect: {}
        expect: {fields: {port: "${VALID_PORT}", connected: true}}
"""
    )
    if "http" not in TARGETS:
        with pytest.raises(SuiteError, match="unknown target type 'http'"):
            load_suite(path, Variables(overrides=net_vars))
        return
    run = run_suite(path, net_vars)
    passed(run.results)


def test_endpoint_defaults_come_from_an_http_base_url() -> None:
    def web(url: str) -> SimpleNamespace:
        return SimpleNamespace(settings=SimpleNamespace(base_url=url))

    assert endpoint(web("http://example.test/x"), None, None, 443) == Endpoint("example.test", 80)
    assert endpoint(web("https://example.test"), None, None, None) == Endpoint("example.test", 443)
    assert endpoint(web("https://example.test:8443"), None, 9443, 443).port == 9443
    # another host than the base URL's does not inherit its port
    assert endpoint(web("https://example.test:8443"), "other.test", None, 443).port == 443
    with pytest.raises(InvalidParameters, match="no port"):
        endpoint(web("https://example.test:8443"), "other.test", None, None)
    with pytest.raises(InvalidParameters, match="no host"):
        endpoint(NetTarget("t", NetSettings()), None, 80, None)


# --- tcp.connect ------------------------------------------------------------------------------


def test_tcp_open_port_connects_and_closed_port_is_refused(
    write_suite: Writer, run_suite: Runner, net_vars: dict[str, str]
) -> None:
    results = run_steps(
        write_suite,
        run_suite,
        """\
      - tcp.connect: {port: "${VALID_PORT}"}
        expect: {fields: {connected: true, ip: 127.0.0.1, host: localhost}}
      - tcp.connect: {host: 127.0.0.1, port: "${CLOSED_PORT}"}
        expect: {error: ConnectionRefused}
      - tcp.connect: {port: "${CLOSED_PORT}"}
        expect: {success: false}
      - tcp.connect: {port: "${CLOSED_PORT}"}
""",
        net_vars,
    )
    passed(results[:3])
    refused = results[3]
    assert (refused.status, refused.error_code) == (Status.FAILED, "ConnectionRefused")
    assert "refused the connection" in refused.message
    assert refused.details["response"]["connected"] is False


def test_tcp_context_and_timings(tls_ports: dict[str, int]) -> None:
    ok = direct("tcp.connect", {"port": tls_ports["valid"]}, host="127.0.0.1")
    assert ok.success
    assert ok.context["CONNECTED"] is True and ok.context["IP"] == "127.0.0.1"
    assert ok.context["RESPONSE_TIME"] > 0
    assert set(ok.timings) == {"connect", "total"}
    refused = direct("tcp.connect", {"host": "127.0.0.1", "port": free_port()})
    assert (refused.success, refused.error_code) == (False, "ConnectionRefused")
    assert refused.unreachable is False and refused.transient is False
    assert refused.context["CONNECTED"] is False and refused.context["IP"] is None


def test_tcp_without_a_port_is_an_error(
    write_suite: Writer, run_suite: Runner, net_vars: dict[str, str]
) -> None:
    (result,) = run_steps(write_suite, run_suite, "      - tcp.connect: {}\n", net_vars)
    assert result.status is Status.ERROR
    assert "no port" in result.message


# --- dns.resolve ------------------------------------------------------------------------------


def test_dns_answers_a_aaaa_mx_txt_cname(
    write_suite: Writer, run_suite: Runner, net_vars: dict[str, str]
) -> None:
    results = run_steps(
        write_suite,
        run_suite,
        """\
      - dns.resolve: {name: app.test}
        expect: {fields: {rcode: NOERROR, answers: [127.0.0.1], ttl: 60}}
      - dns.resolve: {name: app.test., type: AAAA}
        expect: {fields: {answers: ["::1"]}}
      - dns.resolve: {name: mail.test, type: mx}
        expect: {fields: {answers: ["10 mx.test."], ttl: 300, type: MX}}
      - dns.resolve: {name: txt.test, type: TXT}
        expect: {fields: {answers: ["v=spf1 -all"]}}
      - dns.resolve: {name: www.test, type: CNAME}
        expect: {fields: {answers: [app.test.]}}
      - dns.resolve: {name: www.test}
        expect: {fields: {answers: [127.0.0.1]}}
""",
        net_vars,
    )
    passed(results)


def test_dns_nxdomain_expected_and_unexpected(
    write_suite: Writer, run_suite: Runner, net_vars: dict[str, str]
) -> None:
    results = run_steps(
        write_suite,
        run_suite,
        """\
      - dns.resolve: {name: missing.test}
        expect: {error: NXDOMAIN, fields: {rcode: NXDOMAIN, answers: []}}
      - dns.resolve: {name: missing.test}
      - dns.resolve: {name: app.test, type: MX}
        expect: {error: NoAnswer}
""",
        net_vars,
    )
    expected, unexpected, no_data = results
    passed([expected, no_data])
    assert (unexpected.status, unexpected.error_code) == (Status.FAILED, "NXDOMAIN")


def test_dns_context_overrides_and_servfail(dns_port: int) -> None:
    obs = direct("dns.resolve", {"name": "app.test", "nameserver": "127.0.0.1", "port": dns_port})
    assert obs.success
    assert obs.context["DNS_RCODE"] == "NOERROR" and obs.context["IP"] == "127.0.0.1"
    assert obs.context["RESPONSE_TIME"] > 0
    assert obs.data["nameserver"] == f"127.0.0.1:{dns_port}"
    mx = direct(
        "dns.resolve",
        {"name": "mail.test", "type": "MX"},
        nameserver="127.0.0.1",
        dns_port=dns_port,
    )
    assert mx.success and mx.context["IP"] is None
    missing = direct(
        "dns.resolve", {"name": "nope.test"}, nameserver="127.0.0.1", dns_port=dns_port
    )
    assert (missing.success, missing.error_code) == (False, "NXDOMAIN")
    assert missing.context["DNS_RCODE"] == "NXDOMAIN" and not missing.unreachable
    failing = direct(
        "dns.resolve", {"name": "fail.test"}, nameserver="127.0.0.1", dns_port=dns_port
    )
    assert (failing.error_code, failing.transient) == ("SERVFAIL", True)


def test_dns_silent_server_times_out_as_unreachable() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        port = silent.getsockname()[1]
        target = NetTarget("t", NetSettings(timeout=0.3, nameserver="127.0.0.1", dns_port=port))
        check = CHECKS.get("dns.resolve")
        assert check is not None
        obs = check.run(
            CheckCall(target=target, credential="", params={"name": "app.test"}, timeout=10)
        )
    assert (obs.success, obs.error_code) == (False, "Timeout")
    assert obs.transient and obs.unreachable
    assert obs.context["DNS_RCODE"] is None


# --- load-time validation ---------------------------------------------------------------------


def test_net_parameter_errors_are_located_at_load(
    write_suite: Writer, net_vars: dict[str, str]
) -> None:
    path = write_suite(
        NET_TARGET
        + """\
groups:
  - name: g
    test:
      - tcp.connect: {prot: 443}
      - dns.resolve: {name: app.test, type: AAA}
      - tls.certificate: {port: 70000}
      - dns.resolve: {type: MX}
      - tls.certificate: {port: 443, verify: maybe, min_protocol: TLSv2}
      - dns.resolve: {name: app.test, nameserver: dns.example}
"""
    )
    with pytest.raises(SuiteError) as info:
        load_suite(path, Variables(overrides=net_vars))
    texts = [str(p) for p in info.value.problems]

    def has(line: int, *words: str) -> bool:
        return any(f"suite.yaml:{line}" in t and all(w in t for w in words) for t in texts)

    assert has(12, "unknown parameter 'prot'", "did you mean 'port'"), texts
    assert has(13, "'type' must be one of", "did you mean 'AAAA'"), texts
    assert has(14, "port from 1 to 65535", "70000"), texts
    assert has(15, "missing required parameter 'name'"), texts
    assert has(16, "'verify' must be true or false"), texts
    assert has(16, "'min_protocol' must be one of"), texts
    assert has(17, "'nameserver' must be an IP address"), texts
    assert len(texts) == 7, texts


def test_net_target_settings_are_validated(write_suite: Writer) -> None:
    path = write_suite(
        """\
targets:
  local:
    type: net
    nameserver: not-an-ip
    dns_port: 0
    hots: example.com
groups: []
"""
    )
    with pytest.raises(SuiteError) as info:
        load_suite(path, Variables())
    text = str(info.value)
    assert "suite.yaml:" in text
    assert "did you mean 'host'" in text


def test_net_kinds_publish_valid_json_schemas() -> None:
    for name in ("tcp.connect", "tls.certificate", "dns.resolve"):
        kind = CHECKS.get(name)
        assert kind is not None and kind.family == "net" and kind.description
        schema = kind.params_schema()
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["additionalProperties"] is False
    dns_schema = CHECKS.get("dns.resolve").params_schema()  # type: ignore[union-attr]
    assert dns_schema["required"] == ["name"]
    jsonschema.validate({"name": "a.test", "type": "MX", "port": "${P}"}, dns_schema)


# --- the condition language on net observations ----------------------------------------------


def test_net_conditions_on_certificates_ports_and_names(
    write_suite: Writer, run_suite: Runner, net_vars: dict[str, str]
) -> None:
    results = run_steps(
        write_suite,
        run_suite,
        """\
      - name: valid for more than a week
        tls.certificate: {port: "${VALID_PORT}", ca_file: "${CA}"}
        expect: {conditions: ["[CERTIFICATE_EXPIRATION] > 168h", "[CONNECTED] == true"]}
      - name: expiring in two days, alert at 48h
        tls.certificate: {port: "${EXPIRING_PORT}", ca_file: "${CA}"}
        expect: {conditions: ["[CERTIFICATE_EXPIRATION] > 48h"]}
      - name: closed port must stay closed
        tcp.connect: {port: "${CLOSED_PORT}"}
        expect: {conditions: ["[CONNECTED] == false"]}
      - name: app resolves to loopback
        dns.resolve: {name: app.test}
        expect: {conditions: ["[DNS_RCODE] == NOERROR", "[IP] == 127.0.0.1"]}
      - name: unknown name is NXDOMAIN
        dns.resolve: {name: nothing.test}
        expect: {conditions: ["[DNS_RCODE] == NXDOMAIN"]}
""",
        net_vars,
    )
    got = {r.name: r for r in results}
    for name in (
        "valid for more than a week",
        "closed port must stay closed",
        "app resolves to loopback",
        "unknown name is NXDOMAIN",
    ):
        assert got[name].status is Status.PASSED, (name, got[name].message)
    expiring = got["expiring in two days, alert at 48h"]
    assert expiring.status is Status.FAILED
    assert expiring.message.startswith("condition failed: [CERTIFICATE_EXPIRATION] (")
    assert expiring.message.endswith(") > 48h")


# --- what a monitor reads from tls.certificate: expiry levels, chain, host name --------------

LEVELS = ["[CERTIFICATE_EXPIRATION] > 21d", "[CERTIFICATE_EXPIRATION] > 14d",
          "[CERTIFICATE_EXPIRATION] > 7d"]  # fmt: skip


def test_tls_expiry_levels_fail_only_as_conditions_and_bad_certificates_otherwise(
    write_suite: Writer, run_suite: Runner, net_vars: dict[str, str]
) -> None:
    """A monitor marks the level conditions as degrading: a result whose every failure is
    one of them is DEGRADED (the failing ones say which level); anything else is DOWN. With
    ``success: true`` an expired, mismatched or unreachable certificate fails outright; with
    conditions alone it would fail on the level conditions only, and look degraded."""
    conditions = "[" + ", ".join(f'"{c}"' for c in LEVELS) + "]"
    step = """\
      - name: {label}
        tls.certificate: {{port: "${{{port}}}", ca_file: "${{CA}}"}}
        expect: {{success: {success}, conditions: {conditions}}}
"""
    results = run_steps(
        write_suite,
        run_suite,
        "".join(
            step.format(label=label, port=port, success=success, conditions=conditions)
            for label, port, success in (
                ("valid", "VALID_PORT", "true"),
                ("expiring", "EXPIRING_PORT", "true"),
                ("expired", "EXPIRED_PORT", "true"),
                ("wrong_host", "WRONG_HOST_PORT", "true"),
                ("refused", "CLOSED_PORT", "true"),
                ("expired, conditions alone", "EXPIRED_PORT", "null"),
            )
        ),
        net_vars,
    )
    got = {r.name: r for r in results}
    assert got["valid"].status is Status.PASSED, got["valid"].message
    expiring = got["expiring"]
    assert expiring.status is Status.FAILED
    assert all(f.expectation is Part.CONDITION for f in expiring.failures)
    assert [f.subject for f in expiring.failures] == LEVELS  # 3 days left: past all three
    for name, code in (
        ("expired", "CertificateExpired"),
        ("wrong_host", "HostnameMismatch"),
        ("refused", "ConnectionRefused"),
    ):
        parts = {f.expectation for f in got[name].failures}
        assert (got[name].error_code, Part.OUTCOME in parts) == (code, True), got[name].message
    alone = got["expired, conditions alone"]
    assert {f.expectation for f in alone.failures} == {Part.CONDITION}


def test_tls_chain_and_hostname_as_placeholders_when_not_verifying(
    write_suite: Writer, run_suite: Runner, net_vars: dict[str, str], tls_ports: dict[str, int]
) -> None:
    conditions = (
        '["[CHAIN_VALID] == true", "[HOSTNAME_MATCH] == true", "[CERTIFICATE_EXPIRATION] > 0"]'
    )
    results = run_steps(
        write_suite,
        run_suite,
        f"""\
      - name: wrong host
        tls.certificate: {{port: "${{WRONG_HOST_PORT}}", ca_file: "${{CA}}", verify: false}}
        expect: {{conditions: {conditions}}}
      - name: untrusted
        tls.certificate: {{port: "${{VALID_PORT}}", verify: false}}
        expect: {{conditions: {conditions}}}
      - name: expired
        tls.certificate: {{port: "${{EXPIRED_PORT}}", ca_file: "${{CA}}", verify: false}}
        expect: {{conditions: {conditions}}}
      - name: good
        tls.certificate: {{port: "${{VALID_PORT}}", ca_file: "${{CA}}", verify: false}}
        expect: {{conditions: {conditions}}}
""",
        net_vars,
    )
    failing = {r.name: [f.subject for f in r.failures] for r in results}
    assert failing == {
        "wrong host": ["[HOSTNAME_MATCH] == true"],
        "untrusted": ["[CHAIN_VALID] == true"],
        "expired": ["[CERTIFICATE_EXPIRATION] > 0"],
        "good": [],
    }
    refused = direct("tls.certificate", {"port": free_port()}, host="127.0.0.1")
    assert "CHAIN_VALID" not in refused.context  # not observed: a condition on it fails
    assert tls_ports["valid"]
