"""Two credential sets on moto with IAM enforcement: allowed vs AccessDenied, and no leaks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assay.core.results import RunResult, Status
from tests.support.moto_process import EVERYTHING, READ_ONLY, Keys, MotoProcess

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def iam_moto() -> Iterator[tuple[MotoProcess, Keys, Keys]]:
    moto = MotoProcess()
    try:
        owner = moto.user("owner", EVERYTHING)
        reader = moto.user("reader", READ_ONLY)
        moto.enforce_iam()
        yield moto, owner, reader
    finally:
        moto.close()


def env_for(moto: MotoProcess, owner: Keys, reader: Keys) -> dict[str, str]:
    return {
        "S3_ENDPOINT": moto.url,
        "OWNER_KEY": owner.access_key,
        "OWNER_SECRET": owner.secret_key,
        "READER_KEY": reader.access_key,
        "READER_SECRET": reader.secret_key,
    }


def test_permissions_example_distinguishes_allowed_from_denied(
    iam_moto: tuple[MotoProcess, Keys, Keys], run_suite: Callable[..., RunResult]
) -> None:
    run = run_suite(ROOT / "examples/permissions.yaml", env_for(*iam_moto))
    bad = [(r.name, r.message) for r in run.results if r.status is not Status.PASSED]
    assert not bad
    denied = [r for r in run.results if r.error_code == "AccessDenied"]
    assert len(denied) == 3 and all(r.credential == "reader" for r in denied)


def test_permissions_wrong_expectations_fail(
    iam_moto: tuple[MotoProcess, Keys, Keys],
    write_suite: Callable[..., Path],
    run_suite: Callable[..., RunResult],
) -> None:
    path = write_suite("""\
targets:
  store:
    type: s3
    endpoint: "${S3_ENDPOINT}"
    path_style: true
    credentials:
      owner: {access_key: "${OWNER_KEY}", secret_key: "${OWNER_SECRET}"}
      reader: {access_key: "${READER_KEY}", secret_key: "${READER_SECRET}"}
groups:
  - name: wrong beliefs
    as: owner
    before: [{s3.CreateBucket: {Bucket: "wrong-${run.id}"}}]
    test:
      - name: believes the reader may write
        s3.PutObject: {Bucket: "wrong-${run.id}", Key: a, Body: x}
        as: reader
      - name: believes the owner is denied
        s3.PutObject: {Bucket: "wrong-${run.id}", Key: b, Body: x}
        expect: {error: AccessDenied}
    after: [{s3.empty_bucket: {Bucket: "wrong-${run.id}"}}]
""")
    run = run_suite(path, env_for(*iam_moto))
    tests = {r.name: r for r in run.results if r.phase.value == "test"}
    writer = tests["believes the reader may write"]
    assert writer.status is Status.FAILED and writer.error_code == "AccessDenied"
    assert "expected success, got AccessDenied, HTTP 403" in writer.message
    owner = tests["believes the owner is denied"]
    assert owner.status is Status.FAILED
    assert owner.message == "expected AccessDenied, but the call succeeded"


def test_permissions_secrets_never_leak(
    iam_moto: tuple[MotoProcess, Keys, Keys], write_suite: Callable[..., Path]
) -> None:
    moto, owner, _ = iam_moto
    path = write_suite("""\
targets:
  store:
    type: s3
    endpoint: "${S3_ENDPOINT}"
    path_style: true
    credentials:
      good: {access_key: "${OWNER_KEY}", secret_key: "${OWNER_SECRET}"}
      forged: {access_key: "${OWNER_KEY}", secret_key: "${FORGED_SECRET}"}
groups:
  - name: leaks
    test:
      - s3.ListBuckets: {}
        as: forged
        debug: true
      - s3.ListBuckets: {}
        as: good
        debug: true
      - name: a secret echoed back in parameters
        s3.PutObject: {Bucket: "no-bucket-${run.id}", Key: k, Body: x,
                       Metadata: {note: "${OWNER_SECRET}"}}
        as: good
        debug: true
        expect: {error: NoSuchBucket}
""")
    forged = "forged-secret-value-that-must-not-leak"
    env = {
        **os.environ,
        "S3_ENDPOINT": moto.url,
        "OWNER_KEY": owner.access_key,
        "OWNER_SECRET": owner.secret_key,
        "FORGED_SECRET": forged,
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "assay",
            "run",
            str(path),
            "--format",
            "json",
            "--log-format",
            "json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["results"][0]["error_code"] == "SignatureDoesNotMatch"
    everything = done.stdout + done.stderr
    for secret in (forged, owner.secret_key, owner.access_key):
        assert secret not in everything
    echoed = report["results"][2]["details"]["response"]["parameters"]["Metadata"]
    assert echoed == {"note": "***"}
