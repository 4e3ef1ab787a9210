"""The ``http`` family against a real service (FastAPI on uvicorn) and a misbehaving socket."""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assay.checks.http import HttpRequest, HttpSettings, HttpTarget, HttpTargetType
from assay.config.loader import load_suite
from assay.config.variables import Variables
from assay.core.checks import CheckCall
from assay.core.errors import SuiteError, TargetUnreachable
from assay.core.results import RunResult, Status, StepResult
from tests.support.http_service import (
    API_KEY,
    PASSWORD,
    STATIC_TOKEN,
    USER,
    HttpService,
    RawSocketServer,
    TlsFiles,
    make_tls_files,
)

SUITES = Path(__file__).parent / "suites"
Runner = Callable[..., RunResult]
Writer = Callable[..., Path]

TARGET = """\
targets:
  api:
    type: http
    base_url: "${BASE}"
    retries: {max_attempts: 3, base_delay: 0.01, max_delay: 0.02}
"""


@pytest.fixture(scope="session")
def http_service() -> Iterator[HttpService]:
    service = HttpService()
    yield service
    service.stop()


@pytest.fixture(scope="session")
def raw_socket() -> Iterator[RawSocketServer]:
    server = RawSocketServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def tls_services(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TlsFiles, HttpService, HttpService]]:
    files = make_tls_files(tmp_path_factory.mktemp("tls"))
    plain = HttpService(tls=files)
    mutual = HttpService(tls=files, client_certs=True)
    yield files, plain, mutual
    plain.stop()
    mutual.stop()


@pytest.fixture
def base(http_service: HttpService) -> dict[str, str]:
    return {"BASE": http_service.url}


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def steps(run: RunResult) -> dict[str, StepResult]:
    return {r.name: r for r in run.results}


def run_steps(
    write_suite: Writer, run_suite: Runner, variables: dict[str, str], body: str
) -> dict[str, StepResult]:
    return steps(run_suite(write_suite(TARGET + body), variables))


def test_http_status_and_json_fields(
    write_suite: Writer, run_suite: Runner, base: dict[str, str]
) -> None:
    got = run_steps(
        write_suite,
        run_suite,
        base,
        """\
groups:
  - name: g
    test:
      - name: ok
        http.request: {path: /health}
        expect: {status: 200, fields: {body.status: ok, "body.checks[0].healthy": true}}
      - name: wrong status
        http.request: {path: /health}
        expect: {status: 201}
      - name: wrong field
        http.request: {path: /health}
        expect: {fields: {body.version: 9.9.9}}
      - name: expected 404
        http.request: {path: /missing}
        expect: {status: 404}
""",
    )
    assert got["ok"].status is Status.PASSED, got["ok"].message
    assert got["ok"].http_status == 200 and got["ok"].error_code is None
    assert got["wrong status"].status is Status.FAILED
    assert got["wrong status"].message == "expected HTTP 201, got 200"
    assert got["wrong field"].status is Status.FAILED
    assert got["wrong field"].message == "body.version: expected '9.9.9', got '1.2.3'"
    assert got["expected 404"].status is Status.PASSED


def test_http_health_suite_file(run_suite: Runner, base: dict[str, str]) -> None:
    run = run_suite(SUITES / "http_health.yaml", base)
    assert [r.status for r in run.results] == [Status.PASSED] * 5, [r.message for r in run.results]


def test_http_server_error_fails_with_the_reason(
    write_suite: Writer, run_suite: Runner, base: dict[str, str]
) -> None:
    got = run_steps(
        write_suite,
        run_suite,
        base,
        """\
groups:
  - name: g
    test: [{name: fail, http.request: {path: /fail}}]
""",
    )
    step = got["fail"]
    assert step.status is Status.FAILED and step.http_status == 500 and step.attempts == 1
    assert step.message == (
        'expected success, got HTTP 500 (Internal Server Error: {"error": "database unavailable"})'
    )
    assert step.details["response"]["body"] == {"error": "database unavailable"}


def test_http_unavailable_is_retried_until_it_answers(
    write_suite: Writer, run_suite: Runner, base: dict[str, str]
) -> None:
    key = uuid.uuid4().hex
    got = run_steps(
        write_suite,
        run_suite,
        base,
        f"""\
groups:
  - name: g
    test:
      - name: warming
        http.request: {{path: /unavailable, query: {{key: {key}, times: 2}}}}
        expect: {{fields: {{body.calls: 3}}}}
      - name: expected 503 is not retried
        http.request: {{path: /unavailable, query: {{key: other-{key}, times: 5}}}}
        expect: {{status: 503}}
""",
    )
    assert got["warming"].status is Status.PASSED, got["warming"].message
    assert got["warming"].attempts == 3
    assert len(got["warming"].details["retried"]) == 2
    assert got["expected 503 is not retried"].status is Status.PASSED
    assert got["expected 503 is not retried"].attempts == 1


def test_http_timeouts(write_suite: Writer, run_suite: Runner, base: dict[str, str]) -> None:
    got = run_steps(
        write_suite,
        run_suite,
        base,
        """\
groups:
  - name: g
    test:
      - name: step timeout
        http.request: {path: /slow, query: {delay: 1.5}}
        timeout: 0.3
      - name: request timeout
        http.request: {path: /slow, query: {delay: 1.5}, timeout: 0.2}
        retries: 1
      - name: fast enough
        http.request: {path: /slow, query: {delay: 0.05}}
        timeout: 5
""",
    )
    assert got["step timeout"].status is Status.ERROR
    assert got["step timeout"].message == "timed out after 0.3s"
    request = got["request timeout"]
    assert request.status is Status.FAILED and request.error_code == "Timeout"
    assert request.message == "expected success, got Timeout: no response within 0.2s"
    assert got["fast enough"].status is Status.PASSED


def test_http_malformed_json_is_kept_as_text(
    write_suite: Writer, run_suite: Runner, base: dict[str, str]
) -> None:
    got = run_steps(
        write_suite,
        run_suite,
        base,
        """\
groups:
  - name: g
    test:
      - name: malformed
        http.request: {path: /malformed}
        expect:
          fields: {body: {contains: oops}, headers."content-type": application/json}
          body: {equals: '{"status": "ok", oops'}
""",
    )
    assert got["malformed"].status is Status.PASSED, got["malformed"].message


def test_http_dropped_connection_and_garbage(
    write_suite: Writer, run_suite: Runner, raw_socket: RawSocketServer
) -> None:
    got = run_steps(
        write_suite,
        run_suite,
        {"BASE": raw_socket.url},
        """\
groups:
  - name: g
    test:
      - {name: drop, http.request: {path: /drop}, retries: 2}
      - {name: garbage, http.request: {path: /garbage}, retries: 1}
""",
    )
    drop, garbage = got["drop"], got["garbage"]
    assert drop.status is Status.FAILED and drop.attempts == 2
    assert drop.error_code == "ConnectionError" and "details" not in drop.message
    assert drop.message.startswith("expected success, got ConnectionError: connection dropped")
    assert garbage.status is Status.FAILED and garbage.error_code == "RemoteProtocolError"
    assert "not a valid HTTP response" in garbage.message
    assert "Traceback" not in drop.message + garbage.message


def test_http_unreachable_is_an_error(write_suite: Writer, run_suite: Runner) -> None:
    got = run_steps(
        write_suite,
        run_suite,
        {"BASE": closed_port_url()},
        """\
groups:
  - name: g
    test: [{name: down, http.request: {path: /health}, retries: 1}]
""",
    )
    down = got["down"]
    assert down.status is Status.ERROR and down.details["unreachable"] is True
    assert down.message.startswith("target 'api' unreachable: ")
    assert down.error_code == "ConnectionError"


def test_http_redirects(write_suite: Writer, run_suite: Runner, base: dict[str, str]) -> None:
    got = run_steps(
        write_suite,
        run_suite,
        base,
        """\
groups:
  - name: g
    test:
      - name: followed
        http.request: {path: /redirect}
        expect:
          status: 200
          fields: {redirects: 1, url: {regex: '/health$'}, body.status: ok}
      - name: not followed
        http.request: {path: /redirect, follow_redirects: false}
        expect:
          status: 302
          fields: {redirects: 0, headers.location: /health}
""",
    )
    assert got["followed"].status is Status.PASSED, got["followed"].message
    assert got["not followed"].status is Status.PASSED, got["not followed"].message


def test_http_credentials(write_suite: Writer, run_suite: Runner, base: dict[str, str]) -> None:
    path = write_suite(
        f"""\
targets:
  api:
    type: http
    base_url: "${{BASE}}"
    retries: {{max_attempts: 1}}
    default_credential: alice
    credentials:
      alice: {{username: {USER}, password: {PASSWORD}}}
      wrong: {{username: {USER}, password: not-the-password}}
      bearer: {{token: {STATIC_TOKEN}}}
      apikey: {{token: {API_KEY}, header: X-API-Key}}
groups:
  - name: g
    test:
      - name: basic
        http.request: {{path: /basic}}
        expect: {{fields: {{body.user: alice}}}}
      - name: wrong password
        http.request: {{path: /basic}}
        as: wrong
      - name: suppressed
        http.request: {{path: /basic, auth: none}}
        expect: {{status: 401}}
      - name: step basic
        http.request: {{path: /basic, auth: {{basic: {{username: {USER}, password: {PASSWORD}}}}}}}
        as: wrong
      - name: bearer
        http.request: {{path: /me}}
        as: bearer
        expect: {{fields: {{body.user: alice}}}}
      - name: custom header
        http.request: {{path: /apikey}}
        as: apikey
        expect: {{fields: {{request.headers."x-api-key": "***"}}}}
"""
    )
    got = steps(run_suite(path, base))
    for name in ("basic", "suppressed", "step basic", "bearer", "custom header"):
        assert got[name].status is Status.PASSED, (name, got[name].message)
    wrong = got["wrong password"]
    assert wrong.status is Status.FAILED and wrong.http_status == 401
    assert wrong.credential == "wrong"
    assert "HTTP 401" in wrong.message and "unauthorised" in wrong.message


def test_http_login_flow_passes_the_token_through_outputs(
    run_suite: Runner, base: dict[str, str]
) -> None:
    run = run_suite(SUITES / "http_login_flow.yaml", {**base, "PASSWORD": PASSWORD})
    got = steps(run)
    assert [r.status for r in run.results] == [Status.PASSED] * 4, [r.message for r in run.results]
    assert got["who am I"].http_status == 200


def test_http_request_parts_reach_the_server(
    write_suite: Writer, run_suite: Runner, base: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "payload.txt").write_text("from a file", encoding="utf-8")
    got = run_steps(
        write_suite,
        run_suite,
        base,
        """\
groups:
  - name: g
    test:
      - name: put
        http.request:
          method: put
          path: /echo?fixed=1
          query: {a: 1, flag: true}
          headers: {X-Trace: abc, X-Number: 7}
          body: hello
        expect:
          fields:
            body.method: PUT
            body.query: {fixed: "1", a: "1", flag: "true"}
            body.headers."x-trace": abc
            body.headers."x-number": "7"
            body.body: hello
      - name: json
        http.request: {method: POST, path: /echo, json: [1, {two: 2}]}
        expect:
          fields:
            body.headers."content-type": application/json
            body.body: '[1, {"two": 2}]'
      - name: file
        http.request: {method: POST, path: /echo, body: "file://payload.txt"}
        expect: {fields: {body.body: from a file}}
      - name: absolute url
        http.request: {path: "${BASE}/health"}
        expect: {fields: {body.status: ok}}
""",
    )
    for name, step in got.items():
        assert step.status is Status.PASSED, (name, step.message)


def test_http_observation_context_timings_and_digest(http_service: HttpService) -> None:
    settings = HttpSettings.model_validate(
        {
            "type": "http",
            "base_url": http_service.url,
            "credentials": {"key": {"token": API_KEY, "header": "X-API-Key"}},
        }
    )
    target = HttpTargetType().open("api", settings, 4)
    try:
        call = CheckCall(target=target, credential="key", params={"path": "/apikey"}, timeout=5)
        obs = HttpRequest().run(call)
        again = HttpRequest().run(call)
    finally:
        target.close()
    assert obs.success and obs.http_status == 200 and obs.error_code is None
    assert obs.body == b'{"key":"accepted"}'
    assert obs.body_digest is None  # a kept body is digested only when an expectation asks
    from assay.config.models import Expectation
    from assay.engine.expect import evaluate

    evaluate(
        Expectation.model_validate(
            {
                "body": {
                    "size": len(obs.body),
                    "sha256": hashlib.sha256(obs.body).hexdigest(),
                    "md5": hashlib.md5(obs.body, usedforsecurity=False).hexdigest(),
                }
            }
        ),
        obs,
    )
    assert obs.data["body"] == {"key": "accepted"}
    assert obs.data["request"]["headers"]["x-api-key"] == "***"
    t = obs.timings
    assert set(t) == {"dns", "connect", "first_byte", "total"}
    assert t["dns"] > 0 and t["connect"] > 0
    assert t["dns"] + t["connect"] <= t["first_byte"] <= t["total"]
    # the pooled connection was reused: no lookup, no connect
    assert again.timings["dns"] == again.timings["connect"] == 0.0
    context = obs.context
    assert context["STATUS"] == 200 and context["CONNECTED"] is True
    assert context["IP"] == "127.0.0.1" and context["BODY"] == obs.body
    assert context["HEADER"]["content-type"] == "application/json"
    assert 0 < context["RESPONSE_TIME"] == pytest.approx(obs.timings["total"] * 1000)


def test_http_transport_failure_context(raw_socket: RawSocketServer) -> None:
    settings = HttpSettings.model_validate({"type": "http", "base_url": raw_socket.url})
    target = HttpTargetType().open("raw", settings, 1)
    try:
        obs = HttpRequest().run(CheckCall(target, "", {"path": "/drop"}, timeout=5))
    finally:
        target.close()
    assert not obs.success and obs.transient and not obs.unreachable
    assert obs.error_code == "ConnectionError" and obs.context == {"CONNECTED": False}


def _open(url: str) -> HttpTarget:
    return HttpTargetType().open(
        "api", HttpSettings.model_validate({"type": "http", "base_url": url}), 1
    )


def test_http_dns_is_timed_apart_and_every_address_is_tried(
    http_service: HttpService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name whose first address refuses (127.0.0.2: loopback, nothing listens) falls
    through to the next, as socket.create_connection would; the lookup is timed apart."""
    real = socket.getaddrinfo
    looked_up: list[str] = []

    me = threading.get_ident()  # the patch is process-wide; other tests' threads resolve too

    def getaddrinfo(host: str, port: object, *args: object, **kw: object) -> list[object]:
        if threading.get_ident() == me:
            looked_up.append(host)
        if host != "api.assay.test":
            return real(host, port, *args, **kw)  # type: ignore[arg-type]
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))
            for ip in ("127.0.0.2", "127.0.0.1")
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    port = http_service.url.rsplit(":", 1)[1]
    target = _open(f"http://api.assay.test:{port}")
    try:
        obs = HttpRequest().run(CheckCall(target, "", {"path": "/health"}, timeout=5))
    finally:
        target.close()
    assert obs.success, obs.message
    # the name once; the stdlib's connect then parses each literal IP it is given
    assert looked_up.count("api.assay.test") == 1 and looked_up[0] == "api.assay.test"
    assert obs.context["IP"] == "127.0.0.1"
    t = obs.timings
    assert t["dns"] > 0 and t["connect"] > 0 and t["dns"] + t["connect"] <= t["first_byte"]


def test_http_a_name_that_does_not_resolve_is_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    def getaddrinfo(host: str, *args: object, **kw: object) -> list[object]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    target = _open("http://nowhere.assay.test")
    try:
        obs = HttpRequest().run(CheckCall(target, "", {"path": "/"}, timeout=5))
    finally:
        target.close()
    assert not obs.success and obs.unreachable and obs.error_code == "ConnectionError"
    assert "Name or service not known" in obs.message
    assert obs.timings["dns"] > 0 and obs.timings["connect"] == 0.0


def test_http_probe(http_service: HttpService) -> None:
    kind = HttpTargetType()
    for url, reachable in ((f"{http_service.url}/fail", True), (closed_port_url(), False)):
        settings = HttpSettings.model_validate({"type": "http", "base_url": url, "timeout": 2})
        target = kind.open("api", settings, 1)
        try:
            if reachable:
                kind.probe(target)
            else:
                with pytest.raises(TargetUnreachable, match="target 'api' at http://127.0.0.1"):
                    kind.probe(target)
        finally:
            target.close()


def test_http_tls_verification_and_client_certificates(
    write_suite: Writer,
    run_suite: Runner,
    tls_services: tuple[TlsFiles, HttpService, HttpService],
) -> None:
    files, plain, mutual = tls_services
    settings = {
        "trusted": "verify_tls: ${CA}",
        "default": "verify_tls: true",
        "insecure": "verify_tls: false",
        "mutual": "verify_tls: ${CA}\n    client_cert: {cert: '${CERT}', key: '${KEY}'}",
        "nocert": "verify_tls: ${CA}",
    }
    text = "targets:\n"
    for name, extra in settings.items():
        url = "${MTLS}" if name in ("mutual", "nocert") else "${TLS}"
        text += (
            f"  {name}:\n    type: http\n    base_url: {url}\n    retries: {{max_attempts: 1}}\n"
        )
        text += f"    {extra}\n"
    text += "groups:\n" + "".join(
        f"  - {{name: {n}, target: {n}, test: [{{name: {n}, http.request: {{path: /health}}}}]}}\n"
        for n in settings
    )
    variables = {
        "TLS": plain.url,
        "MTLS": mutual.url,
        "CA": str(files.ca),
        "CERT": str(files.client_cert),
        "KEY": str(files.client_key),
    }
    got = steps(run_suite(write_suite(text), variables))
    for name in ("trusted", "insecure", "mutual"):
        assert got[name].status is Status.PASSED, (name, got[name].message)
    assert got["trusted"].details["timings"]["tls"] > 0
    default = got["default"]
    assert default.status is Status.FAILED and default.error_code == "TLSError"
    assert "TLS handshake failed: " in default.message and default.attempts == 1
    assert got["nocert"].status is Status.FAILED and got["nocert"].error_code is not None


def test_http_ip_is_known_on_fresh_and_reused_connections_plain_and_tls(
    write_suite: Writer,
    run_suite: Runner,
    base: dict[str, str],
    tls_services: tuple[TlsFiles, HttpService, HttpService],
) -> None:
    files, plain, _ = tls_services
    text = (
        "targets:\n"
        "  http: {type: http, base_url: '${BASE}'}\n"
        "  https: {type: http, base_url: '${TLS}', verify_tls: '${CA}'}\n"
        "groups:\n"
    )
    for target in ("http", "https"):
        text += f"  - name: {target}\n    target: {target}\n    test:\n"
        text += "".join(
            f"      - name: {target} {n}\n        http.request: {{path: /health}}\n"
            "        expect: {conditions: ['[IP] == 127.0.0.1', '[CONNECTED] == true']}\n"
            for n in ("fresh", "reused", "reused again")
        )
    got = steps(run_suite(write_suite(text), base | {"TLS": plain.url, "CA": str(files.ca)}))
    assert len(got) == 6
    for name, result in got.items():
        assert result.status is Status.PASSED, (name, result.message)
    # a fresh connection times its set-up; a reused one had none (0, as documented)
    assert got["https fresh"].details["timings"]["tls"] > 0
    assert got["https reused"].details["timings"]["tls"] == 0.0


def test_http_parallel_steps_share_one_client(
    write_suite: Writer, run_suite: Runner, base: dict[str, str]
) -> None:
    body = "groups:\n  - name: g\n    parallel: true\n    test:\n"
    body += "".join(
        f"      - {{name: s{i}, http.request: {{path: /slow, query: {{delay: 0.3}}}}}}\n"
        for i in range(8)
    )
    run = run_suite(write_suite(TARGET + body), base, parallel=8)
    assert [r.status for r in run.results] == [Status.PASSED] * 8
    assert run.duration < 8 * 0.3


def test_http_secrets_stay_out_of_the_json_report(
    write_suite: Writer, http_service: HttpService
) -> None:
    path = write_suite(
        f"""\
targets:
  api:
    type: http
    base_url: "${{BASE}}"
    retries: {{max_attempts: 1}}
    credentials:
      alice: {{username: {USER}, password: "${{SECRET_PASSWORD}}"}}
      bearer: {{token: "${{SECRET_TOKEN}}"}}
      apikey: {{token: {API_KEY}, header: X-API-Key}}
groups:
  - name: g
    test:
      - {{name: basic, http.request: {{path: /echo}}, as: alice, debug: true}}
      - {{name: bearer, http.request: {{path: /echo}}, as: bearer, debug: true}}
      - name: failing echo
        http.request: {{path: /echo, headers: {{X-Token: "${{SECRET_TOKEN}}"}}}}
        as: apikey
        expect: {{fields: {{body.method: POST}}}}
      - name: wrong password
        http.request: {{path: /basic, auth: {{basic: {{username: {USER}, password: wrong-pass}}}}}}
      - name: form
        http.request: {{method: POST, path: /echo, json: {{user: bob, api_key: form-key-123}}}}
        debug: true
"""
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "assay",
            "run",
            str(path),
            "--format",
            "json",
            "--quiet",
            "--var",
            f"BASE={http_service.url}",
            "--var",
            f"SECRET_PASSWORD={PASSWORD}",
            "--var",
            f"SECRET_TOKEN={STATIC_TOKEN}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    output = done.stdout + done.stderr
    for secret in (PASSWORD, STATIC_TOKEN, API_KEY, "wrong-pass", "form-key-123"):
        assert secret not in output
    report = json.loads(done.stdout)
    got = {r["name"]: r for r in report["results"]}
    assert got["basic"]["status"] == "passed"
    assert got["basic"]["details"]["response"]["request"]["headers"]["authorization"] == "***"
    echoed = got["bearer"]["details"]["response"]["body"]["headers"]
    assert echoed["authorization"] == "Bearer ***"
    failing = got["failing echo"]["details"]["response"]
    assert failing["body"]["headers"]["x-api-key"] == "***"
    assert failing["body"]["headers"]["x-token"] == "***"
    assert got["wrong password"]["status"] == "failed"
    assert got["form"]["details"]["response"]["body"]["body"] == '{"user": "bob", "api_key": "***"}'


@pytest.mark.parametrize(
    ("step", "line", "message"),
    [
        (
            "http.request: {path: /h, methd: GET}",
            9,
            "unknown parameter 'methd' (did you mean 'method'?)",
        ),
        ("http.request: {path: /h, method: FETCH}", 9, "unknown HTTP method 'FETCH'"),
        ("http.request: {path: /h, method: PSOT}", 9, "(did you mean 'POST'?)"),
        (
            "http.request: {method: POST, body: x, json: {a: 1}}",
            9,
            "'body' and 'json' exclude each other",
        ),
        ("http.request: {path: /h, auth: {digest: x}}", 9, "'auth' must be none"),
        ("http.request: {path: /h, headers: {X-A: [1, 2]}}", 9, "'headers.X-A' must be a string"),
        ("http.request: {path: /h, timeout: -1}", 9, "'timeout' must be a positive number"),
        ("http.request: {path: 'ftp://host/x'}", 9, "'ftp' URLs are not HTTP"),
    ],
)
def test_http_bad_parameters_are_located(
    write_suite: Writer, step: str, line: int, message: str
) -> None:
    path = write_suite(
        f"""\
targets:
  api:
    type: http
    base_url: http://127.0.0.1:9
groups:
  - name: g
    test:
      - name: bad
        {step}
"""
    )
    with pytest.raises(SuiteError) as caught:
        load_suite(path, Variables())
    text = str(caught.value)
    assert f"suite.yaml:{line}" in text and message in text, text


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ("base_url: ftp://host", "base_url must be an http:// or https:// URL"),
        ("base_url: http://u:p@host", "must not carry a user name"),
        ("base_url: http://h\n    verify_tls: /no/such/ca.pem", "file not found: /no/such/ca.pem"),
        ("base_url: http://h\n    credentials: {c: {password: x}}", "needs a 'username'"),
        (
            "base_url: http://h\n    credentials: {c: {header: X-K}}",
            "needs a 'username' (basic auth) or a 'token'",
        ),
        ("base_url: http://h\n    bse_url: x", "(did you mean 'base_url'?)"),
    ],
)
def test_http_bad_target_settings_are_located(
    write_suite: Writer, settings: str, message: str
) -> None:
    path = write_suite(f"targets:\n  api:\n    type: http\n    {settings}\ngroups: []\n")
    with pytest.raises(SuiteError) as caught:
        load_suite(path, Variables())
    text = str(caught.value)
    assert "suite.yaml:" in text and message in text, text


def test_http_conditions_pass_and_fail_with_resolved_values(
    write_suite: Writer, run_suite: Runner, base: dict[str, str]
) -> None:
    got = run_steps(
        write_suite,
        run_suite,
        base,
        """\
groups:
  - name: g
    test:
      - name: healthy
        http.request: {path: /health}
        expect:
          conditions:
            - "[STATUS] == any(200, 204)"
            - "[RESPONSE_TIME] < 5s"
            - "[BODY].status == ok"
            - "[BODY].checks[0].healthy == true"
            - "len([BODY].checks) > 0"
            - "has([BODY].version) == true"
            - "[HEADER].content-type == pat(application/json*)"
            - "[CONNECTED] == true"
            - "[IP] == 127.0.0.1"
      - name: degraded queue
        http.request: {path: /health/detailed}
        expect:
          conditions: ["[BODY].components.queue.status == ok", "[STATUS] == 200"]
      - name: a 500 the conditions expect
        http.request: {path: /fail}
        expect:
          conditions: ["[STATUS] == 500", "[BODY].error == pat(*unavailable)"]
      - name: a 500 they do not
        http.request: {path: /fail}
        expect:
          conditions: ["[STATUS] < 500"]
      - name: malformed JSON
        http.request: {path: /malformed}
        expect:
          conditions: ["[BODY].status == ok"]
""",
    )
    assert got["healthy"].status is Status.PASSED, got["healthy"].message
    assert got["degraded queue"].status is Status.FAILED
    assert got["degraded queue"].message == (
        "condition failed: [BODY].components.queue.status (degraded) == ok"
    )
    assert got["a 500 the conditions expect"].status is Status.PASSED
    assert got["a 500 the conditions expect"].attempts == 1
    assert got["a 500 they do not"].message == "condition failed: [STATUS] (500) < 500"
    malformed = got["malformed JSON"]
    assert malformed.status is Status.FAILED
    assert "condition failed: [BODY].status (not JSON:" in malformed.message


def test_http_conditions_decide_retries(
    write_suite: Writer, run_suite: Runner, base: dict[str, str]
) -> None:
    got = run_steps(
        write_suite,
        run_suite,
        base,
        """\
groups:
  - name: g
    test:
      - name: outage expected
        http.request: {path: /unavailable, query: {key: cond-expected, times: 5}}
        expect: {conditions: ["[STATUS] == 503"]}
      - name: outage retried
        http.request: {path: /unavailable, query: {key: cond-retried, times: 1}}
        expect: {conditions: ["[STATUS] == 200"]}
""",
    )
    assert got["outage expected"].status is Status.PASSED
    assert got["outage expected"].attempts == 1
    assert got["outage retried"].status is Status.PASSED
    assert got["outage retried"].attempts == 2


def test_http_bad_condition_is_a_located_suite_error(write_suite: Writer) -> None:
    from assay.config.loader import load_suite
    from assay.config.variables import Variables
    from assay.core.errors import SuiteError

    path = write_suite(
        TARGET
        + """\
groups:
  - name: g
    test:
      - http.request: {path: /health}
        expect:
          conditions:
            - "[STATUS] == 200"
            - "[STATS] == 200"
"""
    )
    with pytest.raises(SuiteError) as info:
        load_suite(path, Variables(overrides={"BASE": "http://127.0.0.1:1"}))
    (text,) = [str(p) for p in info.value.problems]
    assert "suite.yaml:13" in text
    assert "invalid condition '[STATS] == 200'" in text
    assert "did you mean [STATUS]" in text


class _ForwardProxy:
    """A real HTTP forward proxy on loopback: absolute-form requests, relayed and counted."""

    def __init__(self) -> None:
        import http.client
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import urlsplit

        self.seen: list[str] = []
        seen = self.seen

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                return

            def do_GET(self) -> None:
                seen.append(self.path)
                url = urlsplit(self.path)
                conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "proxy-connection"}
                headers["Via"] = "1.1 assay-test-proxy"
                conn.request(
                    "GET", url.path + (f"?{url.query}" if url.query else ""), headers=headers
                )
                reply = conn.getresponse()
                data = reply.read()
                conn.close()
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.getheader("Content-Type", "text/plain"))
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def test_http_requests_go_through_the_configured_proxy(
    write_suite: Writer, run_suite: Runner, base: dict[str, str]
) -> None:
    proxy = _ForwardProxy()
    try:
        path = write_suite("""\
targets:
  api: {type: http, base_url: "${BASE}", proxy: "${PROXY}"}
groups:
  - name: g
    test:
      - name: through the proxy
        http.request: {path: /echo, query: {q: "1"}}
        expect: {fields: {body.headers.via: "1.1 assay-test-proxy", body.query.q: "1"}}
""")
        run = run_suite(path, {**base, "PROXY": proxy.url})
    finally:
        proxy.close()
    (step,) = run.results
    assert step.status is Status.PASSED, step.message
    assert proxy.seen == [f"{base['BASE'].rstrip('/')}/echo?q=1"]
    assert step.details["timings"]["connect"] > 0  # the connection to the proxy, timed


def test_http_large_bodies_are_hashed_while_streaming(http_service: HttpService) -> None:
    from assay.checks.http.response import KEEP_BODY

    target = HttpTargetType().open(
        "t", HttpSettings.model_validate({"base_url": http_service.url}), 1
    )
    try:
        size = KEEP_BODY + 4096
        call = CheckCall(
            target=target,
            credential="",
            timeout=10,
            params={"path": "/echo", "method": "POST", "body": "x" * size},
        )
        obs = HttpRequest().run(call)
    finally:
        target.close()
    assert obs.body is None  # not kept: over KEEP_BODY
    assert obs.body_digest is not None and obs.body_digest["size"] > KEEP_BODY
    assert len(obs.body_digest["sha256"]) == 64
