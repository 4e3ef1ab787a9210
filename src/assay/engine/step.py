"""Running one step: resolve outputs, call the check with a timeout, retry, compare, record."""

from __future__ import annotations

import concurrent.futures as cf
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import jmespath

from assay.config.models import Expectation, Group, Step, Suite
from assay.config.variables import VariableError, resolve_outputs
from assay.core.checks import CHECKS, CheckCall, Observation, Target
from assay.core.errors import CheckFailure
from assay.core.failures import Part, failure, render
from assay.core.results import Phase, Status, StepResult
from assay.core.secrets import redact, redact_data, redact_failure
from assay.engine.expect import describe_outcome, evaluate
from assay.engine.retry import RetryPolicy, should_retry

DEFAULT_TIMEOUT = 60.0


@dataclass
class GroupScope:
    """What steps of one group share: its suite, target, and outputs."""

    suite: Suite
    group: Group
    target: str
    outputs: dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def result(self, phase: Phase, index: int, step: Step, status: Status, **kw: Any) -> StepResult:
        """A result of ``step`` in this group, for the engine to complete."""
        return StepResult(
            group=self.group.name,
            phase=phase,
            index=index,
            name=step.label,
            kind=step.kind,
            status=status,
            suite=self.suite.path,
            target=step.target or self.target,
            **kw,
        )


class StepExecutor:
    """Executes steps; shared by all groups of a run."""

    def __init__(
        self,
        targets: dict[tuple[str, str], Target],
        concurrency: int,
        cancel: threading.Event,
        default_timeout: float | None,
        approvals: tuple[str, ...] = (),
        bounded: bool = True,
    ) -> None:
        self.targets = targets
        self.cancel = cancel
        self.default_timeout = default_timeout
        self.approvals = approvals
        # None when the run cannot have more callers than ``concurrency`` at once
        self.slots = threading.BoundedSemaphore(concurrency) if bounded else None
        # calls run here so a step that overruns its timeout can be abandoned
        self.calls = cf.ThreadPoolExecutor(concurrency + 4, thread_name_prefix="assay-call")

    def close(self) -> None:
        self.calls.shutdown(wait=False, cancel_futures=True)

    def run(self, scope: GroupScope, phase: Phase, index: int, step: Step) -> StepResult:
        started_at = datetime.now(UTC)
        t0 = time.perf_counter()
        result = scope.result(phase, index, step, Status.ERROR, started_at=started_at)
        try:
            self._execute(scope, step, result)
        except CheckFailure as exc:
            result.status = Status.FAILED
            result.failures = [redact_failure(f) for f in exc.failures]
            result.message = render(result.failures)
            result.details.update(redact_data(exc.details))
        except Exception as exc:  # any other escape from a check is an ERROR, never a crash
            result.status = Status.ERROR
            result.message = redact(
                f"{type(exc).__name__}: {exc}"
                if not str(exc).startswith(type(exc).__name__)
                else str(exc)
            )
        result.duration = time.perf_counter() - t0
        return result

    def _execute(self, scope: GroupScope, step: Step, result: StepResult) -> None:
        target_name = step.target or scope.target
        target = self.targets[(scope.suite.path, target_name)]
        settings = scope.suite.targets[target_name]
        credential = settings.credential_for(step.as_ or scope.group.as_)
        result.credential = credential or ""
        kind = CHECKS.get(step.kind)
        assert kind is not None, f"validated suite names unknown kind {step.kind}"
        with scope.lock:
            outputs = dict(scope.outputs)
        try:
            params = resolve_outputs(step.params, outputs) if step.params_have_refs else step.params
            expect = step.expect
            if step.has_output_refs:
                expect = Expectation.model_validate(
                    resolve_outputs(expect.model_dump(exclude_unset=True), outputs)
                )
        except VariableError as exc:
            result.message = str(exc)
            return
        explicit = step.timeout or scope.group.timeout or self.default_timeout
        timeout = explicit or max(settings.timeout * 2, DEFAULT_TIMEOUT)
        policy = RetryPolicy.from_settings(getattr(settings, "retries", None), step.retries)
        call = CheckCall(
            target=target,
            credential=credential or "",
            params=params,
            timeout=timeout,
            debug=step.debug,
            validated=not step.params_have_refs,
            approvals=self.approvals,
        )
        obs = self._attempts(kind.run, call, policy, expect, result, explicit is not None)
        if obs is None:
            return
        result.error_code, result.http_status = obs.error_code, obs.http_status
        if obs.timings:
            result.details["timings"] = {k: round(v, 6) for k, v in obs.timings.items()}
        if step.debug:
            result.details["response"] = redact_data(obs.data)
        if obs.unreachable:
            result.status = Status.ERROR
            result.message = f"target '{target_name}' unreachable: {obs.message}"
            result.details["unreachable"] = True
            return
        try:
            evaluate(expect, obs)
        except CheckFailure:
            result.details.setdefault("response", redact_data(obs.data))
            raise
        self._outputs(scope, step, obs, params)
        result.status = Status.PASSED
        result.message = "" if obs.success else f"got expected {describe_outcome(obs)}"

    def _attempts(
        self,
        run: Any,
        call: CheckCall,
        policy: RetryPolicy,
        expect: Expectation,
        result: StepResult,
        abandonable: bool,
    ) -> Observation | None:
        """Call with retries; sleeping between attempts holds no concurrency slot."""
        obs: Observation | None = None
        for attempt in range(1, policy.max_attempts + 1):
            result.attempts = attempt
            if self.slots is None:
                obs = self._call(run, call, abandonable)
            else:
                with self.slots:
                    obs = self._call(run, call, abandonable)
            if obs is None:
                result.status = Status.ERROR
                result.message = f"timed out after {call.timeout:g}s"
                return None
            if not should_retry(obs, expect) or attempt == policy.max_attempts:
                break
            result.details.setdefault("retried", []).append(describe_outcome(obs))
            if self.cancel.wait(policy.delay(attempt)):
                break
        return obs

    def _call(self, run: Any, call: CheckCall, abandonable: bool) -> Observation | None:
        """One call; None when it overran an explicit timeout.

        Only an explicit timeout (step, group or --timeout) needs the hand-off to the call
        pool, so that the step can be abandoned; otherwise the client's own connect and read
        timeouts bound every request and the call runs in this thread, which is cheaper.
        """
        if not abandonable:
            obs: Observation = run(call)
            return obs
        future = self.calls.submit(run, call)
        try:
            return cast(Observation, future.result(timeout=call.timeout))
        except cf.TimeoutError:
            return None

    def _outputs(
        self, scope: GroupScope, step: Step, obs: Observation, params: dict[str, Any]
    ) -> None:
        values = {}
        for name, path in step.outputs.items():
            scoped = path.startswith(("parameters.", "response."))
            # a check may report its canonical parameters (e.g. 'bucket' -> 'Bucket')
            canonical = obs.data.get("parameters", params)
            source = {"parameters": canonical, "response": obs.data} if scoped else obs.data
            value = jmespath.search(path, source)
            if value is None:
                text = f"output '{name}': nothing at '{path}' in the response"
                raise CheckFailure(
                    [failure(Part.OUTPUT, name, None, path, text)],
                    {"response": redact_data(obs.data)},
                )
            values[name] = value
        if values:
            with scope.lock:
                scope.outputs.update(values)
