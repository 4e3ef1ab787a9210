"""What every family's target type shares: its name, its settings model, opening a target.

A family's target type names its settings model and the class of its opened targets; ``open``
checks that the loader handed it the right settings. ``opened`` is the same check for a check
kind that runs on one family's targets only.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel

from assay.core.checks import CheckCall
from assay.core.errors import TargetUnreachable, UsageError
from assay.core.secrets import redact

S = TypeVar("S", bound=BaseModel)
T = TypeVar("T")


class FamilyTargetType(Generic[S, T]):
    """Subclasses set ``name``, ``noun``, ``settings_model`` and ``target_class``."""

    name: ClassVar[str]
    noun: ClassVar[str]  # how messages call such a target: "an s3 target", "a net target"
    settings_model: type[S]
    target_class: type[T]  # built as target_class(name, settings, concurrency)

    def open(self, name: str, settings: Any, concurrency: int) -> T:
        if not isinstance(settings, self.settings_model):
            raise UsageError(f"target '{name}' is not {self.noun}")
        return self.target_class(name, settings, concurrency)  # type: ignore[call-arg]

    def probe(self, target: Any) -> None:
        """Raise ``TargetUnreachable`` if the target cannot be reached; by default nothing to
        reach (each step names its own host, or reads files)."""
        return None


def unreachable(where: str, exc: BaseException) -> TargetUnreachable:
    """What a probe raises: where it could not reach, and why (secrets masked)."""
    return TargetUnreachable(f"{where}: {redact(str(exc) or type(exc).__name__)}")


def opened(call: CheckCall, kind: str, target_type: type[FamilyTargetType[Any, T]]) -> T:
    """``call``'s target, of ``target_type``; a kind run on another is a programming error."""
    target = call.target
    if not isinstance(target, target_type.target_class):
        raise TypeError(f"{kind} needs {target_type.noun}, not {type(target).__name__}")
    return target
