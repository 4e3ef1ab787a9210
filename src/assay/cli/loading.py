"""Loading the suites named on the command line, with ``--var`` and ``--group`` checks."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import assay.checks  # noqa: F401  (registers every check kind)
from assay.config.loader import load_suite
from assay.config.models import Suite
from assay.config.variables import Variables, new_run_id
from assay.core.errors import SuiteError, UsageError
from assay.core.registry import suggest


def parse_vars(pairs: Iterable[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--var expects KEY=VALUE, got '{pair}'")
        out[key.strip()] = value
    return out


def load_all(
    paths: Iterable[Path],
    overrides: dict[str, str],
    run_id: str | None = None,
    groups: list[str] | None = None,
) -> list[Suite]:
    """Load every suite with one shared variable scope; collect all suites' problems."""
    suites: list[Suite] = []
    problems = []
    run_id = run_id or new_run_id()
    for path in paths:
        variables = Variables(run_id=run_id, overrides=overrides)
        try:
            suites.append(load_suite(path, variables))
        except SuiteError as exc:
            problems += exc.problems
    if problems:
        raise SuiteError(problems)
    names = [g.name for s in suites for g in s.groups]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise UsageError(
            f"group names must be unique across suites run together: {', '.join(dupes)}"
        )
    for group in groups or []:
        if group not in names:
            raise UsageError(
                f"--group '{group}' is not a group of the suite(s){suggest(group, names)}; "
                f"groups: {', '.join(names)}"
            )
    return suites
