"""Backup freshness through the engine: ``s3.newest_object`` on moto, ``files.newest`` on
files in a temporary directory with set modification times."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import jsonschema
import pytest
from botocore.config import Config

from assay.config.loader import load_suite
from assay.config.variables import Variables
from assay.core.checks import CHECKS
from assay.core.errors import SuiteError
from assay.core.results import RunResult, Status, StepResult
from tests.support.backups import age_object, write_backup

HOUR = 3600.0
DAY = 86400.0
Runner = Callable[..., RunResult]
Writer = Callable[..., Path]


def s3_steps(
    write_suite: Writer, run_suite: Runner, endpoint: str, steps: str, **variables: str
) -> list[StepResult]:
    """Run test steps (YAML list items, indented 6) against an s3 target on ``endpoint``."""
    path = write_suite(
        f"""\
targets:
  store:
    type: s3
    endpoint: {endpoint}
    path_style: true
    retries: {{max_attempts: 1}}
    credentials: {{backup: {{access_key: test, secret_key: test-secret}}}}
groups:
  - name: g
    test:
"""
        + steps
    )
    return run_suite(path, variables).results


@pytest.fixture
def bucket(s3_client: Any, request: pytest.FixtureRequest) -> str:
    """A fresh bucket on the session moto server."""
    name = f"backups-{abs(hash(request.node.name)) % 10**8}"
    s3_client.create_bucket(Bucket=name)
    return name


def test_s3_newest_object_picks_the_newest_under_the_prefix(
    write_suite: Writer, run_suite: Runner, moto_server: str, s3_client: Any, bucket: str
) -> None:
    for key, age in (("daily/db-1.dump", 3 * DAY), ("daily/db-2.dump", 2 * DAY)):
        s3_client.put_object(Bucket=bucket, Key=key, Body=b"x" * 4096)
        age_object(bucket, key, age)
    s3_client.put_object(Bucket=bucket, Key="daily/db-3.dump", Body=b"y" * 2048)
    age_object(bucket, "daily/db-3.dump", HOUR)
    s3_client.put_object(Bucket=bucket, Key="daily/", Body=b"")  # a folder marker
    s3_client.put_object(Bucket=bucket, Key="weekly/db.dump", Body=b"z")  # newer, elsewhere
    (result,) = s3_steps(
        write_suite,
        run_suite,
        moto_server,
        f"""\
      - s3.newest_object: {{Bucket: {bucket}, Prefix: daily/, max_age: "${{MAX_AGE}}", min_size: 2KiB}}
        debug: true
        outputs: {{latest: key}}
        expect:
          conditions: ["[OBJECT_AGE] < 2h", "[OBJECT_AGE] > 50m", "[OBJECT_SIZE] == 2048"]
""",
        MAX_AGE="26h",
    )
    assert result.status is Status.PASSED, result.message
    data = result.details["response"]
    assert (data["key"], data["size"], data["count"]) == ("daily/db-3.dump", 2048, 3)
    assert HOUR - 5 < data["age"] < HOUR + 60
    assert data["bucket"] == bucket and data["prefix"] == "daily/"
    assert data["etag"] == hashlib.md5(b"y" * 2048).hexdigest()  # S3's ETag of a single-part object


def test_s3_newest_object_too_old_too_small_and_empty_fail_clearly(
    write_suite: Writer, run_suite: Runner, moto_server: str, s3_client: Any, bucket: str
) -> None:
    s3_client.put_object(Bucket=bucket, Key="db/a.dump", Body=b"x" * 100)
    age_object(bucket, "db/a.dump", 30 * HOUR)
    old, small, both, empty, no_bucket, expected = s3_steps(
        write_suite,
        run_suite,
        moto_server,
        f"""\
      - s3.newest_object: {{Bucket: {bucket}, Prefix: db/, max_age: 26h}}
      - s3.newest_object: {{Bucket: {bucket}, Prefix: db/, min_size: 1KiB}}
      - s3.newest_object: {{bucket: {bucket}, prefix: db/, max_age: 1d, min_size: 101}}
      - s3.newest_object: {{Bucket: {bucket}, Prefix: nothing/}}
      - s3.newest_object: {{Bucket: {bucket}-missing}}
      - s3.newest_object: {{Bucket: {bucket}, Prefix: db/, max_age: 1d}}
        expect: {{error: TooOld}}
""",
    )
    assert (old.status, old.error_code) == (Status.FAILED, "TooOld")
    assert old.message.endswith(f"newest s3://{bucket}/db/a.dump is 1d6h old (max_age 1d2h)")
    assert (small.status, small.error_code) == (Status.FAILED, "TooSmall")
    assert small.message.endswith("has 100 bytes (min_size 1024)")
    assert (both.status, both.error_code) == (Status.FAILED, "TooOld")
    assert "(max_age 1d)" in both.message and "(min_size 101)" in both.message
    assert (empty.status, empty.error_code) == (Status.FAILED, "NoObjects")
    assert empty.message.endswith(f"no object under s3://{bucket}/nothing/")
    assert (no_bucket.status, no_bucket.error_code) == (Status.FAILED, "NoSuchBucket")
    assert expected.status is Status.PASSED, expected.message


def test_s3_newest_object_checksum_is_the_one_s3_stored(
    write_suite: Writer, run_suite: Runner, moto_server: str, s3_client: Any, bucket: str
) -> None:
    body = b"backup bytes" * 100
    s3_client.put_object(Bucket=bucket, Key="sums/a.tar", Body=body, ChecksumAlgorithm="SHA256")
    plain = boto3.client(
        "s3",
        endpoint_url=moto_server,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test-secret",
        config=Config(request_checksum_calculation="when_required"),  # sends none
    )
    plain.put_object(Bucket=bucket, Key="plain/a.tar", Body=body)
    summed, unsummed, unasked = s3_steps(
        write_suite,
        run_suite,
        moto_server,
        f"""\
      - s3.newest_object: {{Bucket: {bucket}, Prefix: sums/, checksum: true}}
        debug: true
      - s3.newest_object: {{Bucket: {bucket}, Prefix: plain/, checksum: "yes"}}
      - s3.newest_object: {{Bucket: {bucket}, Prefix: plain/}}
        debug: true
""",
    )
    assert summed.status is Status.PASSED, summed.message
    checksum = summed.details["response"]["checksum"]
    assert checksum["algorithm"] == "SHA256"
    assert checksum["value"] == base64.b64encode(hashlib.sha256(body).digest()).decode()
    assert (unsummed.status, unsummed.error_code) == (Status.FAILED, "ChecksumMissing")
    assert "has no stored checksum" in unsummed.message
    assert unasked.status is Status.PASSED and "checksum" not in unasked.details["response"]


def test_s3_newest_object_parameters_are_checked_at_load(write_suite: Writer) -> None:
    path = write_suite(
        """\
targets:
  store: {type: s3, endpoint: embedded}
groups:
  - name: g
    test:
      - s3.newest_object: {Bucket: b, max_age: soon}
      - s3.newest_object: {Bucket: b, min_size: lots, checksum: maybe}
      - s3.newest_object: {Bucket: b, Prefx: daily/}
      - s3.newest_object: {Prefix: daily/}
"""
    )
    with pytest.raises(SuiteError) as info:
        load_suite(path, Variables())
    texts = [str(p) for p in info.value.problems]

    def has(line: int, *words: str) -> bool:
        return any(f"suite.yaml:{line}" in t and all(w in t for w in words) for t in texts)

    assert has(6, "'max_age': expected a duration such as 30s"), texts
    assert has(7, "'min_size': invalid size 'lots'"), texts
    assert has(7, "checksum", "boolean"), texts
    assert has(8, "unknown parameter 'Prefx'", "did you mean 'Prefix'"), texts
    assert has(9, "missing required parameter 'Bucket'"), texts


# --- files.newest -----------------------------------------------------------------------------


def file_steps(
    write_suite: Writer, run_suite: Runner, directory: str, steps: str
) -> list[StepResult]:
    """Run test steps (YAML list items, indented 6) against a files target on ``directory``."""
    path = write_suite(
        f"""\
targets:
  backups: {{type: files, directory: "{directory}"}}
groups:
  - name: g
    test:
"""
        + steps,
        name="suites/backups.yaml",
    )
    return run_suite(path).results


def test_files_newest_picks_the_newest_match_relative_to_the_suite(
    write_suite: Writer, run_suite: Runner, tmp_path: Path
) -> None:
    root = tmp_path / "backups"
    write_backup(root / "db" / "2024-01-01.dump", 5000, 3 * DAY)
    write_backup(root / "db" / "nested" / "2024-01-03.dump", 3000, 2 * HOUR)
    write_backup(root / "db" / "2024-01-02.dump", 4000, DAY)
    write_backup(root / "db" / "notes.txt", 1, 60)  # newest, but not a dump
    (root / "db" / "dir.dump").mkdir()  # a directory is not a backup
    (result,) = file_steps(
        write_suite,
        run_suite,
        "../backups",
        """\
      - files.newest: {glob: "db/**/*.dump", max_age: 3h, min_size: 1KiB}
        debug: true
        expect: {conditions: ["[OBJECT_AGE] < 3h", "[OBJECT_SIZE] >= 3000"]}
""",
    )
    assert result.status is Status.PASSED, result.message
    data = result.details["response"]
    assert data["directory"] == str(root)
    assert (data["path"], data["size"], data["count"]) == ("db/nested/2024-01-03.dump", 3000, 3)
    assert 2 * HOUR - 5 < data["age"] < 2 * HOUR + 60


def test_files_newest_failures_are_clear_and_a_missing_directory_unreachable(
    write_suite: Writer, run_suite: Runner, tmp_path: Path
) -> None:
    write_backup(tmp_path / "b" / "old.tar", 10, 2 * DAY)
    old, small, none = file_steps(
        write_suite,
        run_suite,
        str(tmp_path / "b"),
        """\
      - files.newest: {glob: "*.tar", max_age: 26h}
      - files.newest: {glob: "*.tar", min_size: 1MiB}
      - files.newest: {glob: "*.tar.gz"}
""",
    )
    assert (old.status, old.error_code) == (Status.FAILED, "TooOld")
    assert old.message.endswith(f"newest {tmp_path / 'b' / 'old.tar'} is 2d old (max_age 1d2h)")
    assert (small.status, small.error_code) == (Status.FAILED, "TooSmall")
    assert (none.status, none.error_code) == (Status.FAILED, "NoFiles")
    assert none.message.endswith(f"no file matches *.tar.gz in {tmp_path / 'b'}")
    (missing,) = file_steps(
        write_suite, run_suite, str(tmp_path / "unmounted"), "      - files.newest: {glob: '*'}\n"
    )
    assert (missing.status, missing.error_code) == (Status.ERROR, "DirectoryNotFound")
    assert missing.details["unreachable"] is True


def test_files_newest_checksum_is_the_sha256_file_beside_it(
    write_suite: Writer, run_suite: Runner, tmp_path: Path
) -> None:
    good, bad, lone = (tmp_path / n for n in ("good", "bad", "lone"))
    content = b"pg_dump output" * 1000
    digest = hashlib.sha256(content).hexdigest()
    write_backup(good / "db.dump", 0, HOUR, content)
    write_backup(good / "db.dump.sha256", 0, 60, f"{digest}  db.dump\n".encode())
    write_backup(bad / "db.dump", 0, HOUR, content)
    write_backup(bad / "db.dump.sha256", 0, 60, ("0" * 64).encode())
    write_backup(lone / "db.dump", 0, HOUR, content)
    results = [
        file_steps(
            write_suite,
            run_suite,
            str(directory),
            '      - files.newest: {glob: "db.*", checksum: true}\n        debug: true\n',
        )[0]
        for directory in (good, bad, lone)
    ]
    ok, mismatch, missing = results
    assert ok.status is Status.PASSED, ok.message
    assert ok.details["response"]["path"] == "db.dump"  # its .sha256 is newer, not a candidate
    assert ok.details["response"]["checksum"] == {
        "algorithm": "SHA256",
        "file": "db.dump.sha256",
        "value": digest,
        "expected": digest,
        "matches": True,
    }
    assert (mismatch.status, mismatch.error_code) == (Status.FAILED, "ChecksumMismatch")
    assert f"has SHA-256 {digest}, db.dump.sha256 says {'0' * 64}" in mismatch.message
    assert (missing.status, missing.error_code) == (Status.FAILED, "ChecksumMissing")
    assert f"no checksum file {lone / 'db.dump.sha256'}" in missing.message


def test_files_parameters_and_settings_are_checked_at_load(write_suite: Writer) -> None:
    path = write_suite(
        """\
targets:
  backups: {type: files, directory: /var/backups, dir: x}
  other: {type: files, directory: /var/backups}
groups:
  - name: g
    target: other
    test:
      - files.newest: {glob: /var/backups/*.tar}
      - files.newest: {glob: "*.tar", max_age: soon, min_size: -1}
      - files.newest: {glb: "*.tar"}
"""
    )
    with pytest.raises(SuiteError) as info:
        load_suite(path, Variables())
    texts = [str(p) for p in info.value.problems]

    def has(line: int, *words: str) -> bool:
        return any(f"suite.yaml:{line}" in t and all(w in t for w in words) for t in texts)

    assert has(2, "unknown key 'dir'", "did you mean 'directory'"), texts
    assert has(8, "'glob' is relative to the target's directory"), texts
    assert has(9, "'max_age': expected a duration"), texts
    assert has(9, "'min_size': invalid size -1"), texts
    assert has(10, "unknown parameter 'glb'", "did you mean 'glob'"), texts


def test_freshness_kinds_publish_their_schemas() -> None:
    for name, family in (("s3.newest_object", "s3"), ("files.newest", "files")):
        kind = CHECKS.get(name)
        assert kind is not None and kind.family == family
        schema = kind.params_schema()
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["additionalProperties"] is False
        jsonschema.validate(
            {"max_age": "26h", "min_size": "5MiB", "checksum": "${C}"}, {**schema, "required": []}
        )
