"""Malformed suites: every problem names the file, the line and the key, with suggestions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from assay.config.loader import load_suite
from assay.config.variables import Variables
from assay.core.errors import SuiteError

GOOD_TARGET = """\
targets:
  store:
    type: s3
    endpoint: embedded
    credentials:
      owner: {access_key: AKIAOWNER, secret_key: owner-secret}
"""


def problems(path: Path, **env: str) -> list[str]:
    with pytest.raises(SuiteError) as info:
        load_suite(path, Variables(environ=env))
    return [str(p) for p in info.value.problems]


def test_invalid_yaml_names_file_and_line(write_suite: Callable[..., Path]) -> None:
    path = write_suite("targets:\n  store: {type: s3\ngroups: []\n")
    (text,) = problems(path)
    assert "suite.yaml:3" in text
    assert "invalid YAML" in text


def test_unknown_top_level_key_suggests_closest(write_suite: Callable[..., Path]) -> None:
    path = write_suite(GOOD_TARGET + "grups: []\n")
    (text,) = problems(path)
    assert "suite.yaml:7" in text
    assert "unknown key 'grups'" in text
    assert "did you mean 'groups'" in text


def test_unknown_step_option_is_an_unknown_kind(write_suite: Callable[..., Path]) -> None:
    path = write_suite(
        GOOD_TARGET
        + """\
groups:
  - name: g
    test:
      - s3.PutObjekt: {Bucket: b, Key: k}
"""
    )
    (text,) = problems(path)
    assert "suite.yaml:10" in text
    assert "unknown check kind 's3.PutObjekt'" in text
    assert "did you mean 's3.PutObject'" in text


def test_unknown_parameter_is_checked_against_botocore(write_suite: Callable[..., Path]) -> None:
    path = write_suite(
        GOOD_TARGET
        + """\
groups:
  - name: g
    test:
      - s3.PutObject:
          Bucket: b
          Kee: k
"""
    )
    texts = problems(path)
    assert any(
        "suite.yaml:12" in t and "unknown parameter 'Kee'" in t and "'Key'" in t for t in texts
    ), texts
    assert any("missing required parameter 'Key'" in t for t in texts), texts


def test_bad_enum_value_is_reported(write_suite: Callable[..., Path]) -> None:
    path = write_suite(
        GOOD_TARGET
        + """\
groups:
  - name: g
    test:
      - s3.PutObject: {Bucket: b, Key: k, StorageClass: STANDART}
"""
    )
    (text,) = problems(path)
    assert "StorageClass" in text and "did you mean 'STANDARD'" in text


def test_unknown_credential_is_an_error(write_suite: Callable[..., Path]) -> None:
    path = write_suite(
        GOOD_TARGET
        + """\
groups:
  - name: g
    as: ownr
    test:
      - s3.ListBuckets: {}
        as: nobody
"""
    )
    texts = problems(path)
    assert any(
        "suite.yaml:9" in t and "unknown credential 'ownr'" in t and "did you mean 'owner'" in t
        for t in texts
    ), texts
    assert any("suite.yaml:12" in t and "unknown credential 'nobody'" in t for t in texts)


def test_duplicate_legacy_credential_names_are_an_error(write_suite: Callable[..., Path]) -> None:
    path = write_suite("""\
config:
  endpoint_url: embedded
  credentials:
    - {name: a, access_key: k, secret_key: s}
    - {name: a, access_key: k2, secret_key: s2}
test_cases:
  groups: []
""")
    (text,) = problems(path)
    assert "suite.yaml:5" in text and "duplicate" in text and "'a'" in text


def test_missing_body_file_names_the_line(write_suite: Callable[..., Path]) -> None:
    path = write_suite(
        GOOD_TARGET
        + """\
groups:
  - name: g
    test:
      - s3.PutObject: {Bucket: b, Key: k, Body: "file://nope/missing.txt"}
"""
    )
    (text,) = problems(path)
    assert "suite.yaml:10" in text and "file not found: file://nope/missing.txt" in text


def test_missing_suite_file() -> None:
    with pytest.raises(SuiteError, match="does-not-exist.yaml: file not found"):
        load_suite("does-not-exist.yaml")


def test_include_cycle_is_reported_with_its_path(write_suite: Callable[..., Path]) -> None:
    write_suite("include: [b.yaml]\n", name="a.yaml")
    write_suite("include: [a.yaml]\n", name="b.yaml")
    root = write_suite("include: [a.yaml]\n" + GOOD_TARGET + "groups: []\n", name="root.yaml")
    (text,) = problems(root)
    assert "include cycle" in text
    assert "a.yaml -> " in text and "b.yaml -> " in text
    assert "b.yaml:1" in text


def test_missing_include_names_the_including_line(write_suite: Callable[..., Path]) -> None:
    path = write_suite(GOOD_TARGET + "include:\n  - other.yaml\ngroups: []\n")
    (text,) = problems(path)
    assert "suite.yaml:8" in text and "included file not found: other.yaml" in text


def test_undefined_variable_suggests_and_explains(write_suite: Callable[..., Path]) -> None:
    path = write_suite(
        GOOD_TARGET
        + """\
variables: {bucket_prefix: demo}
groups:
  - name: g
    test:
      - s3.HeadBucket: {Bucket: "${bucket_prefx}-x"}
"""
    )
    (text,) = problems(path)
    assert "suite.yaml:11" in text
    assert "undefined variable '${bucket_prefx}'" in text
    assert "did you mean 'bucket_prefix'" in text


def test_duplicate_keys_are_an_error(write_suite: Callable[..., Path]) -> None:
    path = write_suite(GOOD_TARGET + "groups: []\ngroups: []\n")
    (text,) = problems(path)
    assert "suite.yaml:8" in text and "duplicate key 'groups'" in text and "line 7" in text


def test_kind_needs_matching_target_type_and_step_needs_one_kind(
    write_suite: Callable[..., Path],
) -> None:
    path = write_suite(
        GOOD_TARGET
        + """\
groups:
  - name: g
    test:
      - s3.ListBuckets: {}
        s3.HeadBucket: {Bucket: b}
      - expect: {success: true}
"""
    )
    texts = problems(path)
    assert any("suite.yaml:10" in t and "one check kind" in t for t in texts), texts
    assert any("suite.yaml:12" in t and "needs a check kind" in t for t in texts), texts


def test_every_problem_is_reported_at_once(write_suite: Callable[..., Path]) -> None:
    path = write_suite(
        GOOD_TARGET
        + """\
groups:
  - name: g
    test:
      - s3.PutObjekt: {}
      - s3.HeadBucket: {Buckit: b}
"""
    )
    texts = problems(path)
    assert len(texts) >= 2


def test_group_with_several_targets_must_name_one(write_suite: Callable[..., Path]) -> None:
    path = write_suite(
        GOOD_TARGET
        + """\
  other: {type: s3, endpoint: embedded}
groups:
  - name: g
    test: [{s3.ListBuckets: {}}]
"""
    )
    (text,) = problems(path)
    assert "must name its target" in text and "suite.yaml:9" in text


def test_unknown_target_type_suggests(write_suite: Callable[..., Path]) -> None:
    path = write_suite("targets:\n  x: {type: s4}\ngroups: []\n")
    (text,) = problems(path)
    assert "unknown target type 's4'" in text and "'s3'" in text and "suite.yaml:2" in text


def test_wrong_type_for_a_setting(write_suite: Callable[..., Path]) -> None:
    path = write_suite(GOOD_TARGET + "    timeout: soon\ngroups: []\n")
    (text,) = problems(path)
    assert "suite.yaml:7" in text and "timeout" in text and "number" in text


def test_bad_generated_body_and_paths_are_load_errors(write_suite: Callable[..., Path]) -> None:
    path = write_suite(
        GOOD_TARGET
        + """\
groups:
  - name: g
    test:
      - s3.PutObject: {Bucket: b, Key: k, Body: {size: lots}}
      - s3.PutObject: {Bucket: b, Key: k, Body: {size: 1KiB, colour: red}}
      - s3.ListObjectsV2: {Bucket: b}
        outputs: {first: "Contents[["}
        expect: {fields: {"KeyCount ==": 1}}
"""
    )
    texts = problems(path)
    assert any("suite.yaml:10" in t and "invalid size 'lots'" in t for t in texts), texts
    assert any("suite.yaml:11" in t and "not colour" in t for t in texts), texts
    assert any("suite.yaml:13" in t and "invalid JMESPath 'Contents[['" in t for t in texts), texts
    assert any("suite.yaml:14" in t and "invalid JMESPath 'KeyCount =='" in t for t in texts), texts


def test_infinite_timeout_and_bad_parallel_are_rejected(write_suite: Callable[..., Path]) -> None:
    (text,) = problems(write_suite(GOOD_TARGET + "    timeout: .inf\ngroups: []\n"))
    assert "suite.yaml:7" in text and "timeout" in text and "finite" in text
    (text,) = problems(write_suite(GOOD_TARGET + "parallel: -3\ngroups: []\n", name="p.yaml"))
    assert "p.yaml:7" in text and "parallel" in text
