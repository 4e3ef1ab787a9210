"""Suites written for the original s3tester (top-level ``config:`` and ``test_cases:``).

They are validated against models of that format (so a typo there is reported in its own
terms) and then rewritten into the native format, keeping every location for later errors.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from assay.config.models import StrictModel
from assay.config.source import LocDict, LocList
from assay.core.errors import Problem, SuiteError


class LegacyCredential(StrictModel):
    name: str = Field(min_length=1)
    access_key: str
    secret_key: str
    session_token: str | None = None
    endpoint_url: str | None = None
    region: str | None = None


class LegacyConfig(StrictModel):
    endpoint_url: str
    region: str = "us-east-1"
    path_style: bool = False
    timeout: float = 30
    retry_max_attempts: int = 3
    retry_mode: str | None = Field(
        None, description="Accepted for compatibility; assay retries itself."
    )
    credentials: list[LegacyCredential] = Field(default_factory=list)


class LegacyExpected(StrictModel):
    success: bool | None = None
    status_code: int | None = None
    error_code: str | None = None
    response_contains: Any = None


class LegacyStep(StrictModel):
    operation: str
    credential: str | None = None
    parameters: dict[str, Any] | None = None
    expected_result: LegacyExpected | None = None
    outputs: dict[str, str] | None = None
    debug: bool = False
    name: str | None = None


class LegacyGroup(StrictModel):
    name: str
    credential: str | None = None
    parallel: bool = False
    before: list[LegacyStep] | None = None
    before_test: list[LegacyStep] | None = None
    test: list[LegacyStep] = Field(default_factory=list)
    after: list[LegacyStep] | None = None
    after_test: list[LegacyStep] | None = None


class LegacyTestCases(StrictModel):
    parallel: bool = False
    groups: list[LegacyGroup] = Field(default_factory=list)


class LegacySuite(StrictModel):
    config: LegacyConfig | None = None
    test_cases: LegacyTestCases | None = None
    include: list[str] | str | None = None


def is_legacy(data: Any) -> bool:
    return isinstance(data, dict) and ("test_cases" in data or "config" in data)


def _like(src: Any, **items: Any) -> LocDict:
    """A LocDict with ``items``, taking ``src``'s locations for keys it shares."""
    out = LocDict(loc=getattr(src, "loc", None))
    for key, value in items.items():
        if value is None:
            continue
        out[key] = value
        if isinstance(src, LocDict):
            loc = src.key_locs.get(key) or src.loc
            if loc:
                out.key_locs[key] = loc
    return out


def _rekey(out: LocDict, src: LocDict, new: str, old: str) -> None:
    if old in src:
        out[new] = src[old]
        if old in src.key_locs:
            out.key_locs[new] = src.key_locs[old]


def _step(raw: LocDict) -> LocDict:
    out = _like(raw)
    kind = f"s3.{raw['operation']}"
    out[kind] = raw.get("parameters") or LocDict(loc=raw.loc)
    out.key_locs[kind] = raw.key_locs.get("operation", raw.loc)
    _rekey(out, raw, "as", "credential")
    for key in ("outputs", "debug", "name"):
        _rekey(out, raw, key, key)
    expected = raw.get("expected_result")
    if isinstance(expected, LocDict):
        expect = _like(expected)
        for new, old in (
            ("success", "success"),
            ("status", "status_code"),
            ("error", "error_code"),
            ("contains", "response_contains"),
        ):
            if expected.get(old) is not None:
                _rekey(expect, expected, new, old)
        _rekey(out, raw, "expect", "expected_result")
        out["expect"] = expect
    return out


def _steps(raw: LocDict, *names: str) -> LocList | None:
    for name in names:
        if raw.get(name) is not None:
            src: LocList = raw[name]
            out = LocList((_step(s) for s in src), loc=src.loc)
            out.item_locs = list(src.item_locs)
            return out
    return None


def to_native(raw: LocDict) -> LocDict:
    """Rewrite a validated legacy document into the native format."""
    out = _like(raw)
    config = raw.get("config")
    if isinstance(config, LocDict):
        creds = LocDict(loc=getattr(config.get("credentials"), "loc", config.loc))
        for item in config.get("credentials") or []:
            entry = _like(item)
            for key in ("access_key", "secret_key", "session_token", "region"):
                _rekey(entry, item, key, key)
            _rekey(entry, item, "endpoint", "endpoint_url")
            if item["name"] in creds:
                first = creds.key_locs.get(item["name"])
                raise SuiteError(
                    Problem(
                        f"duplicate credential name '{item['name']}' (first defined on line "
                        f"{first.line if first else '?'}); credential names must be unique",
                        item.key_locs.get("name", item.loc),
                        "config.credentials",
                    )
                )
            creds[item["name"]] = entry
            creds.key_locs[item["name"]] = item.key_locs.get("name", item.loc)
        target = _like(config, type="s3", credentials=creds)
        for new, old in (
            ("endpoint", "endpoint_url"),
            ("region", "region"),
            ("path_style", "path_style"),
            ("timeout", "timeout"),
        ):
            _rekey(target, config, new, old)
        if "retry_max_attempts" in config:
            target["retries"] = _like(config, max_attempts=config["retry_max_attempts"])
            target.key_locs["retries"] = config.key_locs["retry_max_attempts"]
        out["targets"] = _like(raw, default=target)
        out.key_locs["targets"] = raw.key_locs.get("config", raw.loc)
    cases = raw.get("test_cases")
    if isinstance(cases, LocDict):
        _rekey(out, cases, "parallel", "parallel")
        groups = LocList(loc=getattr(cases.get("groups"), "loc", cases.loc))
        for g in cases.get("groups") or []:
            group = _like(g)
            for key in ("name", "parallel"):
                _rekey(group, g, key, key)
            _rekey(group, g, "as", "credential")
            for phase, names in (
                ("before", ("before", "before_test")),
                ("test", ("test",)),
                ("after", ("after", "after_test")),
            ):
                steps = _steps(g, *names)
                if steps is not None:
                    group[phase] = steps
                    group.key_locs[phase] = g.key_locs.get(names[0]) or g.key_locs.get(
                        names[-1],
                        g.loc,
                    )
            groups.append(group)
            groups.item_locs.append(g.loc)
        out["groups"] = groups
        out.key_locs["groups"] = cases.key_locs.get("groups", cases.loc)
    _rekey(out, raw, "include", "include")
    return out
