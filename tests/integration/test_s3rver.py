"""s3rver as a second S3 implementation: a portable suite, and what s3rver does not implement.

The portable suite passes unchanged against moto and s3rver. s3rver answers 501 NotImplemented
to many bucket and object sub-resources; assay must report those as FAILED (the target
misbehaved, not the tool), with the code, the status and one attempt, and a step expecting
NotImplemented passes. Operations s3rver answers wrongly in other ways are pinned too.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from assay.core.results import Phase, RunResult, Status, StepResult
from tests.support.s3rver import S3RVER_KEYS

PORTABLE = Path(__file__).parent / "suites" / "portable.yaml"
ROOT = Path(__file__).resolve().parents[2]
MOTO_KEYS = {"ACCESS_KEY": "test", "SECRET_KEY": "test-secret"}
NOT_IMPLEMENTED = "the target does not implement this operation (HTTP 501)"

Runner = Callable[..., RunResult]
needs_s3rver = pytest.mark.s3rver

TARGET: dict[str, Any] = {
    "store": {
        "type": "s3",
        "endpoint": "${ENDPOINT}",
        "path_style": True,
        "timeout": 10,
        # retries are on: a 501 must still take exactly one attempt
        "retries": {"max_attempts": 3, "base_delay": 0.01, "max_delay": 0.05},
        "credentials": {"main": {"access_key": "${ACCESS_KEY}", "secret_key": "${SECRET_KEY}"}},
    }
}
BUCKET = "ni-${run.id}"
KEY = "object.txt"

# Operations the pinned s3rver (3.7.1) answers with 501 NotImplemented, verified one by one.
NOT_IMPLEMENTED_OPS: dict[str, dict[str, Any]] = {
    "PutBucketEncryption": {
        "ServerSideEncryptionConfiguration": {
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        }
    },
    "GetBucketEncryption": {},
    "DeleteBucketEncryption": {},
    "PutPublicAccessBlock": {
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True}
    },
    "GetPublicAccessBlock": {},
    "DeletePublicAccessBlock": {},
    "PutBucketLifecycleConfiguration": {
        "LifecycleConfiguration": {
            "Rules": [
                {
                    "ID": "r",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "Expiration": {"Days": 1},
                }
            ]
        }
    },
    "GetBucketLifecycleConfiguration": {},
    "DeleteBucketLifecycle": {},
    "PutBucketTagging": {"Tagging": {"TagSet": [{"Key": "team", "Value": "assay"}]}},
    "GetBucketTagging": {},
    "DeleteBucketTagging": {},
    "PutBucketPolicy": {"Policy": '{"Version": "2012-10-17", "Statement": []}'},
    "DeleteBucketPolicy": {},
    "GetBucketPolicyStatus": {},
    "GetBucketAcl": {},
    "PutBucketAcl": {"ACL": "private"},
    "GetBucketReplication": {},
    "GetBucketNotificationConfiguration": {},
    "PutBucketNotificationConfiguration": {"NotificationConfiguration": {}},
    "GetBucketRequestPayment": {},
    "PutBucketRequestPayment": {"RequestPaymentConfiguration": {"Payer": "BucketOwner"}},
    "GetObjectLockConfiguration": {},
    "ListMultipartUploads": {},
    "GetObjectRetention": {"Key": KEY},
    "GetObjectLegalHold": {"Key": KEY},
    "PutObjectAcl": {"Key": KEY, "ACL": "private"},
    "DeleteObjectTagging": {"Key": KEY},  # s3rver sends this one without a message
    "UploadPartCopy": {
        "Key": KEY,
        "UploadId": "no-such-upload",
        "PartNumber": 1,
        "CopySource": f"{BUCKET}/{KEY}",
    },
}


@pytest.fixture
def s3rver_vars(s3rver_server: str) -> dict[str, str]:
    return {"ENDPOINT": s3rver_server, **S3RVER_KEYS}


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[[dict[str, Any]], Path]:
    def write(suite: dict[str, Any]) -> Path:
        path = tmp_path / "suite.yaml"
        path.write_text(yaml.safe_dump(suite, sort_keys=False), encoding="utf-8")
        return path

    return write


def steps_suite(*tests: dict[str, Any]) -> dict[str, Any]:
    """A bucket holding one object, the given test steps, and cleanup that works on s3rver."""
    bucket = {"Bucket": BUCKET}
    return {
        "targets": TARGET,
        "groups": [
            {
                "name": "s3rver",
                "before": [
                    {"s3.CreateBucket": bucket},
                    {"s3.PutObject": {**bucket, "Key": KEY, "Body": "x"}},
                ],
                "test": list(tests),
                # not s3.empty_bucket: s3rver has no ListObjectVersions (405)
                "after": [
                    {"s3.DeleteObject": {**bucket, "Key": KEY}},
                    {"s3.DeleteBucket": bucket},
                ],
            }
        ],
    }


def by_phase(run: RunResult, phase: Phase) -> list[StepResult]:
    return [r for r in run.results if r.phase is phase]


def assert_all_passed(run: RunResult) -> None:
    bad = [f"{r.id} {r.kind}: {r.status} {r.message}" for r in run.results if r.status != "passed"]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(
    "server", ["moto", pytest.param("s3rver", marks=needs_s3rver)], ids=["moto", "s3rver"]
)
def test_portable_suite_passes_on_both_servers(
    server: str, request: pytest.FixtureRequest, run_suite: Runner
) -> None:
    url = request.getfixturevalue(f"{server}_server")
    keys = S3RVER_KEYS if server == "s3rver" else MOTO_KEYS
    run = run_suite(PORTABLE, variables={"ENDPOINT": url, **keys})
    assert_all_passed(run)
    assert len(by_phase(run, Phase.TEST)) == 15
    assert len(by_phase(run, Phase.AFTER)) == 5
    assert all(r.attempts == 1 for r in run.results)


@needs_s3rver
@pytest.mark.parametrize("operation", list(NOT_IMPLEMENTED_OPS))
def test_not_implemented_is_a_clean_failure(
    operation: str,
    s3rver_vars: dict[str, str],
    write_yaml: Callable[[dict[str, Any]], Path],
    run_suite: Runner,
) -> None:
    params = {"Bucket": BUCKET, **NOT_IMPLEMENTED_OPS[operation]}
    kind = f"s3.{operation}"
    path = write_yaml(
        steps_suite(
            {"name": "unexpected", kind: params},
            {"name": "expected", kind: params, "expect": {"error": "NotImplemented"}},
            {"name": "by status", kind: params, "expect": {"status": 501}},
        )
    )
    run = run_suite(path, variables=s3rver_vars)

    unexpected, expected, by_status = by_phase(run, Phase.TEST)
    assert unexpected.status is Status.FAILED, unexpected.message
    assert unexpected.error_code == "NotImplemented"
    assert unexpected.http_status == 501
    assert unexpected.attempts == 1, unexpected.details.get("retried")
    assert "retried" not in unexpected.details
    assert f"got NotImplemented, HTTP 501: {NOT_IMPLEMENTED}" in unexpected.message
    assert not unexpected.message.rstrip().endswith(":")
    assert unexpected.details["response"]["Error"]["Code"] == "NotImplemented"
    assert "None" not in unexpected.details["response"]["Error"].values()

    for step in (expected, by_status):
        assert step.status is Status.PASSED, step.message
        assert step.attempts == 1
        assert step.message.startswith("got expected NotImplemented, HTTP 501")

    assert [r.status for r in run.results if r.phase is not Phase.TEST] == [Status.PASSED] * 4


@needs_s3rver
def test_s3rver_quirks_are_reported_as_what_they_are(
    s3rver_vars: dict[str, str],
    write_yaml: Callable[[dict[str, Any]], Path],
    run_suite: Runner,
) -> None:
    """Not every gap of s3rver is a 501; assay reports each one as the server answered it."""
    bucket = {"Bucket": BUCKET}
    path = write_yaml(
        steps_suite(
            # 'versioning' is missing from s3rver's sub-resource list: PUT is taken for
            # CreateBucket (and would create a missing bucket with status 200)
            {
                "s3.PutBucketVersioning": {
                    **bucket,
                    "VersioningConfiguration": {"Status": "Enabled"},
                }
            },
            {"s3.GetBucketPolicy": bucket},
            {"s3.ListObjectVersions": bucket},
            # s3rver ignores ?attributes and sends the object; botocore cannot parse that as
            # the operation's XML and reports HTTP 500 without an error document
            {
                "s3.GetObjectAttributes": {**bucket, "Key": KEY, "ObjectAttributes": ["ETag"]},
                "retries": 1,
            },
            # the cleanup helper falls back to plain listings where versions are unsupported
            {"s3.empty_bucket": {**bucket, "DeleteBucket": False}},
            {"s3.ListObjectsV2": bucket, "expect": {"fields": {"KeyCount": 0}}},
        )
    )
    run = run_suite(path, variables=s3rver_vars)

    outcomes = [(r.kind, r.status, r.error_code, r.http_status) for r in by_phase(run, Phase.TEST)]
    assert outcomes == [
        ("s3.PutBucketVersioning", Status.FAILED, "BucketAlreadyExists", 409),
        ("s3.GetBucketPolicy", Status.FAILED, "MethodNotAllowed", 405),
        ("s3.ListObjectVersions", Status.FAILED, "MethodNotAllowed", 405),
        ("s3.GetObjectAttributes", Status.FAILED, None, 500),
        ("s3.empty_bucket", Status.PASSED, None, 200),
        ("s3.ListObjectsV2", Status.PASSED, None, 200),
    ]
    attributes = by_phase(run, Phase.TEST)[-3]
    assert "no S3 error document" in attributes.message
    assert "HEAD" not in attributes.message
    assert [r.status for r in run.results if r.phase is not Phase.TEST] == [Status.PASSED] * 4


@needs_s3rver
def test_cli_reports_not_implemented_as_json_without_a_traceback(
    s3rver_vars: dict[str, str], write_yaml: Callable[[dict[str, Any]], Path]
) -> None:
    bucket = {"Bucket": BUCKET}
    encryption = {**bucket, **NOT_IMPLEMENTED_OPS["PutBucketEncryption"]}
    path = write_yaml(
        steps_suite(
            {"name": "encryption", "s3.PutBucketEncryption": encryption},
            {
                "name": "lifecycle, expected",
                "s3.GetBucketLifecycleConfiguration": bucket,
                "expect": {"error": "NotImplemented"},
            },
        )
    )
    variables = [arg for k, v in s3rver_vars.items() for arg in ("--var", f"{k}={v}")]
    done = subprocess.run(
        [sys.executable, "-m", "assay", "run", str(path), "--format", "json", *variables],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )

    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert report["summary"] == {"passed": 5, "failed": 1, "error": 0, "skipped": 0, "total": 6}
    results = {r["name"]: r for r in report["results"]}
    failed = results["encryption"]
    assert failed["status"] == "failed"
    assert failed["error_code"] == "NotImplemented"
    assert failed["http_status"] == 501
    assert failed["attempts"] == 1
    assert NOT_IMPLEMENTED in failed["message"]
    passed = results["lifecycle, expected"]
    assert passed["status"] == "passed"
    assert passed["error_code"] == "NotImplemented"
    assert passed["attempts"] == 1
