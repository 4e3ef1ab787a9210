"""The two error trees of assay.

    AssayError                      a problem of the tool or its input (exit 2 or 3)
    ├── SuiteError                  the suite is invalid: one or more located problems (exit 2)
    ├── UsageError                  bad command-line usage (exit 2)
    ├── InvalidParameters           a step's parameters, wrong once step outputs are filled in
    ├── SourceError (stacks)        a CDK app, cloud assembly or template that cannot be read
    ├── PlanError (terraform)       a plan file that is not a ``terraform show -json`` plan
    │   └── StateError (terraform)  a state file that is not one
    └── RuntimeFault                the run could not proceed (exit 3)
        ├── TargetUnreachable       a target's endpoint could not be reached
        └── NoCredentials (aws)     no AWS credentials, in the suite or the environment

    CheckFailure                    the system under test misbehaved (a FAILED result, exit 1)
    └── TargetFailure               what the target answered, as a family tells it: a code
        ├── NotFound (aws)          a resource does not exist (observed as ResourceNotFound)
        ├── StackError (stacks)     a stack operation did not end well (its code and events)
        └── SchemaError (http)      an API's OpenAPI document could not be had or read

A check raises ``CheckFailure`` when what it observed contradicts the expectation; any other
exception escaping a check becomes an ERROR result, its class named in the message. The
families' own exceptions (in parentheses: ``assay.checks.<family>``) subclass these; most
are caught inside their check and become an observation with an error code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assay.core.failures import Failure, Part, failure, render

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


class InvalidParameters(AssayError, ValueError):
    """A step's parameters are wrong once step outputs are filled in (an ERROR result).

    Load-time problems are ``ParamProblem``s located in the suite; this is what a check
    raises for a value only the run could see. It is a ``ValueError`` too, so a pydantic
    validator that calls the same code reports it as a located problem at load time.
    """


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


class TargetFailure(CheckFailure):
    """An error ``code`` the target answered, told by a family in ``message``.

    Its check observes it as that code (so ``expect: {error: CODE}`` can ask for it); one
    that escaped a check would be a FAILED result: expected success, got the code.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__([failure(Part.OUTCOME, "success", code, "success", message)])
        self.code = code
