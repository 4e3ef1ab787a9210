"""One stack at a time against a CloudFormation endpoint: create, update, delete, and wait.

Every operation starts from the stack's current status (``action_for``): a new stack is
created, a settled one updated, one that failed its first creation deleted and created
again, and one stuck in a failed state reported rather than touched. Waiting polls
``DescribeStacks`` by stack id with a backoff (0.1 s doubling up to ``poll``) until the status
settles or ``timeout`` passes; an endpoint that answers synchronously (moto) is never slept
on. A stack operation that does not end well raises ``StackError`` with the resource events
that failed during it, found by event id rather than by clock, so skew does not matter.

Change sets (``CreateChangeSet``, then ``ExecuteChangeSet``) record what each deployment
changes; without them the stack is created or updated directly. moto implements both, but
its ``ExecuteChangeSet`` publishes no outputs and no exports, and imports across stacks fail:
``deploy`` in ``deploy.py`` therefore uses change sets everywhere except on the embedded
server unless told otherwise.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from assay.checks.aws.errors import ANSWERS, ErrorAnswer, explain
from assay.checks.aws.operation import jsonable
from assay.checks.stacks.stack_state import (
    NO_CHANGES,
    SETTLED_WELL,
    StackError,
    StackOutcome,
    Waiting,
    action_for,
)


class CloudFormation:
    """Stack operations through one CloudFormation client (one region)."""

    def __init__(self, client: Any, region: str, waiting: Waiting) -> None:
        self.client = client
        self.region = region
        self.waiting = waiting

    def current(self, name: str) -> dict[str, Any] | None:
        """The stack as DescribeStacks has it, or None when there is none (or it was deleted)."""
        try:
            stack: dict[str, Any] = self.client.describe_stacks(StackName=name)["Stacks"][0]
        except ErrorAnswer as exc:
            if "does not exist" in explain(exc)[1]:
                return None
            raise
        return None if stack.get("StackStatus") == "DELETE_COMPLETE" else stack

    def wait(self, stack_id: str, name: str, mark: str | None = None) -> dict[str, Any]:
        """Poll until the stack's status settles; ``StackError`` when ``timeout`` passes."""
        return self._poll(lambda: self._describe(stack_id), stack_id, name, mark)

    def wait_gone(self, stack_id: str, name: str, mark: str | None = None) -> dict[str, Any]:
        """Poll a deletion by name, as CloudFormation's own waiter does: "does not exist" is
        DELETE_COMPLETE. (Describing a deleted stack by its id makes moto create the resources
        its outputs refer to again.)"""
        return self._poll(
            lambda: self.current(name) or {"StackId": stack_id, "StackStatus": "DELETE_COMPLETE"},
            stack_id,
            name,
            mark,
        )

    def _describe(self, ref: str) -> dict[str, Any]:
        stack: dict[str, Any] = self.client.describe_stacks(StackName=ref)["Stacks"][0]
        return stack

    def _poll(
        self, read: Callable[[], dict[str, Any]], stack_id: str, name: str, mark: str | None
    ) -> dict[str, Any]:
        deadline = time.monotonic() + self.waiting.timeout
        for delay in self.waiting.delays():
            stack = read()
            status = str(stack.get("StackStatus"))
            if not status.endswith("_IN_PROGRESS"):
                return stack
            if time.monotonic() + delay > deadline:
                raise StackError(
                    "StackTimeout",
                    f"{name} is still {status} after {self.waiting.timeout:g}s",
                    status,
                    self.failures(stack_id, mark),
                )
            time.sleep(delay)
        raise AssertionError("unreachable")  # delays() never ends

    def newest_event(self, stack_id: str) -> str | None:
        """The id of the stack's newest event: where the next operation's events begin."""
        events = self.client.describe_stack_events(StackName=stack_id).get("StackEvents") or []
        return str(events[0]["EventId"]) if events else None

    def failures(self, stack_id: str, mark: str | None) -> list[dict[str, Any]]:
        """The resource events that failed since event ``mark``, oldest first."""
        found: list[dict[str, Any]] = []
        paginator = self.client.get_paginator("describe_stack_events")
        for page in paginator.paginate(StackName=stack_id):
            for event in page.get("StackEvents") or []:
                if mark is not None and event.get("EventId") == mark:
                    return list(reversed(found))
                if str(event.get("ResourceStatus", "")).endswith("_FAILED"):
                    found.append(
                        {
                            "logical_id": event.get("LogicalResourceId"),
                            "type": event.get("ResourceType"),
                            "status": event.get("ResourceStatus"),
                            "reason": event.get("ResourceStatusReason") or "",
                            "physical_id": event.get("PhysicalResourceId") or None,
                            "time": jsonable(event.get("Timestamp")),
                        }
                    )
        return list(reversed(found))

    def settled(self, name: str) -> dict[str, Any] | None:
        """The stack once no operation runs on it (waiting for one that does)."""
        stack = self.current(name)
        status = str((stack or {}).get("StackStatus"))
        if stack is None or not status.endswith("_IN_PROGRESS"):
            return stack
        if status == "REVIEW_IN_PROGRESS":
            return stack  # no operation runs: a change set waits to be executed
        if status == "DELETE_IN_PROGRESS":
            self.wait_gone(str(stack["StackId"]), name)
            return self.current(name)
        return self.wait(str(stack["StackId"]), name)

    def deploy(
        self,
        name: str,
        template: dict[str, Any],
        parameters: dict[str, str],
        capabilities: Sequence[str],
        tags: dict[str, str],
        change_sets: bool,
    ) -> StackOutcome:
        """Create or update ``name`` from ``template`` and wait for it; raises ``StackError``."""
        started = time.perf_counter()
        stack = self.settled(name)
        status = str(stack["StackStatus"]) if stack else None
        action = action_for(status, change_sets)
        if action == "refuse":
            raise StackError(
                "StackNotDeployable",
                f"{name} is {status} ({(stack or {}).get('StackStatusReason') or 'no reason'}); "
                "it needs attention (or stacks.destroy) before it can be deployed again",
                status,
            )
        if action == "recreate":
            assert stack is not None
            self.delete(name, stack)
            stack = None
        updating = action == "update"
        request: dict[str, Any] = {
            "StackName": name,
            "TemplateBody": json.dumps(template),
            "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
            "Capabilities": list(capabilities),
            "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
        }
        mark = self.newest_event(str(stack["StackId"])) if stack else None
        outcome = StackOutcome(name, self.region, action)
        try:
            if change_sets:
                stack_id = self._change_set(request, "UPDATE" if updating else "CREATE", outcome)
            elif updating:
                stack_id = self.client.update_stack(**request)["StackId"]
            else:
                stack_id = self.client.create_stack(**request)["StackId"]
        except ANSWERS as exc:
            code, text = explain(exc)
            if updating and stack is not None and any(s in text.lower() for s in NO_CHANGES):
                outcome.action = "unchanged"
                return self.read(outcome, stack, started)
            failures = self.failures(str(stack["StackId"]), mark) if stack else []
            raise StackError(code, f"{name}: {text}", status, failures) from None
        if stack_id is None:  # the change set found nothing to change
            assert stack is not None
            outcome.action = "unchanged"
            return self.read(outcome, stack, started)
        final = self.wait(stack_id, name, mark)
        final_status = str(final.get("StackStatus"))
        if final_status not in SETTLED_WELL:
            raise StackError(
                "DeployFailed",
                f"{name} ended {final_status}"
                + (f" ({final['StackStatusReason']})" if final.get("StackStatusReason") else ""),
                final_status,
                self.failures(stack_id, mark),
            )
        return self.read(outcome, final, started)

    def _change_set(self, request: dict[str, Any], kind: str, outcome: StackOutcome) -> str | None:
        """Create, inspect and execute a change set; None when it holds no changes."""
        name = f"assay-{uuid.uuid4().hex[:12]}"
        made = self.client.create_change_set(
            **request, ChangeSetName=name, ChangeSetType=kind, Description="assay stacks.deploy"
        )
        change_set = made["Id"]
        deadline = time.monotonic() + self.waiting.timeout
        for delay in self.waiting.delays():
            found = self.client.describe_change_set(ChangeSetName=change_set)
            if found.get("Status") in ("CREATE_COMPLETE", "FAILED"):
                break
            if time.monotonic() + delay > deadline:
                raise StackError(
                    "StackTimeout",
                    f"{request['StackName']}: change set {name} is still {found.get('Status')} "
                    f"after {self.waiting.timeout:g}s",
                )
            time.sleep(delay)
        reason = str(found.get("StatusReason") or "")
        if found.get("Status") == "FAILED":
            if any(s in reason.lower() for s in NO_CHANGES):
                self.client.delete_change_set(ChangeSetName=change_set)
                return None
            raise StackError("ChangeSetFailed", f"{request['StackName']}: change set: {reason}")
        outcome.changes = [
            {
                "action": change.get("Action"),
                "logical_id": change.get("LogicalResourceId"),
                "type": change.get("ResourceType"),
                "replacement": change.get("Replacement"),
            }
            for change in (c.get("ResourceChange") or {} for c in found.get("Changes") or [])
        ]
        self.client.execute_change_set(ChangeSetName=change_set)
        return str(made["StackId"])

    def delete(self, name: str, stack: dict[str, Any]) -> dict[str, Any]:
        """Delete a stack and wait until it is gone; raises ``StackError`` if it is not."""
        stack_id = str(stack["StackId"])
        mark = self.newest_event(stack_id)
        self.client.delete_stack(StackName=stack_id)
        final = self.wait_gone(stack_id, name, mark)
        if final.get("StackStatus") != "DELETE_COMPLETE":
            raise StackError(
                "DestroyFailed",
                f"{name} ended {final.get('StackStatus')}"
                + (f" ({final['StackStatusReason']})" if final.get("StackStatusReason") else ""),
                str(final.get("StackStatus")),
                self.failures(stack_id, mark),
            )
        return final

    def resources(self, stack_id: str) -> dict[str, dict[str, Any]]:
        """Logical id -> type, physical id and status of every resource of the stack."""
        paginator = self.client.get_paginator("list_stack_resources")
        out = {}
        for page in paginator.paginate(StackName=stack_id):
            for r in page.get("StackResourceSummaries") or []:
                if r.get("LogicalResourceId"):
                    out[str(r["LogicalResourceId"])] = {
                        "type": r.get("ResourceType"),
                        "physical_id": r.get("PhysicalResourceId") or None,
                        "status": r.get("ResourceStatus"),
                    }
        return out

    def listed(self, outcome: StackOutcome) -> dict[str, dict[str, Any]]:
        """The stack's resources, or none with a problem noted when they cannot be listed."""
        assert outcome.stack_id is not None
        try:
            return self.resources(outcome.stack_id)
        except ANSWERS as exc:
            code, text = explain(exc)
            outcome.problems.append(f"could not list its resources: {code}: {text}")
            return {}

    def read(self, outcome: StackOutcome, stack: dict[str, Any], started: float) -> StackOutcome:
        """Fill ``outcome`` with the stack's status, outputs and resources."""
        outcome.status = str(stack.get("StackStatus"))
        outcome.stack_id = str(stack["StackId"])
        outcome.outputs = {o["OutputKey"]: o.get("OutputValue") for o in stack.get("Outputs") or []}
        outcome.resources = self.listed(outcome)
        outcome.seconds = time.perf_counter() - started
        return outcome
