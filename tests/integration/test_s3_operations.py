"""S3 operations through assay's engine against a real moto server, one suite file per area.

The suites under ``suites/ops_*.yaml`` call botocore operations as check kinds
(``s3.PutObject``, ...) plus assay's helpers, with expectations on bodies, fields, statuses
and error codes, and pass upload ids, ETags, version ids and page tokens between steps.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.session import get_session

from assay.config.loader import load_suite
from assay.config.variables import Variables
from assay.core.checks import CHECKS
from assay.core.results import Phase, RunResult, Status, StepResult
from assay.engine import RunOptions, run_suites

SUITES_DIR = Path(__file__).parent / "suites"
SUITES = sorted(SUITES_DIR.glob("ops_*.yaml"))
HELPERS = {"s3.multipart_upload", "s3.presigned_get", "s3.presigned_put", "s3.empty_bucket"}
MIN_OPERATIONS = 60

TARGET = """\
targets:
  store:
    type: s3
    endpoint: "${ENDPOINT}"
    path_style: true
    retries: {max_attempts: 1}
    credentials:
      owner: {access_key: test, secret_key: test-secret}
"""


def describe(results: list[StepResult]) -> str:
    return "\n".join(
        f"  {r.status.value.upper():7} {r.group} {r.id.split('/', 1)[1]} {r.kind}"
        f"{f' ({r.name})' if r.name != r.kind else ''}: {r.message}"
        for r in results
    )


def suite_steps(path: Path) -> list[tuple[str, str, str]]:
    """(group, phase, kind) of every step of a suite file, read as plain YAML."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    steps = []
    for group in data["groups"]:
        for phase in ("before", "test", "after"):
            for step in group.get(phase) or []:
                (kind,) = [key for key in step if key.startswith("s3.")]
                steps.append((group["name"], phase, kind))
    return steps


def botocore_operations() -> set[str]:
    return set(get_session().get_service_model("s3").operation_names)


def exercised_operations() -> set[str]:
    """Distinct botocore operations used as check kinds across the suites."""
    operations = botocore_operations()
    return {
        kind.removeprefix("s3.")
        for path in SUITES
        for _, _, kind in suite_steps(path)
        if kind.removeprefix("s3.") in operations
    }


@pytest.fixture(scope="module")
def ops_run(moto_server: str) -> Callable[[Path], tuple[RunResult, set[str]]]:
    """Run one suite file (once per module) and report the buckets it left behind."""
    client = boto3.client(
        "s3",
        endpoint_url=moto_server,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test-secret",
    )

    def buckets() -> set[str]:
        return {b["Name"] for b in client.list_buckets()["Buckets"]}

    @functools.cache
    def run(path: Path) -> tuple[RunResult, set[str]]:
        before = buckets()
        suite = load_suite(path, Variables(overrides={"ENDPOINT": moto_server}))
        result = run_suites([suite], RunOptions())
        return result, buckets() - before

    return run


@pytest.mark.parametrize("path", SUITES, ids=[p.stem for p in SUITES])
def test_operations_suite_passes(
    path: Path, ops_run: Callable[[Path], tuple[RunResult, set[str]]]
) -> None:
    run, leaked = ops_run(path)
    bad = [r for r in run.results if r.status is not Status.PASSED]
    assert not bad, f"{len(bad)} of {len(run.results)} steps of {path.name}:\n{describe(bad)}"
    assert not run.faults and run.ok
    # every step of the file ran, in every phase, and nothing was skipped
    ran = sorted((r.group, r.phase.value, r.kind) for r in run.results)
    assert ran == sorted(suite_steps(path))
    assert not leaked, f"{path.name} left buckets behind: {sorted(leaked)}"


def test_suites_exercise_at_least_60_distinct_operations() -> None:
    operations = exercised_operations()
    assert len(operations) >= MIN_OPERATIONS, sorted(operations)
    # every counted kind is a registered check kind, and the helpers are covered too
    kinds = {kind for path in SUITES for _, _, kind in suite_steps(path)}
    assert all(CHECKS.get(f"s3.{op}") is not None for op in operations)
    assert kinds - {f"s3.{op}" for op in operations} == HELPERS
    # the brief's core operations are all among them
    core = {
        "CreateBucket", "HeadBucket", "ListBuckets", "DeleteBucket", "GetBucketLocation",
        "PutObject", "GetObject", "HeadObject", "DeleteObject", "DeleteObjects", "CopyObject",
        "ListObjects", "ListObjectsV2", "ListObjectVersions", "ListMultipartUploads",
        "ListParts", "CreateMultipartUpload", "UploadPart", "UploadPartCopy",
        "CompleteMultipartUpload", "AbortMultipartUpload", "GetObjectAttributes",
        "PutObjectLockConfiguration", "GetObjectLockConfiguration", "PutObjectRetention",
        "PutObjectLegalHold", "GetObjectLegalHold",
    }  # fmt: skip
    assert core <= operations, sorted(core - operations)


def test_operation_count_only_counts_steps_that_ran(
    ops_run: Callable[[Path], tuple[RunResult, set[str]]],
) -> None:
    """The YAML count matches the kinds that passed through the engine."""
    passed = {
        r.kind.removeprefix("s3.")
        for path in SUITES
        for r in ops_run(path)[0].results
        if r.status is Status.PASSED
    }
    assert exercised_operations() <= passed


def test_wrong_expectations_fail_with_clear_messages(
    moto_server: str, write_suite: Callable[..., Path], run_suite: Callable[..., RunResult]
) -> None:
    path = write_suite(
        TARGET
        + """\
groups:
  - name: wrong beliefs
    before:
      - s3.CreateBucket: {Bucket: "neg-${run.id}"}
      - s3.PutObject: {Bucket: "neg-${run.id}", Key: a.txt, Body: hello, ContentType: text/plain}
    test:
      - name: wrong sha256
        s3.GetObject: {Bucket: "neg-${run.id}", Key: a.txt}
        expect:
          body: {sha256: "0000000000000000000000000000000000000000000000000000000000000000"}
      - name: wrong range body
        s3.GetObject: {Bucket: "neg-${run.id}", Key: a.txt, Range: "bytes=0-3"}
        expect: {status: 206, body: {equals: hello}}
      - name: error that does not happen
        s3.GetObject: {Bucket: "neg-${run.id}", Key: a.txt}
        expect: {error: NoSuchKey}
      - name: wrong error code
        s3.GetObject: {Bucket: "neg-${run.id}", Key: missing.txt}
        expect: {error: NoSuchBucket}
      - name: wrong field
        s3.HeadObject: {Bucket: "neg-${run.id}", Key: a.txt}
        expect: {fields: {ContentType: text/html, ContentLength: 5}}
      - name: wrong status
        s3.HeadObject: {Bucket: "neg-${run.id}", Key: a.txt}
        expect: {status: 404}
      - name: missing output
        s3.ListObjectsV2: {Bucket: "neg-${run.id}"}
        outputs: {token: NextContinuationToken}
      - name: uses the missing output
        s3.ListObjectsV2: {Bucket: "neg-${run.id}", ContinuationToken: "${token}"}
    after:
      - s3.empty_bucket: {Bucket: "neg-${run.id}"}
"""
    )
    run = run_suite(path, {"ENDPOINT": moto_server})
    assert not run.ok
    steps = {r.name: r for r in run.results if r.phase is Phase.TEST}
    expected = {
        "wrong sha256": (
            Status.FAILED,
            "body sha256: expected 0000000000000000000000000000000000000000000000000000000000000000"
            ", got 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
        ),
        "wrong range body": (Status.FAILED, "body: expected 'hello', got 'hell'"),
        "error that does not happen": (
            Status.FAILED,
            "expected NoSuchKey, but the call succeeded",
        ),
        "wrong error code": (
            Status.FAILED,
            "expected NoSuchBucket, got NoSuchKey, HTTP 404: The specified key does not exist.",
        ),
        "wrong field": (Status.FAILED, "ContentType: expected 'text/html', got 'text/plain'"),
        "wrong status": (
            Status.FAILED,
            "expected HTTP 404, got 200",
        ),
        "missing output": (
            Status.FAILED,
            "output 'token': nothing at 'NextContinuationToken' in the response",
        ),
        "uses the missing output": (
            Status.ERROR,
            "output 'token' has no value yet: the step that declares it has not run or failed",
        ),
    }
    got = {name: (r.status, r.message) for name, r in steps.items()}
    assert got == expected, describe(list(steps.values()))
    # the expected-error step that failed kept the response for diagnosis
    assert steps["error that does not happen"].details["response"]["ContentLength"] == 5
    # setup and cleanup still passed around the failures
    others = [r for r in run.results if r.phase is not Phase.TEST]
    assert [r.status for r in others] == [Status.PASSED] * 3, describe(others)


def test_steps_against_a_missing_bucket_fail(
    moto_server: str, write_suite: Callable[..., Path], run_suite: Callable[..., RunResult]
) -> None:
    """Single calls, helpers and cleanup all report the missing bucket instead of passing."""
    path = write_suite(
        TARGET
        + """\
groups:
  - name: no bucket
    test:
      - s3.PutObject: {Bucket: "absent-${run.id}", Key: a.txt, Body: x}
      - s3.multipart_upload: {Bucket: "absent-${run.id}", Key: b.bin, Body: {size: 1KiB}}
      - s3.presigned_get: {Bucket: "absent-${run.id}", Key: a.txt}
        expect: {body: {equals: x}}
    after:
      - s3.empty_bucket: {Bucket: "absent-${run.id}"}
"""
    )
    run = run_suite(path, {"ENDPOINT": moto_server})
    results: dict[str, Any] = {r.kind: r for r in run.results}
    for kind in ("s3.PutObject", "s3.multipart_upload", "s3.presigned_get", "s3.empty_bucket"):
        step = results[kind]
        assert step.status is Status.FAILED, describe([step])
        assert step.error_code == "NoSuchBucket" and step.http_status == 404
        assert step.message.startswith("expected success, got NoSuchBucket, HTTP 404")
