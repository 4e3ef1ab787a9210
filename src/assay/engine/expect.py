"""Comparing an observation with a step's expectation; mismatches raise ``CheckFailure``."""

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


def subset(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Mismatches of ``expected`` as a subset of ``actual``; strings are regular expressions."""
    where = path or "response"
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected a mapping, got {_short(actual)}"]
        out: list[str] = []
        for key, value in expected.items():
            if key not in actual:
                out.append(f"{where}: missing '{key}'")
            else:
                out += subset(value, actual[key], f"{path}.{key}" if path else str(key))
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list):
            if isinstance(actual, dict) and not path:
                text = json.dumps(actual, default=str)
                return [
                    f"response: no '{item}'"
                    for item in expected
                    if not (isinstance(item, str) and (item in actual or re.search(item, text)))
                ]
            return [f"{where}: expected a list, got {_short(actual)}"]
        return [
            f"{where}: no item matches {_short(item)}"
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
        return [f"{where}: {_short(actual)} does not match {expected!r}"]
    return (
        [] if _same(expected, actual) else [f"{where}: expected {expected!r}, got {_short(actual)}"]
    )


def _short(value: Any, limit: int = 120) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def field_mismatch(path: str, matcher: Any, data: dict[str, Any]) -> str | None:
    try:
        actual = jmespath.search(path, data)
    except JMESPathError as exc:
        return f"{path}: invalid path ({exc})"
    if isinstance(matcher, dict) and matcher and set(matcher) <= MATCHERS:
        for op, want in matcher.items():
            problem = _match(op, want, actual)
            if problem:
                return f"{path}: {problem}"
        return None
    if isinstance(matcher, dict | list):
        # a plain value under 'fields' is exact; 'contains' is the subset/regex form
        if _deep_same(matcher, actual):
            return None
        return f"{path}: expected {_short(matcher)}, got {_short(actual)}"
    if actual is None and matcher is not None:
        return f"{path}: not in the response"
    return None if _same(matcher, actual) else f"{path}: expected {matcher!r}, got {_short(actual)}"


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


def body_mismatches(want: BodyExpectation, obs: Observation) -> list[str]:
    digest = obs.body_digest
    if digest is None and obs.body is None:
        return ["body: the response has no body to compare"]
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
            out.append("body: too large to compare with 'equals'; use sha256")
        elif body != want.equals.encode():
            out.append(
                f"body: expected {want.equals!r}, got {_short(body.decode('utf-8', 'replace'))}"
            )
    if want.contains is not None and (body is None or want.contains.encode() not in body):
        out.append(f"body: does not contain {want.contains!r}")
    for key in ("sha256", "md5", "size"):
        expected = getattr(want, key)
        if expected is not None and digest and str(digest[key]).lower() != str(expected).lower():
            out.append(f"body {key}: expected {expected}, got {digest[key]}")
    if want.file is not None and digest:
        ref = file_digest(want.file)
        if ref["sha256"] != digest["sha256"]:
            out.append(
                f"body: differs from {want.file} (sha256 {digest['sha256'][:12]}... "
                f"vs {ref['sha256'][:12]}..., {digest['size']} vs {ref['size']} bytes)"
            )
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


def condition_failures(conditions: list[str], obs: Observation) -> list[str]:
    if not conditions:
        return []
    context = condition_context(obs)
    out = []
    for source in conditions:
        try:
            outcome = _condition(source).evaluate(context)
        except ConditionError as exc:  # only when outputs filled in something unparsable
            out.append(f"condition {source!r}: {exc}")
            continue
        if not outcome.ok:
            out.append(f"condition failed: {outcome.text}")
    return out


def evaluate(expect: Expectation, obs: Observation) -> None:
    """Raise ``CheckFailure`` listing every way ``obs`` contradicts ``expect``."""
    problems: list[str] = []
    codes = expect.error_codes()
    if expect.expects_error:
        if obs.success:
            wanted = " or ".join(codes) if codes else "an error"
            problems.append(f"expected {wanted}, but the call succeeded")
        elif codes and obs.error_code not in codes:
            hint = ""
            if obs.error_code is None and obs.http_status:
                hint = (
                    f" (to accept a bare HTTP {obs.http_status}, expect status: {obs.http_status})"
                )
            problems.append(f"expected {' or '.join(codes)}, got {describe_outcome(obs)}{hint}")
    elif not obs.success and not expect.status_decides:
        problems.append(f"expected success, got {describe_outcome(obs)}")
    statuses = expect.statuses()
    if statuses and obs.http_status not in statuses:
        problems.append(f"expected HTTP {' or '.join(map(str, statuses))}, got {obs.http_status}")
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
        raise CheckFailure("; ".join(problems), {"mismatches": problems})
