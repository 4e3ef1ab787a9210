"""Cross-references a schema cannot express: targets, credentials, check kinds, parameters."""

from __future__ import annotations

from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError

from assay.config.models import Group, Step, Suite, TargetBase
from assay.config.source import LocDict, locate
from assay.core.checks import CheckKind, TargetType
from assay.core.conditions import ConditionError
from assay.core.conditions import parse as parse_condition
from assay.core.errors import Problem
from assay.core.registry import Registry, suggest


def _group_target(
    suite: Suite, group: Group, raw: LocDict, gi: int, problems: list[Problem]
) -> str | None:
    if group.target:
        if group.target not in suite.targets:
            problems.append(
                Problem(
                    f"unknown target '{group.target}'{suggest(group.target, list(suite.targets))}",
                    locate(raw, ("groups", gi, "target")),
                    f"groups[{gi}].target",
                )
            )
            return None
        return group.target
    if len(suite.targets) == 1:
        return next(iter(suite.targets))
    where = locate(raw, ("groups", gi))
    if not suite.targets:
        problems.append(
            Problem(
                "the suite defines no targets; add one under 'targets:'", where, f"groups[{gi}]"
            )
        )
    else:
        problems.append(
            Problem(
                f"group '{group.name}' must name its target: one of {', '.join(suite.targets)}",
                where,
                f"groups[{gi}]",
            )
        )
    return None


def _credential(
    settings: Any, name: str | None, where: Any, path: str, problems: list[Problem], target: str
) -> None:
    if not name or not isinstance(settings, TargetBase):
        return
    if name not in settings.credentials:
        known = list(settings.credentials)
        listing = ", ".join(known) if known else "none defined"
        problems.append(
            Problem(
                f"unknown credential '{name}'{suggest(name, known)} for target '{target}' "
                f"(credentials: {listing})",
                where,
                path,
            )
        )


def check_semantics(
    suite: Suite,
    raw: LocDict,
    checks: Registry[CheckKind],
    targets: Registry[TargetType],
    problems: list[Problem],
) -> None:
    """Append a located problem for every broken cross-reference in ``suite``."""
    for gi, group in enumerate(suite.groups):
        gpath = ("groups", gi)
        target_name = _group_target(suite, group, raw, gi, problems)
        settings = suite.targets.get(target_name) if target_name else None
        _credential(
            settings,
            group.as_,
            locate(raw, (*gpath, "as")),
            f"groups[{gi}].as",
            problems,
            target_name or "",
        )
        for phase, steps in group.phases():
            for si, step in enumerate(steps):
                spath = (*gpath, phase, si)
                step.location = locate(raw, spath)
                _check_paths(step, raw, spath, problems)
                _check_conditions(step, raw, spath, problems)
                _check_step(suite, step, raw, spath, target_name, checks, problems)


def _check_paths(step: Step, raw: LocDict, spath: tuple[Any, ...], problems: list[Problem]) -> None:
    """JMESPath expressions in ``outputs`` and ``expect.fields`` must compile."""
    label = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in spath)[1:]
    places: list[tuple[tuple[str, ...], str]]
    places = [(("outputs", name), expr) for name, expr in step.outputs.items()]
    places += [(("expect", "fields", expr), expr) for expr in step.expect.fields]
    for where, expr in places:
        if "${" in expr:
            continue  # completed by step outputs at run time
        try:
            jmespath.compile(expr)
        except JMESPathError as exc:
            problems.append(
                Problem(
                    f"invalid JMESPath '{expr}': {str(exc).splitlines()[0]}",
                    locate(raw, (*spath, *where)),
                    f"{label}.{'.'.join(map(str, where))}",
                )
            )


def _check_conditions(
    step: Step, raw: LocDict, spath: tuple[Any, ...], problems: list[Problem]
) -> None:
    """Conditions are parsed when the suite loads; errors point at the condition's line."""
    label = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in spath)[1:]
    for i, source in enumerate(step.expect.conditions):
        if "${" in source:
            continue  # completed by step outputs at run time
        try:
            parse_condition(source)
        except ConditionError as exc:
            problems.append(
                Problem(
                    f"invalid condition {source!r}: {exc}",
                    locate(raw, (*spath, "expect", "conditions", i)),
                    f"{label}.expect.conditions[{i}]",
                )
            )


def _check_step(
    suite: Suite,
    step: Step,
    raw: LocDict,
    spath: tuple[Any, ...],
    group_target: str | None,
    checks: Registry[CheckKind],
    problems: list[Problem],
) -> None:
    label = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in spath)[1:]
    kind = checks.get(step.kind)
    if kind is None:
        problems.append(
            Problem(
                checks.unknown_message(step.kind),
                locate(raw, (*spath, step.kind)),
                f"{label}.{step.kind}",
            )
        )
        return
    target_name = step.target or group_target
    if step.target and step.target not in suite.targets:
        problems.append(
            Problem(
                f"unknown target '{step.target}'{suggest(step.target, list(suite.targets))}",
                locate(raw, (*spath, "target")),
                f"{label}.target",
            )
        )
        return
    settings = suite.targets.get(target_name) if target_name else None
    if settings is not None:
        accepted = tuple(getattr(kind, "target_types", (kind.family,)))
        if getattr(settings, "type", None) not in accepted:
            problems.append(
                Problem(
                    f"check kind '{step.kind}' needs a target of type "
                    f"{' or '.join(repr(t) for t in accepted)}, but target "
                    f"'{target_name}' is of type '{settings.type}'",
                    step.location,
                    label,
                )
            )
            return
        _credential(
            settings,
            step.as_,
            locate(raw, (*spath, "as")),
            f"{label}.as",
            problems,
            target_name or "",
        )
    params_raw: Any = raw
    for part in (*spath, step.kind):
        params_raw = (
            params_raw.get(part)
            if isinstance(params_raw, dict)
            else (params_raw[part] if isinstance(params_raw, list) else None)
        )
    for problem in kind.validate(step.params):
        where = locate(params_raw, problem.path) if params_raw is not None else None
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in problem.path)[1:]
        problems.append(
            Problem(
                problem.message,
                where or locate(raw, (*spath, step.kind)),
                f"{label}.{step.kind}" + (f".{path}" if path else ""),
            )
        )
