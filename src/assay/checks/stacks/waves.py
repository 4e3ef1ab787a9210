"""What deploying and destroying share: stacks in waves, concurrently within a wave.

``chosen`` gives the stacks a step names and their graph; ``on_stack`` runs one operation on
one stack in its region, an error answer told as that stack's ``StackError``; ``run_waves``
runs one operation per stack, every stack of a wave at once, and a wave only after the one
before it has ended; ``blocked`` decides which stacks a failure leaves alone (deploying:
every later wave; destroying: the stacks a failed one still depends on).
"""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Callable, Collection
from typing import Any

from pydantic import Field

from assay.checks.aws.errors import ANSWERS, explain
from assay.checks.aws.target import Clients
from assay.checks.stacks.assembly import Assembly
from assay.checks.stacks.cloudformation import CloudFormation
from assay.checks.stacks.models import StackGraph
from assay.checks.stacks.stack_state import StackError, StackOutcome, Waiting
from assay.checks.stacks.target import StacksTarget
from assay.config.models import PositiveFloat, StrictModel


class WaitParams(StrictModel):
    """How long to wait for each stack, and how often to look."""

    stacks: list[str] = Field(
        default_factory=list, description="Only these stacks (names or globs); default: all."
    )
    stack_timeout: PositiveFloat = Field(
        1800, description="Seconds to wait for one stack's operation to settle."
    )
    poll: PositiveFloat = Field(
        10, description="Longest pause between status reads, seconds (from 0.1 s, doubling)."
    )

    def waiting(self) -> Waiting:
        return Waiting(self.stack_timeout, self.poll)


def chosen(target: StacksTarget, stacks: list[str]) -> tuple[Assembly, list[str], StackGraph]:
    """The target's stacks, the names a step chose (all by default), and their graph."""
    assembly = target.assembly()  # a source that cannot be read: the step errors
    names = assembly.select(stacks)
    return assembly, names, target.analysis().graph.subgraph(names)


def on_stack(
    target: StacksTarget,
    credential: str,
    name: str,
    waiting: Waiting,
    work: Callable[[CloudFormation, Clients], StackOutcome],
) -> StackOutcome:
    """``work`` on stack ``name`` in its region; an error answer is the stack's failure."""
    region = target.region_of(name, credential)
    clients = target.clients(credential, region)
    try:
        return work(CloudFormation(clients("cloudformation"), region, waiting), clients)
    except ANSWERS as exc:
        code, text = explain(exc)
        raise StackError(code, f"{name}: {text}") from None


def _failure(exc: StackError) -> dict[str, Any]:
    return {"code": exc.code, "message": str(exc), "status": exc.status, "failures": exc.events}


def failure_line(name: str, failure: dict[str, Any]) -> str:
    """One stack's failure with the resource events that explain it."""
    line = str(failure["message"])
    line = line if line.startswith(name) else f"{name}: {line}"
    events = [
        f"{e['logical_id']} ({e['type']}) {e['status']}: {e['reason']}"
        for e in failure.get("failures") or []
    ]
    return line + (" — " + "; ".join(events) if events else "")


def after_any_failure(name: str, failed: Collection[str]) -> bool:
    """Deploying: a failed wave stops every later one."""
    return bool(failed)


def run_waves(
    waves: list[list[str]],
    one: Callable[[str], StackOutcome],
    blocked: Callable[[str, Collection[str]], bool] = after_any_failure,
) -> tuple[dict[str, StackOutcome], dict[str, dict[str, Any]], list[str]]:
    """Run ``one(name)`` for each wave's stacks concurrently; later waves wait for earlier.

    Returns outcomes, failures (``StackError`` as data) and the stacks left alone because
    ``blocked(name, failed so far)``. Any other error (an unreachable endpoint) propagates
    once the wave has ended.
    """
    outcomes: dict[str, StackOutcome] = {}
    failed: dict[str, dict[str, Any]] = {}
    skipped: list[str] = []
    for all_of_wave in waves:
        wave = [n for n in all_of_wave if not blocked(n, failed)]
        skipped += [n for n in all_of_wave if n not in wave]
        if not wave:
            continue
        with cf.ThreadPoolExecutor(len(wave), thread_name_prefix="assay-stack") as pool:
            futures = {name: pool.submit(one, name) for name in wave}
            errors: list[BaseException] = []
            for name, future in futures.items():
                try:
                    outcomes[name] = future.result()
                except StackError as exc:
                    failed[name] = _failure(exc)
                except BaseException as exc:  # collected: the rest of the wave still ends
                    errors.append(exc)
            if errors:
                raise errors[0]
    return outcomes, failed, skipped
