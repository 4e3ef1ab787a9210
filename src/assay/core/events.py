"""Events the engine emits; reporters, progress and the server consume the same stream.

Events are past-tense, immutable dataclasses. A listener is any callable taking an event;
listeners are called from engine threads, one at a time (the bus serialises them).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from assay.core.results import Phase, RunResult, StepResult


@dataclass(frozen=True)
class RunStarted:
    run_id: str
    suites: tuple[str, ...]
    total_steps: int


@dataclass(frozen=True)
class GroupStarted:
    group: str
    steps: int


@dataclass(frozen=True)
class StepStarted:
    group: str
    phase: Phase
    index: int
    name: str


@dataclass(frozen=True)
class StepFinished:
    result: StepResult


@dataclass(frozen=True)
class GroupFinished:
    group: str


@dataclass(frozen=True)
class RunInterrupted:
    reason: str


@dataclass(frozen=True)
class RunFinished:
    run: RunResult


Event = (
    RunStarted
    | GroupStarted
    | StepStarted
    | StepFinished
    | GroupFinished
    | RunInterrupted
    | RunFinished
)
Listener = Callable[[Event], None]


class EventBus:
    """Fan-out of events to listeners, serialised so listeners need no locking."""

    def __init__(self, listeners: list[Listener] | None = None) -> None:
        self._listeners = list(listeners or [])
        self._lock = threading.Lock()

    def emit(self, event: Event) -> None:
        with self._lock:
            for listener in self._listeners:
                listener(event)
