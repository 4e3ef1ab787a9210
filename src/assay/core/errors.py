"""The two error trees of assay.

    AssayError                      a problem of the tool or its input (exit 2 or 3)
    ├── SuiteError                  the suite is invalid: one or more located problems (exit 2)
    ├── UsageError                  bad command-line usage (exit 2)
    └── RuntimeFault                the run could not proceed (exit 3)
        └── TargetUnreachable       a target's endpoint could not be reached

    CheckFailure                    the system under test misbehaved (a FAILED result, exit 1)

A check raises ``CheckFailure`` when what it observed contradicts the expectation; any other
exception escaping a check becomes an ERROR result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assay.core.failures import Failure, render

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_RUNTIME = 3


@dataclass(frozen=True)
class Location:
    """Where a value came from: file, 1-based line and column."""

    file: str
    line: int
    column: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" + (f":{self.column}" if self.column else "")


@dataclass(frozen=True)
class Problem:
    """One located problem in a suite."""

    message: str
    location: Location | None = None
    path: str = ""

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        key = f"{self.path}: " if self.path else ""
        return f"{where}{key}{self.message}"


class AssayError(Exception):
    """Base of tool and input errors; ``exit_code`` is what the CLI returns."""

    exit_code = EXIT_USAGE


class SuiteError(AssayError):
    """An invalid suite: carries every problem found, each with its location."""

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} problems in the suite:"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class UsageError(AssayError):
    """The command line asked for something that cannot be done."""


class RuntimeFault(AssayError):
    """The run could not proceed for reasons outside the suite (exit 3)."""

    exit_code = EXIT_RUNTIME


class TargetUnreachable(RuntimeFault):
    """A target's endpoint refused or timed out every connection."""


@dataclass
class CheckFailure(Exception):
    """The target answered, but not as expected: each way as a ``Failure`` (data), and the
    message rendered from them. ``details`` lands in the result."""

    failures: list[Failure]
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return render(self.failures)

    def __str__(self) -> str:
        return self.message
