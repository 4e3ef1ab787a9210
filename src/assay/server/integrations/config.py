"""The integrations file: named endpoints, each with one assay check, validated at start.

    integrations:
      payments:                         # the id in the API: /api/v1/integrations/payments
        description: Payments API
        interval: 15                    # seconds (default: integration_interval)
        target: {type: http, base_url: "https://payments.internal"}
        check:                          # one step, exactly as in a suite
          http.request: {path: /health}
          expect:
            conditions: ["[STATUS] == 200", "[RESPONSE_TIME] < 500"]
        degraded: ["[RESPONSE_TIME] < 200"]   # failing only these: degraded, not down

Each integration becomes a one-step suite and is validated by the suite loader, so errors
name the file and line, ``${ENV}`` references work, and secrets are masked as in suites.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from assay.config.loader import load_suite_data
from assay.config.models import Suite
from assay.config.source import LocDict, LocList, load_yaml
from assay.core.conditions import Condition
from assay.core.conditions import parse as parse_condition
from assay.core.errors import Location, Problem, SuiteError
from assay.core.registry import suggest
from assay.core.secrets import redact

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
KEYS = ("description", "interval", "target", "check", "degraded")
MIN_INTERVAL = 0.1


@dataclass(frozen=True)
class Integration:
    """A validated integration: its one-step suite and what the API shows of it."""

    name: str
    description: str
    interval: float
    kind: str
    target_type: str
    endpoint: str
    conditions: tuple[str, ...]
    degraded: tuple[Condition, ...]
    suite: Suite


def _endpoint(settings: Any, params: dict[str, Any]) -> str:
    """Where the check goes, without user names, passwords or query strings."""
    base = getattr(settings, "base_url", None) or getattr(settings, "endpoint", None)
    if isinstance(base, str) and base:
        parts = urlsplit(base)
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        path = params.get("path") if isinstance(params.get("path"), str) else ""
        joined = parts.path.rstrip("/") + ("/" + path.lstrip("/") if path else "")
        return redact(urlunsplit((parts.scheme, netloc, joined, "", "")))
    host = params.get("host") or getattr(settings, "host", None) or ""
    port = params.get("port")
    return redact(f"{host}:{port}" if port else str(host)) or str(getattr(settings, "type", ""))


def _suite_data(name: str, spec: LocDict) -> LocDict:
    """The one-step suite for an integration, keeping the file's locations."""
    check = spec.get("check")
    degraded = spec.get("degraded")
    if isinstance(check, LocDict) and isinstance(degraded, LocList) and degraded:
        expect = check.get("expect")
        if expect is None:
            expect = LocDict(loc=degraded.loc)
            check["expect"], check.key_locs["expect"] = expect, degraded.loc
        if isinstance(expect, LocDict):
            conditions = expect.get("conditions")
            if conditions is None:
                conditions = LocList(loc=degraded.loc)
                expect["conditions"], expect.key_locs["conditions"] = conditions, degraded.loc
            if isinstance(conditions, LocList):
                conditions.extend(degraded)
                conditions.item_locs.extend(degraded.item_locs)
    targets = LocDict(loc=spec.key_locs.get("target"))
    targets[name], targets.key_locs[name] = spec.get("target"), spec.key_locs.get("target")
    group = LocDict(loc=spec.key_locs.get("check"))
    group["name"] = name
    group["test"] = LocList([check], loc=spec.key_locs.get("check"))
    group["test"].item_locs = [spec.key_locs.get("check")]
    groups = LocList([group], loc=spec.loc)
    groups.item_locs = [spec.loc]
    suite = LocDict(loc=spec.loc)
    suite["targets"], suite["groups"] = targets, groups
    suite.key_locs = {"targets": spec.key_locs.get("target"), "groups": spec.key_locs.get("check")}
    return suite


def _renamed(problem: Problem, name: str) -> Problem:
    """A loader problem, with the suite's paths put back into the integrations file's terms."""
    path = problem.path.replace(f"targets.{name}", f"integrations.{name}.target")
    path = path.replace("groups[0].test[0]", f"integrations.{name}.check")
    path = path.replace("groups[0]", f"integrations.{name}.check")
    return Problem(problem.message, problem.location, path)


def _one(name: str, spec: Any, where: Location | None, path: Path, default: float) -> Integration:
    prefix = f"integrations.{name}"
    if not NAME.match(name):
        raise SuiteError(
            Problem(
                "an integration's name is its id in URLs: 1-100 lower-case letters, digits, "
                "'.', '_' or '-', starting with a letter or digit",
                where,
                prefix,
            )
        )
    if not isinstance(spec, LocDict):
        raise SuiteError(Problem("must be a mapping with 'target' and 'check'", where, prefix))
    problems = [
        Problem(f"unknown key '{key}'{suggest(str(key), KEYS)}", spec.key_locs.get(key), prefix)
        for key in spec
        if key not in KEYS
    ]
    problems += [
        Problem(f"missing required key '{key}'", where, prefix)
        for key in ("target", "check")
        if key not in spec
    ]
    interval = spec.get("interval", default)
    if isinstance(interval, bool) or not isinstance(interval, int | float):
        problems.append(Problem("must be a number of seconds", where, f"{prefix}.interval"))
    elif not MIN_INTERVAL <= interval <= 86_400:
        problems.append(
            Problem(f"must be {MIN_INTERVAL} to 86400 seconds", where, f"{prefix}.interval")
        )
    degraded = spec.get("degraded", LocList())
    if not isinstance(degraded, list) or not all(isinstance(c, str) for c in degraded):
        problems.append(
            Problem("must be a list of conditions", spec.key_locs.get("degraded"), prefix)
        )
    if problems:
        raise SuiteError(problems)
    try:
        suite = load_suite_data(_suite_data(name, spec), path)
    except SuiteError as exc:
        found = [_renamed(p, name) for p in exc.problems]
        # an invalid target is left out of the suite; its own problem says why
        bad_target = any(p.path.startswith(f"{prefix}.target") for p in found)
        raise SuiteError(
            [p for p in found if not (bad_target and "defines no targets" in p.message)]
        ) from None
    step = suite.groups[0].test[0]
    parsed = [parse_condition(c) for c in degraded]  # the loader checked them
    settings = suite.targets[name]
    conditions = tuple(c for c in step.expect.conditions if c not in set(degraded))
    return Integration(
        name=name,
        description=str(spec.get("description") or ""),
        interval=float(interval),
        kind=step.kind,
        target_type=str(settings.type),
        endpoint=_endpoint(settings, step.params),
        conditions=conditions,
        degraded=tuple(parsed),
        suite=suite,
    )


def render(exc: SuiteError) -> str:
    """The problems of an integrations file, one per line."""
    if len(exc.problems) == 1:
        return str(exc.problems[0])
    return "\n".join([f"{len(exc.problems)} problems:", *(f"  - {p}" for p in exc.problems)])


def load_integrations(path: Path, default_interval: float) -> list[Integration]:
    """Every integration in ``path``, validated; all problems raised as one ``SuiteError``."""
    import assay.checks  # noqa: F401  (registers every check kind; only when integrations exist)

    data = load_yaml(path)
    if not isinstance(data, LocDict) or set(data) - {"integrations"}:
        extra = sorted(map(str, set(data) - {"integrations"})) if isinstance(data, dict) else []
        hint = f" (unknown key '{extra[0]}'{suggest(extra[0], ['integrations'])})" if extra else ""
        raise SuiteError(
            Problem(
                "an integrations file is a mapping with one key, 'integrations'" + hint,
                getattr(data, "loc", None) or Location(str(path), 1),
            )
        )
    section = data.get("integrations") or LocDict()
    if not isinstance(section, LocDict):
        raise SuiteError(
            Problem(
                "'integrations' must map names to integrations",
                data.key_locs.get("integrations"),
                "integrations",
            )
        )
    out: list[Integration] = []
    problems: list[Problem] = []
    for name, spec in section.items():
        try:
            out.append(_one(str(name), spec, section.key_locs.get(name), path, default_interval))
        except SuiteError as exc:
            problems.extend(exc.problems)
    if problems:
        raise SuiteError(problems)
    return sorted(out, key=lambda i: i.name)
