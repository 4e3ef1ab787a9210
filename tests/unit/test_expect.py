"""Expectation evaluation: every mismatch raises CheckFailure with a readable message."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from assay.config.models import Expectation
from assay.core.checks import Observation
from assay.core.errors import CheckFailure
from assay.engine.expect import evaluate, subset


def expect(**kw: Any) -> Expectation:
    return Expectation.model_validate(kw)


OK = Observation(
    success=True,
    http_status=200,
    data={"ETag": '"abc"', "ContentLength": 5, "Rules": [{"ID": "r1", "Status": "Enabled"}]},
    body=b"hello",
    body_digest={
        "size": 5,
        "md5": hashlib.md5(b"hello").hexdigest(),
        "sha256": hashlib.sha256(b"hello").hexdigest(),
    },
)
DENIED = Observation(success=False, error_code="AccessDenied", http_status=403, message="no")
BARE = Observation(success=False, error_code=None, http_status=403, message="HEAD")


def test_expect_default_is_success() -> None:
    evaluate(expect(), OK)
    with pytest.raises(CheckFailure, match="expected success, got AccessDenied, HTTP 403"):
        evaluate(expect(), DENIED)


def test_expect_error_code() -> None:
    evaluate(expect(error="AccessDenied"), DENIED)
    evaluate(expect(error=["NoSuchKey", "AccessDenied"]), DENIED)
    with pytest.raises(CheckFailure, match="expected NoSuchKey, got AccessDenied"):
        evaluate(expect(error="NoSuchKey"), DENIED)
    with pytest.raises(CheckFailure, match="expected AccessDenied, but the call succeeded"):
        evaluate(expect(error="AccessDenied"), OK)


def test_expect_bare_403_is_reported_as_such_with_a_hint() -> None:
    with pytest.raises(CheckFailure, match=r"HTTP 403 \(HEAD\).*expect status: 403"):
        evaluate(expect(error="AccessDenied"), BARE)
    evaluate(expect(success=False, status=403), BARE)


def test_expect_fields_values_and_matchers() -> None:
    evaluate(
        expect(
            fields={
                "ContentLength": 5,
                "ETag": {"regex": '^"[a-z]+"$'},
                "Rules[0].ID": "r1",
                "Rules": {"length": 1},
                "Missing": {"exists": False},
            }
        ),
        OK,
    )
    with pytest.raises(CheckFailure, match=r"ContentLength: expected 6, got 5"):
        evaluate(expect(fields={"ContentLength": 6}), OK)
    with pytest.raises(CheckFailure, match=r"ETag: .* does not match"):
        evaluate(expect(fields={"ETag": {"regex": "^zzz$"}}), OK)


def test_expect_contains_is_a_subset_with_regular_expressions() -> None:
    evaluate(expect(contains={"Rules": [{"ID": "r1", "Status": "Enab.*"}]}), OK)
    texts = [f.text for f in subset({"Rules": [{"ID": "r2"}]}, OK.data)]
    assert texts == ['Rules: no item matches {"ID": "r2"}']
    assert [f.text for f in subset({"Nope": 1}, OK.data)] == ["response: missing 'Nope'"]


def test_expect_body(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_bytes(b"hello")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"hullo")
    evaluate(
        expect(
            body={
                "equals": "hello",
                "size": 5,
                "file": f"file://{good}",
                "sha256": hashlib.sha256(b"hello").hexdigest(),
            }
        ),
        OK,
    )
    with pytest.raises(CheckFailure, match="body: differs from"):
        evaluate(expect(body={"file": f"file://{bad}"}), OK)
    with pytest.raises(CheckFailure, match="body size: expected 6, got 5"):
        evaluate(expect(body={"size": 6}), OK)


def test_expect_status() -> None:
    evaluate(expect(status=[200, 204]), OK)
    with pytest.raises(CheckFailure, match="expected HTTP 206, got 200"):
        evaluate(expect(status=206), OK)


def test_expect_fields_lists_are_exact_not_subsets() -> None:
    data = Observation(success=True, data={"Keys": ["a/3.txt", "b/1.txt"]})
    evaluate(expect(fields={"Keys": ["a/3.txt", "b/1.txt"]}), data)
    with pytest.raises(CheckFailure, match=r"Keys: expected \[\"a/3.txt\"\]"):
        evaluate(expect(fields={"Keys": ["a/3.txt"]}), data)
    with pytest.raises(CheckFailure, match="Keys: expected"):
        evaluate(expect(fields={"Keys": ["a/.*", "b/1.txt"]}), data)


def test_expect_not_modified_status_alone_means_an_expected_failure() -> None:
    not_modified = Observation(success=False, error_code=None, http_status=304)
    evaluate(expect(status=304), not_modified)
    with pytest.raises(CheckFailure, match="expected HTTP 304, got 200"):
        evaluate(expect(status=304), OK)


def test_expect_digest_given_as_yaml_integer() -> None:
    assert expect(body={"md5": 12345}).body.md5 == "12345"  # type: ignore[union-attr]
