"""CloudFormation stacks: status, parameters, outputs, resources, template digest, tags.

Also how other kinds find a resource through a deployed stack: by logical id or by output.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from assay.checks.aws.resources import ResourceType, register
from assay.checks.aws.resources.base import Clients, NotFound, Parts, missing, pages, tag_map
from assay.core.registry import suggest

NOUN = "CloudFormation stack"
LIVE = [  # every status but DELETE_COMPLETE: a deleted stack is no longer a resource
    "CREATE_IN_PROGRESS",
    "CREATE_FAILED",
    "CREATE_COMPLETE",
    "ROLLBACK_IN_PROGRESS",
    "ROLLBACK_FAILED",
    "ROLLBACK_COMPLETE",
    "DELETE_IN_PROGRESS",
    "DELETE_FAILED",
    "UPDATE_IN_PROGRESS",
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
    "UPDATE_COMPLETE",
    "UPDATE_FAILED",
    "UPDATE_ROLLBACK_IN_PROGRESS",
    "UPDATE_ROLLBACK_FAILED",
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
    "UPDATE_ROLLBACK_COMPLETE",
    "REVIEW_IN_PROGRESS",
    "IMPORT_IN_PROGRESS",
    "IMPORT_COMPLETE",
    "IMPORT_ROLLBACK_IN_PROGRESS",
    "IMPORT_ROLLBACK_FAILED",
    "IMPORT_ROLLBACK_COMPLETE",
]


def canonical(ident: str) -> str:
    """A stack's name, from its name or id (``arn:aws:cloudformation:...:stack/name/uuid``)."""
    ident = ident.strip()
    if ident.startswith("arn:"):
        return ident.split(":", 5)[-1].split("/")[1]
    return ident


def _template_digest(body: Any) -> str:
    text = body if isinstance(body, str) else json.dumps(body, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def describe(clients: Clients, ident: str, deep: bool) -> dict[str, Any]:
    name = canonical(ident)
    cfn = clients("cloudformation")
    with missing(NOUN, name, "ValidationError", match="does not exist"):
        stack = cfn.describe_stacks(StackName=ident.strip())["Stacks"][0]
    if stack.get("StackStatus") == "DELETE_COMPLETE":
        raise NotFound(f"{NOUN} '{name}' was deleted")
    parts = Parts("cloudformation")
    resources = parts.get(
        "Resources",
        lambda: list(pages(cfn, "list_stack_resources", "StackResourceSummaries", StackName=name)),
    )
    template = parts.get("TemplateSha256", lambda: cfn.get_template(StackName=name)["TemplateBody"])
    doc = {
        "Id": name,
        "Name": name,
        "Arn": stack.get("StackId"),
        **{k: v for k, v in stack.items() if k not in ("Parameters", "Outputs", "Tags")},
        "Parameters": {
            p["ParameterKey"]: p.get("ParameterValue") for p in stack.get("Parameters") or []
        },
        "Outputs": {o["OutputKey"]: o.get("OutputValue") for o in stack.get("Outputs") or []},
        "Resources": {
            r["LogicalResourceId"]: {
                "Type": r.get("ResourceType"),
                "PhysicalId": r.get("PhysicalResourceId"),
                "Status": r.get("ResourceStatus"),
            }
            for r in resources or []
        },
        "TemplateSha256": _template_digest(template) if template is not None else None,
        "Tags": tag_map(stack.get("Tags")),
    }
    return parts.finish(doc)


def list_ids(clients: Clients) -> Iterator[str]:
    cfn = clients("cloudformation")
    for stack in pages(cfn, "list_stacks", "StackSummaries", StackStatusFilter=LIVE):
        yield str(stack["StackName"])


register(
    ResourceType(
        name="cloudformation.stack",
        kind="aws.cloudformation_stack",
        summary="a CloudFormation stack: status, parameters, outputs, resources",
        noun=NOUN,
        service="cloudformation",
        cloudformation="AWS::CloudFormation::Stack",
        terraform="aws_cloudformation_stack",
        describer=describe,
        list_ids=list_ids,
        canonical=canonical,
        volatile=(
            "Arn",
            "StackId",
            "StackStatus",
            "StackStatusReason",
            "CreationTime",
            "LastUpdatedTime",
            "DeletionTime",
            "DriftInformation",
            "Resources.*.Status",
        ),
    )
)


def stack_resource(clients: Clients, stack: str, logical_id: str) -> tuple[str, str]:
    """The CloudFormation type and physical id of ``logical_id`` in a deployed ``stack``.

    Raises ``NotFound`` for a missing stack or resource, and for one the endpoint reports
    without a physical id (moto does so for resource types its CloudFormation lacks).
    """
    cfn = clients("cloudformation")
    name = canonical(stack)
    with missing(NOUN, name, "ValidationError", match="does not exist"):
        found = list(pages(cfn, "list_stack_resources", "StackResourceSummaries", StackName=stack))
    by_id = {r.get("LogicalResourceId"): r for r in found}
    resource = by_id.get(logical_id)
    if resource is None:
        known = sorted(str(k) for k in by_id if k)
        # CDK's logical ids are the construct's id and a hash: Items -> Items5C12978B
        hashed = [k for k in known if k.startswith(logical_id)]
        hint = (
            suggest(logical_id, known)
            or (f" (did you mean '{hashed[0]}'?)" if len(hashed) == 1 else "")
            or f" (its resources: {', '.join(known) or 'none'})"
        )
        raise NotFound(f"stack '{name}' has no resource '{logical_id}'{hint}")
    physical = resource.get("PhysicalResourceId")
    if not physical:
        raise NotFound(
            f"resource '{logical_id}' ({resource.get('ResourceType')}) of stack '{name}' has no "
            f"physical id ({resource.get('ResourceStatus')}): the endpoint did not create it"
        )
    return str(resource.get("ResourceType") or ""), str(physical)


def stack_output(clients: Clients, stack: str, key: str) -> str:
    """The value of output ``key`` of a deployed ``stack``; ``NotFound`` if there is none."""
    name = canonical(stack)
    with missing(NOUN, name, "ValidationError", match="does not exist"):
        found = clients("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    outputs = {o["OutputKey"]: o.get("OutputValue") for o in found.get("Outputs") or []}
    if not outputs.get(key):
        known = sorted(outputs)
        hint = suggest(key, known) or f" (its outputs: {', '.join(known) or 'none'})"
        raise NotFound(f"stack '{name}' has no output '{key}'{hint}")
    return str(outputs[key])
