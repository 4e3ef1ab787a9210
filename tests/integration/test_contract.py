"""``openapi.contract`` against a real FastAPI app (uvicorn), with and without a contract bug."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assay.core.errors import SuiteError
from assay.core.results import RunResult, Status, StepResult
from tests.support.contract_app import ContractService

Runner = Callable[..., RunResult]
Writer = Callable[..., Path]

SUITE = """\
targets:
  api:
    type: http
    base_url: "${BASE}"
groups:
  - name: g
    test:
      - name: contract
        openapi.contract: {schema: /openapi.json, max_examples: 10%s}
%s"""


@pytest.fixture(scope="module")
def buggy() -> Iterator[str]:
    service = ContractService(buggy=True)
    yield service.url
    service.stop()


@pytest.fixture(scope="module")
def good() -> Iterator[str]:
    service = ContractService(buggy=False)
    yield service.url
    service.stop()


def contract(
    write_suite: Writer, run_suite: Runner, base: str, params: str = "", expect: str = ""
) -> StepResult:
    run = run_suite(write_suite(SUITE % (params, expect)), {"BASE": base})
    (result,) = run.results
    return result


def test_contract_buggy_app_fails_with_the_operation_named(
    write_suite: Writer, run_suite: Runner, buggy: str
) -> None:
    got = contract(write_suite, run_suite, buggy)
    assert got.status is Status.FAILED, got.message
    assert got.error_code == "ContractViolation"
    assert "GET /items/{item_id}" in got.message
    assert "response_schema_conformance" in got.message
    data = got.details["response"]
    assert data["operations"] == 4 and data["cases"] > 10
    failure = data["failures"][0]
    assert failure["operation"] == "GET /items/{item_id}"
    assert failure["check"] == "response_schema_conformance"
    assert failure["status"] == 200
    assert failure["reproduce"].startswith("curl ") and buggy in failure["reproduce"]
    assert {f["operation"] for f in data["failures"]} == {"GET /items/{item_id}"}


def test_contract_good_app_passes(write_suite: Writer, run_suite: Runner, good: str) -> None:
    got = contract(write_suite, run_suite, good, ", seed: 7")
    assert got.status is Status.PASSED, got.message
    assert got.error_code is None


def test_contract_good_app_counts_operations_and_cases(
    write_suite: Writer, run_suite: Runner, good: str
) -> None:
    run = run_suite(
        write_suite(
            SUITE % (", operations: [getItem, POST /items]", "        debug: true\n")
            + """\
      - name: counted
        openapi.contract: {schema: /openapi.json, operations: [getItem], modes: [positive]}
        expect: {fields: {operations: 1}}
"""
        ),
        {"BASE": good},
    )
    results = {r.name: r for r in run.results}
    assert results["contract"].status is Status.PASSED, results["contract"].message
    data = results["contract"].details["response"]
    assert data["operations"] == 2 and data["cases"] > 10 and data["failures"] == []
    assert data["complete"] is True
    assert results["counted"].status is Status.PASSED, results["counted"].message


def test_contract_multipart_forms_are_sent_numbers_and_files_alike(
    write_suite: Writer, run_suite: Runner, good: str
) -> None:
    """schemathesis generates numbers for form fields (requests would send their text);
    a streamed multipart body must be readable by its checks after sending."""
    result = contract(
        write_suite, run_suite, good, ", operations: [upload], seed: 3", "        debug: true\n"
    )
    assert result.status is Status.PASSED, result.message
    data = result.details["response"]
    assert data["operations"] == 1 and data["cases"] > 10 and data["complete"] is True


def test_contract_expected_violation_passes(
    write_suite: Writer, run_suite: Runner, buggy: str
) -> None:
    got = contract(
        write_suite, run_suite, buggy, "", "        expect: {error: ContractViolation}\n"
    )
    assert got.status is Status.PASSED, got.message


def test_contract_same_seed_same_failures(
    write_suite: Writer, run_suite: Runner, buggy: str
) -> None:
    first = contract(write_suite, run_suite, buggy, ", seed: 3")
    second = contract(write_suite, run_suite, buggy, ", seed: 3")
    assert first.details["response"]["failures"] == second.details["response"]["failures"]
    assert first.details["response"]["cases"] == second.details["response"]["cases"]
    assert first.message == second.message


def test_contract_unreachable_schema_is_an_error(write_suite: Writer, run_suite: Runner) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    got = contract(write_suite, run_suite, closed)
    assert got.status is Status.ERROR
    assert got.error_code == "SchemaUnavailable"
    assert got.details.get("unreachable") is True


def test_contract_schema_not_openapi(write_suite: Writer, run_suite: Runner, good: str) -> None:
    run = run_suite(
        write_suite(SUITE.replace("/openapi.json", "/health") % ("", "")), {"BASE": good}
    )
    (got,) = run.results
    assert got.status is Status.FAILED
    assert got.error_code == "InvalidSchema", got.message


@pytest.mark.parametrize(
    ("params", "wanted"),
    [
        (", checks: [not_a_server_eror]", "did you mean 'not_a_server_error'"),
        (", max_examples: 0", "max_examples"),
    ],
)
def test_contract_bad_params_fail_at_load(
    write_suite: Writer, run_suite: Runner, params: str, wanted: str
) -> None:
    path = write_suite(SUITE % (params, ""))
    with pytest.raises(SuiteError) as info:
        run_suite(path, {"BASE": "http://127.0.0.1:9"})
    text = str(info.value)
    assert wanted in text
    assert f"{path}:" in text or f"{path.name}:" in text
