"""CloudFormation stacks: status, parameters, outputs, resources, template digest, tags."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from assay.checks.aws.resources import ResourceType, register
from assay.checks.aws.resources.base import Clients, NotFound, Parts, missing, pages, tag_map

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
        "Type": "cloudformation.stack",
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
        describe=describe,
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
