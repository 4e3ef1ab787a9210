"""A monitor's spec made runnable: its suite validated by the suite loader, its thresholds,
rules and degrading conditions in the forms the decisions take.

Secrets: an API-created monitor must name its credentials by reference (``${ENV_NAME}`` or
``${file:/run/secrets/x}``), resolved from the server's environment when the suite loads,
so the database and every answer hold the reference, never the value.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from assay.config.loader import load_suite, load_suite_data
from assay.config.models import Suite
from assay.config.source import LocDict, LocList
from assay.config.variables import Variables
from assay.core.errors import Problem, SuiteError
from assay.server.monitors import alerts, state
from assay.server.monitors.spec import AlertRule, MonitorSpec

PER_RUN = re.compile(r"\$\{\s*(run\.id|run\.timestamp|UUID|TIMESTAMP|RANDOM_STRING)")


@dataclass(frozen=True)
class Monitor:
    """A monitor ready to run: its spec, its suite and the decisions' inputs."""

    spec: MonitorSpec
    suite: Suite
    degraded: frozenset[str]
    thresholds: state.Thresholds
    rules: tuple[alerts.Rule, ...]
    per_run: bool  # the suite uses ${run.id} & co.: loaded afresh for every run
    origin: str  # "file" (the server's monitors file) or "api"
    base: Path  # where relative paths in the suite resolve

    @property
    def name(self) -> str:
        return self.spec.name

    def suite_for_run(self) -> Suite:
        """The suite for one run: the loaded one, or a fresh load when it has per-run values."""
        return load_spec_suite(self.spec, self.base) if self.per_run else self.suite


def located(value: Any) -> Any:
    """Plain JSON as the loader's located structures (without locations)."""
    if isinstance(value, dict):
        return LocDict({k: located(v) for k, v in value.items()})
    if isinstance(value, list):
        return LocList([located(v) for v in value])
    return value


def _one_step(spec: MonitorSpec) -> LocDict:
    check = dict(spec.check or {})
    if spec.degraded:
        expect = dict(check.get("expect") or {})
        expect["conditions"] = [*expect.get("conditions", []), *spec.degraded]
        check["expect"] = expect
    data = {"targets": {spec.name: spec.target}, "groups": [{"name": spec.name, "test": [check]}]}
    return located(data)  # type: ignore[no-any-return]


def _renamed(problem: Problem, spec: MonitorSpec, prefix: str) -> Problem:
    """A loader problem in the monitor's own terms (``target``, ``check``)."""
    path = problem.path
    if spec.suite is None:
        path = path.replace(f"targets.{spec.name}", "target")
        path = path.replace("groups[0].test[0]", "check").replace("groups[0]", "check")
    else:
        path = f"suite.{path}" if path else "suite"
    return Problem(problem.message, problem.location, f"{prefix}.{path}" if prefix else path)


def load_spec_suite(spec: MonitorSpec, base: Path, prefix: str = "") -> Suite:
    """The monitor's suite, validated; problems named by the monitor's fields."""
    import assay.checks  # noqa: F401  (registers every check kind; only once monitors exist)

    variables = Variables(environ=dict(os.environ))
    where = base / f"{spec.name}.monitor"
    try:
        if isinstance(spec.suite, str):
            return load_suite(base / spec.suite, variables)
        data = located(spec.suite) if spec.suite is not None else _one_step(spec)
        return load_suite_data(data, where, variables)
    except SuiteError as exc:
        found = [_renamed(p, spec, prefix) for p in exc.problems]
        bad_target = any(".target" in p.path or p.path.startswith("target") for p in found)
        raise SuiteError(
            [p for p in found if not (bad_target and "defines no targets" in p.message)]
        ) from None


def secret_problems(spec: MonitorSpec, prefix: str = "") -> list[Problem]:
    """Credentials given as values rather than references (an API monitor may not)."""
    problems: list[Problem] = []

    def walk(value: Any, path: str, secret: bool) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}", secret or str(key) == "credentials")
        elif isinstance(value, list):
            for n, item in enumerate(value):
                walk(item, f"{path}[{n}]", secret)
        elif isinstance(value, str) and value and "${" not in value:
            password = urlsplit(value).password if "://" in value else None
            if secret or password:
                problems.append(
                    Problem(
                        "a credential must name a secret the server holds, as ${ENV_NAME} or "
                        "${file:/run/secrets/name}, never the value itself",
                        None,
                        f"{prefix}{path}",
                    )
                )

    if spec.target is not None:
        walk(spec.target, "target", False)
    if isinstance(spec.suite, dict):
        walk(spec.suite.get("targets", {}), "suite.targets", False)
    return problems


def rule_of(rule: AlertRule, selector: dict[str, str] | None = None) -> alerts.Rule:
    """An alert rule in the form the decisions take (``selector``: monitors' labels)."""
    return alerts.Rule(
        notify=tuple(rule.notify),
        on=frozenset(rule.on),
        remind_every=timedelta(seconds=rule.remind_every) if rule.remind_every else None,
        escalate_after=timedelta(seconds=rule.escalate.after) if rule.escalate else None,
        escalate_to=tuple(rule.escalate.notify) if rule.escalate else (),
        selector=selector or {},
    )


def build(spec: MonitorSpec, base: Path, origin: str, prefix: str = "") -> Monitor:
    """The runnable monitor; ``SuiteError`` with every problem of the spec."""
    problems = secret_problems(spec, f"{prefix}." if prefix else "") if origin == "api" else []
    if origin == "api" and isinstance(spec.suite, str):
        problems.append(Problem("a suite file can only be named in the server's monitors file",
                                None, f"{prefix}.suite" if prefix else "suite"))  # fmt: skip
    if problems:
        raise SuiteError(problems)
    suite = load_spec_suite(spec, base, prefix)
    raw = spec.model_dump_json()
    if isinstance(spec.suite, str):  # the values a suite file uses are in the file
        raw += (base / spec.suite).read_text(encoding="utf-8", errors="replace")
    t = spec.thresholds
    thresholds = state.Thresholds(
        failures=t.failures,
        successes=t.successes,
        window_failures=t.window.failures if t.window else None,
        window_runs=t.window.runs if t.window else None,
        window_seconds=t.window.within if t.window else None,
        flapping_changes=t.flapping.changes if t.flapping else None,
        flapping_seconds=t.flapping.within if t.flapping else 3600.0,
    )
    rules = tuple(rule_of(r) for r in spec.alerts)
    return Monitor(spec, suite, frozenset(spec.degraded), thresholds, rules,
                   bool(PER_RUN.search(raw)), origin, base)  # fmt: skip
