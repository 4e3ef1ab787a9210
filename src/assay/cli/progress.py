"""Showing a run as it happens: a live bar on a terminal, plain lines otherwise, or JSON logs."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assay.core.events import (
    Event,
    GroupStarted,
    RunFinished,
    RunInterrupted,
    RunStarted,
    StepFinished,
)
from assay.core.results import Status, StepResult
from assay.report.table import STYLES


def _line(r: StepResult) -> str:
    detail = f"  {r.message}" if r.message else ""
    return (
        f"{str(r.status).upper():7} {r.group} {r.phase}[{r.index}] {r.kind} "
        f"{r.duration * 1000:.0f}ms{detail}"
    )


class PlainLines:
    """One line per finished step, for logs and CI consoles."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr

    def __call__(self, event: Event) -> None:
        if isinstance(event, StepFinished):
            print(_line(event.result), file=self.stream, flush=True)
        elif isinstance(event, RunInterrupted):
            print(event.reason, file=self.stream, flush=True)


class LiveBar:
    """A rich progress bar on stderr; failures are printed above it as they happen."""

    def __init__(self) -> None:
        self.console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        )
        self.task = self.progress.add_task("starting", total=None)

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self.progress.update(self.task, total=event.total_steps, description="running")
            self.progress.start()
        elif isinstance(event, GroupStarted):
            self.progress.update(self.task, description=event.group)
        elif isinstance(event, StepFinished):
            self.progress.advance(self.task)
            r = event.result
            if r.status in (Status.FAILED, Status.ERROR):
                self.console.print(_line(r), style=STYLES[r.status], markup=False, highlight=False)
        elif isinstance(event, RunInterrupted):
            self.console.print(event.reason, style="yellow")
        elif isinstance(event, RunFinished):
            self.progress.stop()


class LogEvents:
    """Every step as a structured log record (for ``--log-format json``)."""

    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self.logger.info(
                "run started", extra={"run_id": event.run_id, "steps": event.total_steps}
            )
        elif isinstance(event, StepFinished):
            r = event.result
            level = logging.INFO if r.status in (Status.PASSED, Status.SKIPPED) else logging.WARNING
            self.logger.log(
                level,
                "step finished",
                extra={
                    "group": r.group,
                    "phase": str(r.phase),
                    "index": r.index,
                    "kind": r.kind,
                    "status": str(r.status),
                    "duration_ms": round(r.duration * 1000, 3),
                    "attempts": r.attempts,
                    "error_code": r.error_code,
                    "detail": r.message,
                },
            )
        elif isinstance(event, RunInterrupted):
            self.logger.warning(event.reason)
        elif isinstance(event, RunFinished):
            self.logger.info(
                "run finished", extra={"run_id": event.run.run_id, **event.run.counts()}
            )
