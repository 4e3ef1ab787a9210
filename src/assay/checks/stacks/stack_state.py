"""The states of a stack and of one operation on it: what deploying does, how long to wait,
what an operation did (``StackOutcome``), and how a failed one is told (``StackError``).
``cloudformation.py`` performs the operations; ``deploy.py``, ``destroy.py`` and ``waves.py``
read these.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from assay.checks.aws.operation import jsonable
from assay.core.errors import TargetFailure

SETTLED_WELL = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"})
# a stack whose first creation failed: CloudFormation only lets it be deleted
RECREATE = frozenset({"ROLLBACK_COMPLETE", "REVIEW_IN_PROGRESS"})
UPDATABLE = frozenset(
    {
        "CREATE_COMPLETE",
        "UPDATE_COMPLETE",
        "UPDATE_ROLLBACK_COMPLETE",
        "IMPORT_COMPLETE",
        "IMPORT_ROLLBACK_COMPLETE",
    }
)
NO_CHANGES = ("no updates are to be performed", "didn't contain changes")


class StackError(TargetFailure):
    """A stack operation that did not end well; ``code`` is the step's error code and
    ``events`` the stack's resource events that failed during it."""

    def __init__(
        self,
        code: str,
        message: str,
        status: str | None = None,
        events: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(code, message)
        self.status = status
        self.events = events or []


def action_for(status: str | None, change_sets: bool) -> str:
    """What deploying does to a stack in ``status``: create, update, recreate or refuse."""
    if status is None or status == "DELETE_COMPLETE":
        return "create"
    if status == "REVIEW_IN_PROGRESS" and change_sets:
        return "create"  # an empty stack a CREATE change set left: the next one may use it
    if status in RECREATE:
        return "recreate"
    if status in UPDATABLE:
        return "update"
    return "refuse"


@dataclass(frozen=True)
class Waiting:
    """How long to wait for one stack operation, and how often to look."""

    timeout: float = 1800.0
    poll: float = 10.0

    def delays(self) -> Iterator[float]:
        delay = 0.1
        while True:
            yield delay
            delay = min(delay * 2, self.poll)


@dataclass
class StackOutcome:
    """What one stack operation did and left: the stack's state as the endpoint reports it."""

    name: str
    region: str
    action: str  # create, update, recreate, unchanged, delete, absent
    status: str | None = None
    stack_id: str | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    changes: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)  # what could not be read
    # teardown: objects deleted per bucket, what outlived the stack, what its policy keeps
    emptied: dict[str, int] = field(default_factory=dict)
    left_behind: list[str] = field(default_factory=list)
    retained: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = jsonable(
            {
                "action": self.action,
                "status": self.status,
                "region": self.region,
                "stack_id": self.stack_id,
                "outputs": self.outputs,
                "resources": self.resources,
                "seconds": round(self.seconds, 3),
            }
        )
        for key in ("changes", "emptied", "left_behind", "retained", "problems"):
            if getattr(self, key):
                out[key] = jsonable(getattr(self, key))
        return out
