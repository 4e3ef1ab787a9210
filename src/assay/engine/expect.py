"""Comparing an observation with a step's expectation; mismatches raise ``CheckFailure``
carrying one ``Failure`` (data: the part, the subject, seen, wanted; and its text) each."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError

from assay.config.models import BodyExpectation, Expectation
from assay.core.checks import Observation
from assay.core.conditions import Condition, ConditionError
from assay.core.conditions import parse as parse_condition
from assay.core.errors import CheckFailure
from assay.core.failures import Failure, Part, failure

MATCHERS = {"equals", "regex", "contains", "exists", "length"}


def describe_outcome(obs: Observation) -> str:
    if obs.success:
        return f"success (HTTP {obs.http_status})" if obs.http_status else "success"
    if obs.error_code is None and obs.http_status:
        return f"HTTP {obs.http_status}" + (f" ({obs.message})" if obs.message else "")
    code = obs.error_code or "an error"
    status = f", HTTP {obs.http_status}" if obs.http_status else ""
    message = f": {obs.message}" if obs.message else ""
    return f"{code}{status}{message}"


def _same(expected: Any, actual: Any) -> bool:
    if expected == actual:
        return True
    if isinstance(expected, bool) or isinstance(actual, bool):
        return str(expected).lower() == str(actual).lower()
    if isinstance(expected, int | float | str) and isinstance(actual, int | float | str):
        return str(expected) == str(actual)
    return False


def _deep_same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and set(expected) == set(actual)
            and all(_deep_same(v, actual[k]) for k, v in expected.items())
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(_deep_same(e, a) for e, a in zip(expected, actual, strict=True))
        )
    return _same(expected, actual)


def subset(expected: Any, actual: Any, path: str = "") -> list[Failure]:
    """Mismatches of ``expected`` as a subset of ``actual``; strings are regular expressions."""
    where = path or "response"

    def miss(seen: Any, wanted: Any, text: str) -> list[Failure]:
        return [failure(Part.CONTAINS, where, seen, wanted, text)]

    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return miss(actual, expected, f"{where}: expected a mapping, got {_short(actual)}")
        out: list[Failure] = []
        for key, value in expected.items():
            if key not in actual:
                sub = f"{path}.{key}" if path else str(key)
                out.append(failure(Part.CONTAINS, sub, None, value, f"{where}: missing '{key}'"))
            else:
                out += subset(value, actual[key], f"{path}.{key}" if path else str(key))
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list):
            if isinstance(actual, dict) and not path:
                text = json.dumps(actual, default=str)
                return [
                    failure(Part.CONTAINS, where, None, item, f"response: no '{item}'")
                    for item in expected
                    if not (isinstance(item, str) and (item in actual or re.search(item, text)))
                ]
            return miss(actual, expected, f"{where}: expected a list, got {_short(actual)}")
        return [
            failure(Part.CONTAINS, where, None, item, f"{where}: no item matches {_short(item)}")
            for item in expected
            if not any(not subset(item, candidate, path) for candidate in actual)
        ]
    if isinstance(expected, str) and not isinstance(actual, dict | list):
        text = "" if actual is None else str(actual)
        if expected == text:
            return []
        try:
            if re.search(expected, text):
                return []
        except re.error:
            pass
        return miss(actual, expected, f"{where}: {_short(actual)} does not match {expected!r}")
    if _same(expected, actual):
        return []
    return miss(actual, expected, f"{where}: expected {expected!r}, got {_short(actual)}")


def _short(value: Any, limit: int = 120) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def field_mismatch(path: str, matcher: Any, data: dict[str, Any]) -> Failure | None:
    try:
        actual = jmespath.search(path, data)
    except JMESPathError as exc:
        return failure(Part.FIELD, path, None, matcher, f"{path}: invalid path ({exc})")
    if isinstance(matcher, dict) and matcher and set(matcher) <= MATCHERS:
        for op, want in matcher.items():
            problem = _match(op, want, actual)
            if problem:
                return failure(Part.FIELD, path, actual, {op: want}, f"{path}: {problem}")
        return None
    if isinstance(matcher, dict | list):
        # a plain value under 'fields' is exact; 'contains' is the subset/regex form
        if _deep_same(matcher, actual):
            return None
        text = f"{path}: expected {_short(matcher)}, got {_short(actual)}"
        return failure(Part.FIELD, path, actual, matcher, text)
    if actual is None and matcher is not None:
        return failure(Part.FIELD, path, None, matcher, f"{path}: not in the response")
    if _same(matcher, actual):
        return None
    text = f"{path}: expected {matcher!r}, got {_short(actual)}"
    return failure(Part.FIELD, path, actual, matcher, text)


def _match(op: str, want: Any, actual: Any) -> str | None:
    if op == "exists":
        present = actual is not None
        return (
            None
            if present == bool(want)
            else ("missing" if want else f"present ({_short(actual)})")
        )
    if op == "equals":
        return None if _same(want, actual) else f"expected {want!r}, got {_short(actual)}"
    if op == "regex":
        ok = actual is not None and re.search(str(want), str(actual)) is not None
        return None if ok else f"{_short(actual)} does not match /{want}/"
    if op == "contains":
        ok = actual is not None and (
            str(want) in actual
            if isinstance(actual, str)
            else want in actual
            if isinstance(actual, list | dict)
            else False
        )
        return None if ok else f"{_short(actual)} does not contain {want!r}"
    if op == "length":
        try:
            n = len(actual)
        except TypeError:
            return f"{_short(actual)} has no length"
        return None if _same(want, n) else f"length {n}, expected {want}"
    return f"unknown matcher '{op}'"


def file_digest(path: str) -> dict[str, Any]:
    """Size and SHA-256 of a local file (for ``body: {file: ...}``)."""
    sha, size = hashlib.sha256(), 0
    with Path(path.removeprefix("file://")).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            sha.update(chunk)
            size += len(chunk)
    return {"size": size, "sha256": sha.hexdigest()}


def body_mismatches(want: BodyExpectation, obs: Observation) -> list[Failure]:
    digest = obs.body_digest
    if digest is None and obs.body is None:
        return [failure(Part.BODY, "body", None, None, "body: the response has no body to compare")]
    if digest is None and obs.body is not None:  # checks may leave kept bodies undigested
        data = obs.body
        digest = {
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "md5": hashlib.md5(data, usedforsecurity=False).hexdigest(),
        }
    out = []
    body = obs.body
    if want.equals is not None:
        if body is None:
            text = "body: too large to compare with 'equals'; use sha256"
            out.append(failure(Part.BODY, "equals", None, want.equals, text))
        elif body != want.equals.encode():
            shown = _short(body.decode("utf-8", "replace"))
            text = f"body: expected {want.equals!r}, got {shown}"
            out.append(failure(Part.BODY, "equals", body, want.equals, text))
    if want.contains is not None and (body is None or want.contains.encode() not in body):
        text = f"body: does not contain {want.contains!r}"
        out.append(failure(Part.BODY, "contains", body, want.contains, text))
    for key in ("sha256", "md5", "size"):
        expected = getattr(want, key)
        if expected is not None and digest and str(digest[key]).lower() != str(expected).lower():
            text = f"body {key}: expected {expected}, got {digest[key]}"
            out.append(failure(Part.BODY, key, digest[key], expected, text))
    if want.file is not None and digest:
        ref = file_digest(want.file)
        if ref["sha256"] != digest["sha256"]:
            text = (
                f"body: differs from {want.file} (sha256 {digest['sha256'][:12]}... "
                f"vs {ref['sha256'][:12]}..., {digest['size']} vs {ref['size']} bytes)"
            )
            out.append(failure(Part.BODY, "file", digest["sha256"], ref["sha256"], text))
    return out


@functools.lru_cache(maxsize=4096)
def _condition(source: str) -> Condition:
    return parse_condition(source)


def condition_context(obs: Observation) -> dict[str, Any]:
    """The check's own placeholders, completed from what every observation has."""
    context = obs.context
    if "STATUS" not in context and obs.http_status is not None:
        context["STATUS"] = obs.http_status
    if "RESPONSE_TIME" not in context and "total" in obs.timings:
        context["RESPONSE_TIME"] = obs.timings["total"] * 1000
    if "BODY" not in context and obs.body is not None:
        context["BODY"] = obs.body
    return context


def condition_failures(conditions: list[str], obs: Observation) -> list[Failure]:
    if not conditions:
        return []
    context = condition_context(obs)
    out = []
    for source in conditions:
        try:
            condition = _condition(source)
            outcome = condition.evaluate(context)
        except ConditionError as exc:  # only when outputs filled in something unparsable
            text = f"condition {source!r}: {exc}"
            out.append(failure(Part.CONDITION, source, None, None, text))
            continue
        if not outcome.ok:
            wanted = f"{condition.comparator} {condition.right.source}"
            text = f"condition failed: {outcome.text}"
            seen, observed = outcome.shown, outcome.observed
            out.append(failure(Part.CONDITION, source, seen, wanted, text, observed))
    return out


def judgement(failed: Failure) -> str:
    """A failed condition as Gatus shows it, ``[STATUS] (503) == 200``, from its data."""
    return f"{_condition(failed.subject).left} ({failed.seen}) {failed.wanted}"


def evaluate(expect: Expectation, obs: Observation) -> None:
    """Raise ``CheckFailure`` listing every way ``obs`` contradicts ``expect``."""
    problems: list[Failure] = []
    codes = expect.error_codes()
    outcome = obs.error_code if not obs.success else "success"
    if expect.expects_error:
        wanted: Any = codes or "an error"
        if obs.success:
            text = f"expected {' or '.join(codes) if codes else 'an error'}, but the call succeeded"
            problems.append(failure(Part.OUTCOME, "error", outcome, wanted, text))
        elif codes and obs.error_code not in codes:
            hint = ""
            if obs.error_code is None and obs.http_status:
                hint = (
                    f" (to accept a bare HTTP {obs.http_status}, expect status: {obs.http_status})"
                )
            text = f"expected {' or '.join(codes)}, got {describe_outcome(obs)}{hint}"
            problems.append(failure(Part.OUTCOME, "error", outcome, wanted, text))
    elif not obs.success and not expect.status_decides:
        text = f"expected success, got {describe_outcome(obs)}"
        problems.append(failure(Part.OUTCOME, "success", outcome, "success", text))
    statuses = expect.statuses()
    if statuses and obs.http_status not in statuses:
        text = f"expected HTTP {' or '.join(map(str, statuses))}, got {obs.http_status}"
        problems.append(failure(Part.STATUS, "status", obs.http_status, statuses, text))
    if not problems:
        for path, matcher in expect.fields.items():
            problem = field_mismatch(path, matcher, obs.data)
            if problem:
                problems.append(problem)
        if expect.contains is not None:
            problems += subset(expect.contains, obs.data)
        if expect.body is not None:
            problems += body_mismatches(expect.body, obs)
        problems += condition_failures(expect.conditions, obs)
    if problems:
        raise CheckFailure(problems)
