"""``openapi.contract``: run schemathesis against a deployed API's OpenAPI document.

The document is fetched through the target's own client (headers, TLS, credential), cases are
generated per operation with hypothesis (positive and negative, ``max_examples`` each, a fixed
``seed``), sent through that client, and judged by schemathesis's response checks. Every
distinct failure becomes an entry of the observation's ``failures``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from typing import Any

import httpx

from assay.checks.http.contract_params import ContractParams
from assay.checks.http.contract_schema import SchemaError, fetch, load
from assay.checks.http.params import UNKNOWN
from assay.checks.http.request import authenticate
from assay.checks.http.target import HttpKind, HttpTarget
from assay.core.checks import CheckCall, Observation
from assay.core.errors import InvalidParameters
from assay.core.registry import suggest
from assay.core.secrets import redact

MAX_FAILURES = 20


class _Runner:
    """Generates and sends the cases of one run; collects distinct failures."""

    def __init__(
        self, target: HttpTarget, call: CheckCall, p: ContractParams, deadline: float
    ) -> None:
        from schemathesis.checks import CHECKS, load_all_checks

        load_all_checks()
        self.target, self.deadline = target, deadline
        self.auth, self.extra, _ = authenticate(None, {}, target, call.credential)
        self.checks = CHECKS.get_by_names(p.checks)
        self.timeout = min(target.settings.timeout, call.timeout)
        self.cases = 0
        self.failures: dict[tuple[str, ...], dict[str, Any]] = {}
        self.complete = True

    def record(self, label: str, check: str, message: str, status: int | None, curl: str) -> None:
        line = next((t for t in message.splitlines() if t.strip()), check)
        key = (label, check, line)
        if key not in self.failures:
            self.failures[key] = {
                "operation": label,
                "check": check,
                "message": redact(line),
                "status": status,
                "reproduce": redact(curl),
            }

    def send(self, operation: Any, case: Any) -> None:
        from schemathesis.core.failures import FailureGroup

        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            self.complete = False
            return
        self.cases += 1
        kwargs = case.as_transport_kwargs(base_url=self.target.settings.base_url)
        headers = {**self.extra, **kwargs.get("headers", {})}
        if cookies := kwargs.get("cookies"):
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        body = {key: kwargs[key] for key in ("json", "files") if key in kwargs}
        if body.get("files") is not None:
            body["files"] = _httpx_parts(body["files"])
        data = kwargs.get("data")
        if isinstance(data, str | bytes):
            body["content"] = data
        elif data is not None:
            body["data"] = data
        curl = case.as_curl_command(headers=headers, base_url=self.target.settings.base_url)
        try:
            request = self.target.client.build_request(
                kwargs["method"],
                kwargs["url"],
                params=kwargs.get("params"),
                headers=headers,
                timeout=min(self.timeout, remaining),
                **body,
            )
            # schemathesis's checks read the request's body; a multipart one streams, so
            # read it first (it is generated, small, and sent from memory anyway)
            request.read()
            response = self.target.client.send(request, auth=self.auth)
        except (httpx.LocalProtocolError, httpx.InvalidURL, UnicodeError):
            self.cases -= 1  # a case that HTTP cannot carry (a generated header value)
            return
        except httpx.RequestError as exc:
            self.record(operation.label, "request", str(exc) or type(exc).__name__, None, curl)
            return
        try:
            case.validate_response(response, checks=self.checks, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                check = next(iter(getattr(failure, "checks", ())), type(failure).__name__)
                text = f"{failure.title}: {failure.message}" if failure.message else failure.title
                self.record(operation.label, check, text, response.status_code, curl)

    def run_operation(self, operation: Any, modes: list[str], examples: int, seed: int) -> None:
        from hypothesis import HealthCheck, Phase, given, settings
        from hypothesis import seed as fixed_seed
        from hypothesis.errors import Unsatisfiable
        from schemathesis import GenerationMode

        def test(case: Any) -> None:
            try:
                self.send(operation, case)
            except Exception as exc:  # a case the tooling itself cannot handle: a finding,
                # never an escape into hypothesis (which would call the whole run flaky)
                text = f"{type(exc).__name__}: {exc}"
                self.record(operation.label, "unexpected_error", text, None, "")

        for mode in modes:
            strategy = operation.as_strategy(generation_mode=GenerationMode(mode))
            options = settings(
                max_examples=examples,
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate],
            )
            # Unsatisfiable: nothing to negate (no parameters), or nothing valid to generate
            generate: Any = given(strategy)
            runnable: Any = fixed_seed(seed)(options(generate(test)))
            with contextlib.suppress(Unsatisfiable):
                runnable()


def _httpx_parts(files: Any) -> list[tuple[str, Any]]:
    """Multipart parts as httpx takes them.

    schemathesis prepares them for requests, whose encoder (urllib3) writes a number as its
    text; httpx refuses one, so generated numbers are turned into text the same way.
    """
    out: list[tuple[str, Any]] = []
    for name, part in files.items() if isinstance(files, Mapping) else files:
        if isinstance(part, tuple) and len(part) >= 2 and isinstance(part[1], int):
            part = (part[0], str(part[1]), *part[2:])
        elif isinstance(part, int):
            part = str(part)
        out.append((name, part))
    return out


def _select(schema: Any, wanted: list[str], runner: _Runner) -> list[Any]:
    """The operations to test; an ``operations`` filter that matches nothing is an error."""
    from schemathesis.core.result import Ok

    chosen: list[Any] = []
    seen: set[str] = set()
    known: list[str] = []
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            runner.record("(schema)", "invalid_operation", str(result.err()), None, "")
            continue
        operation = result.ok()
        names = {operation.label, operation.definition.raw.get("operationId")}
        known += [str(name) for name in names]
        hits = {w for w in wanted if w in names or w.upper() == operation.label.upper()}
        if hits or not wanted:
            chosen.append(operation)
            seen |= hits
    if missing := [w for w in wanted if w not in seen]:
        hints = "".join(suggest(m, known) for m in missing)
        raise InvalidParameters(f"no operation matches {', '.join(missing)}{hints}")
    return chosen


class OpenApiContract(HttpKind[ContractParams]):
    """The ``openapi.contract`` check kind."""

    name = "openapi.contract"
    target_types = ("http",)
    description = "Run schemathesis against an OpenAPI document; each contract failure is reported."
    params_model = ContractParams
    unknown_key = UNKNOWN

    def check(self, target: HttpTarget, p: ContractParams, call: CheckCall) -> Observation:
        t0 = time.monotonic()
        runner = _Runner(target, call, p, t0 + call.timeout * 0.9)
        try:
            document = fetch(target, p.document, runner.auth, runner.extra, runner.timeout)
            schema = load(document)
        except SchemaError as exc:
            return Observation(
                success=False,
                error_code=exc.code,
                message=redact(str(exc)),
                unreachable=exc.unreachable,
                timings={"total": time.monotonic() - t0},
            )
        operations = _select(schema, p.operations, runner)
        for operation in operations:
            runner.run_operation(operation, p.modes, p.max_examples, p.seed)
        tested = [operation.label for operation in operations]
        return self._observe(runner, tested, time.monotonic() - t0)

    @staticmethod
    def _observe(runner: _Runner, tested: list[str], total: float) -> Observation:
        failures = list(runner.failures.values())
        data = {
            "operations": len(tested),
            "cases": runner.cases,
            "complete": runner.complete,
            "failures": failures[:MAX_FAILURES],
        }
        if not failures:
            plural = "" if len(tested) == 1 else "s"
            message = f"{len(tested)} operation{plural}, {runner.cases} cases, no contract failures"
            return Observation(success=True, message=message, data=data, timings={"total": total})
        failing = {f["operation"] for f in failures}
        first = failures[0]
        message = (
            f"{len(failures)} contract failure{'s' if len(failures) > 1 else ''} in "
            f"{len(failing)} of {len(tested)} operations: "
            f"{first['operation']}: {first['check']}: {first['message']}"
        )
        return Observation(
            success=False,
            error_code="ContractViolation",
            message=message,
            data=data,
            timings={"total": total},
        )
