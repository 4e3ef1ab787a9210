"""``validate --strict``: reach every target; flag unused credentials and empty tests."""

from __future__ import annotations

from assay.config.models import Suite, TargetBase
from assay.core.checks import TARGETS
from assay.core.errors import Problem, SuiteError


def _unused(suite: Suite) -> list[Problem]:
    problems = []
    used: dict[str, set[str]] = {name: set() for name in suite.targets}
    for group in suite.groups:
        for _, steps in group.phases():
            for step in steps:
                target = step.target or group.target or next(iter(suite.targets))
                settings = suite.targets[target]
                if isinstance(settings, TargetBase):
                    name = settings.credential_for(step.as_ or group.as_)
                    if name:
                        used[target].add(name)
        if not group.test:
            problems.append(
                Problem(
                    f"group '{group.name}' has no test steps",
                    None,
                    f"groups.{group.name}",
                )
            )
    for target, settings in suite.targets.items():
        if isinstance(settings, TargetBase):
            for cred in settings.credentials:
                if cred not in used[target]:
                    problems.append(
                        Problem(
                            f"credential '{cred}' of target '{target}' is never used",
                            None,
                            f"targets.{target}.credentials.{cred}",
                        )
                    )
    return problems


def strict_checks(suites: list[Suite]) -> None:
    problems = []
    for suite in suites:
        problems += [
            Problem(p.message, p.location, f"{suite.path}: {p.path}") for p in _unused(suite)
        ]
    if problems:
        raise SuiteError(problems)
    for suite in suites:
        for name, settings in suite.targets.items():
            target_type = TARGETS.get(settings.type)
            assert target_type is not None
            target = target_type.open(name, settings, 1)
            try:
                target_type.probe(target)
            finally:
                target.close()
