"""Running suites: groups sequential or concurrent, phases, fail-fast, Ctrl-C, cancellation.

The ``after`` phase of a group that started always runs: when ``before`` fails, when a test
fails under ``--fail-fast``, and when the run is interrupted or cancelled. A second Ctrl-C
abandons them.

A long-lived caller (the server) keeps targets open across runs (``OpenTargets``, passed as
``targets``), cancels a run through ``RunOptions.cancel`` and listens to the run's events.
"""

from __future__ import annotations

import concurrent.futures as cf
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from assay.config.models import Group, Step, Suite
from assay.config.variables import new_run_id
from assay.core.events import (
    EventBus,
    GroupFinished,
    GroupStarted,
    Listener,
    RunFinished,
    RunInterrupted,
    RunStarted,
    StepFinished,
    StepStarted,
)
from assay.core.results import Phase, RunResult, Status, StepResult
from assay.engine.step import GroupScope, StepExecutor
from assay.engine.targets import OpenTargets, target_names

DEFAULT_PARALLEL = 4


@dataclass
class RunOptions:
    parallel: int | None = None  # None: as the suites say
    groups: list[str] = field(default_factory=list)  # only these groups (empty: all)
    timeout: float | None = None  # default step timeout, seconds
    fail_fast: bool = False
    run_id: str = field(default_factory=new_run_id)
    approvals: tuple[str, ...] = ()  # --approve: patterns of approved destructive changes
    # set by the caller to cancel the run: nothing new starts, after phases still run
    cancel: threading.Event = field(default_factory=threading.Event)


def selected(suites: list[Suite], names: list[str]) -> list[tuple[Suite, Group]]:
    pairs = [(s, g) for s in suites for g in s.groups]
    return [p for p in pairs if not names or p[1].name in names]


class Runner:
    """Runs validated suites once and returns their ``RunResult``."""

    def __init__(
        self,
        suites: list[Suite],
        options: RunOptions | None = None,
        listeners: list[Listener] | None = None,
        targets: OpenTargets | None = None,
    ) -> None:
        self.suites = suites
        self.options = options or RunOptions()
        self.bus = EventBus(listeners)
        self.kept = targets  # the caller's, left open after the run
        self.cancel = self.options.cancel
        self.stop = threading.Event()  # fail-fast tripped
        self._lock = threading.Lock()
        self.workers = DEFAULT_PARALLEL
        self.run_result = RunResult(
            run_id=self.options.run_id,
            suites=[s.path for s in suites],
            started_at=datetime.now(UTC),
        )

    def concurrency(self) -> tuple[int, bool]:
        """(worker count, whether groups run concurrently)."""
        if self.options.parallel is not None:
            return max(1, self.options.parallel), self.options.parallel > 1
        flags = [s.parallel for s in self.suites]
        limits = [f for f in flags if isinstance(f, int) and not isinstance(f, bool) and f > 1]
        if limits:
            return max(limits), True
        return DEFAULT_PARALLEL, any(f is True for f in flags)

    def run(self) -> RunResult:
        pairs = selected(self.suites, self.options.groups)
        workers, concurrent_groups = self.concurrency()
        self.workers = workers
        total = sum(len(g.before) + len(g.test) + len(g.after) for _, g in pairs)
        self.bus.emit(RunStarted(self.run_result.run_id, tuple(self.run_result.suites), total))
        if self.kept is not None and all(self.kept.covers(s, g) for s, g in pairs):
            targets = self.kept
        else:
            targets = OpenTargets.open(self.suites, workers, pairs)
        group_threads = workers if concurrent_groups else 1
        lanes = workers if any(g.parallel and len(g.test) > 1 for _, g in pairs) else 1
        executor = StepExecutor(
            targets,
            workers,
            self.cancel,
            self.options.timeout,
            self.options.approvals,
            # calls need bounding only when groups times lanes could exceed the limit
            bounded=group_threads * lanes > workers,
        )
        pool = cf.ThreadPoolExecutor(group_threads, thread_name_prefix="assay-group")
        try:
            futures = [pool.submit(self._group, executor, s, g) for s, g in pairs]
            self._wait(futures)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
            executor.close()
            if targets is not self.kept:
                targets.close()
            if self.cancel.is_set():
                self.run_result.interrupted = True
            self.run_result.finished_at = datetime.now(UTC)
            self.bus.emit(RunFinished(self.run_result))
        return self.run_result

    def _wait(self, futures: list[cf.Future[None]]) -> None:
        interrupts = 0
        pending = set(futures)
        while pending:
            try:
                done, pending = cf.wait(pending, timeout=0.2)
                for future in done:
                    future.result()
            except KeyboardInterrupt:
                interrupts += 1
                self.run_result.interrupted = True
                self.cancel.set()
                if interrupts == 1:
                    self.bus.emit(
                        RunInterrupted(
                            "interrupted: finishing after phases (Ctrl-C again to abandon them)"
                        )
                    )
                else:
                    self.bus.emit(RunInterrupted("abandoned the remaining after phases"))
                    return

    def _record(self, result: StepResult) -> None:
        with self._lock:
            self.run_result.results.append(result)
        self.bus.emit(StepFinished(result))
        if (
            self.options.fail_fast
            and result.status in (Status.FAILED, Status.ERROR)
            and (result.phase is not Phase.AFTER)
        ):
            self.stop.set()

    def _skip(self, scope: GroupScope, phase: Phase, steps: list[Step], why: str) -> None:
        for index, step in enumerate(steps, 1):
            self._skip_one(scope, phase, index, step, why)

    def _halted(self) -> str | None:
        if self.cancel.is_set():
            how = "interrupted" if self.run_result.interrupted else "cancelled"
            return f"skipped: run {how}"
        if self.stop.is_set():
            return "skipped: --fail-fast after an earlier failure"
        return None

    def _group(self, executor: StepExecutor, suite: Suite, group: Group) -> None:
        scope = GroupScope(suite, group, target_names(suite, group)[0])
        halted = self._halted()
        if halted:
            for phase, steps in group.phases():
                self._skip(scope, Phase(phase), steps, halted)
            return
        self.bus.emit(
            GroupStarted(group.name, len(group.before) + len(group.test) + len(group.after))
        )
        before_ok = self._phase(executor, scope, Phase.BEFORE, group.before, parallel=False)
        halted = self._halted()
        if halted:
            self._skip(scope, Phase.TEST, group.test, halted)
        elif not before_ok:
            self._skip(scope, Phase.TEST, group.test, "skipped: the before phase failed")
        else:
            self._phase(executor, scope, Phase.TEST, group.test, parallel=group.parallel)
        self._phase(executor, scope, Phase.AFTER, group.after, parallel=False, always=True)
        self.bus.emit(GroupFinished(group.name))

    def _phase(
        self,
        executor: StepExecutor,
        scope: GroupScope,
        phase: Phase,
        steps: list[Step],
        parallel: bool,
        always: bool = False,
    ) -> bool:
        ok = True

        def one(index: int, step: Step) -> bool:
            halted = None if always else self._halted()
            if halted:
                self._skip_one(scope, phase, index, step, halted)
                return True
            self.bus.emit(StepStarted(scope.group.name, phase, index, step.label))
            result = executor.run(scope, phase, index, step)
            self._record(result)
            return result.status is Status.PASSED

        if parallel and len(steps) > 1:
            lanes_n = min(len(steps), self.workers)
            with cf.ThreadPoolExecutor(lanes_n, thread_name_prefix="assay-lane") as lanes:
                outcomes = list(lanes.map(lambda pair: one(*pair), enumerate(steps, 1)))
            return all(outcomes)
        for index, step in enumerate(steps, 1):
            if not ok and phase is Phase.BEFORE:
                self._skip_one(scope, phase, index, step, "skipped: an earlier before step failed")
            elif not one(index, step):
                ok = False
        return ok

    def _skip_one(self, scope: GroupScope, phase: Phase, index: int, step: Step, why: str) -> None:
        self._record(scope.result(phase, index, step, Status.SKIPPED, message=why))


def run_suites(
    suites: list[Suite],
    options: RunOptions | None = None,
    listeners: list[Listener] | None = None,
    targets: OpenTargets | None = None,
) -> RunResult:
    """Run ``suites`` and return the results (the library entry point); with ``targets``
    (``OpenTargets.open``), the run uses those and leaves them open for the next."""
    return Runner(suites, options, listeners, targets).run()
