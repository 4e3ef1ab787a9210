"""IAM roles (trust policy, inline and attached policies with their documents) and policies."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from assay.checks.aws.resources import ResourceType, register
from assay.checks.aws.resources.base import (
    Clients,
    NotFound,
    Parts,
    json_value,
    last_segment,
    missing,
    pages,
    tag_map,
)

ROLE = "IAM role"
POLICY = "IAM policy"


def canonical(ident: str) -> str:
    """A role's or policy's name, from its name or ARN (``arn:aws:iam::acct:role/path/name``)."""
    return last_segment(ident.strip())


def _document(iam: Any, arn: str) -> Any:
    """The default version's document of a managed policy."""
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    version = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])
    return json_value(version["PolicyVersion"]["Document"])


def describe_role(clients: Clients, ident: str, deep: bool) -> dict[str, Any]:
    name = canonical(ident)
    iam = clients("iam")
    with missing(ROLE, name, "NoSuchEntity"):
        role = iam.get_role(RoleName=name)["Role"]
    parts = Parts("iam")

    def inline() -> dict[str, Any]:
        names = pages(iam, "list_role_policies", "PolicyNames", RoleName=name)
        return {
            str(p): json_value(iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"])
            for p in names
        }

    def attached() -> list[dict[str, Any]]:
        out = []
        for policy in pages(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=name):
            arn, label = policy["PolicyArn"], policy["PolicyName"]
            document = parts.get(
                f"AttachedPolicies.{label}", functools.partial(_document, iam, arn)
            )
            out.append({"PolicyName": label, "PolicyArn": arn, "Document": document})
        return out

    doc = {
        "Id": name,
        "Name": name,
        **{k: v for k, v in role.items() if k not in ("Tags", "RoleLastUsed")},
        "AssumeRolePolicyDocument": json_value(role.get("AssumeRolePolicyDocument")),
        "InlinePolicies": parts.get("InlinePolicies", inline),
        "AttachedPolicies": parts.get("AttachedPolicies", attached),
        "Tags": tag_map(role.get("Tags")),
    }
    return parts.finish(doc)


def list_roles(clients: Clients) -> Iterator[str]:
    yield from (str(r["RoleName"]) for r in pages(clients("iam"), "list_roles", "Roles"))


def _policy_arn(iam: Any, ident: str) -> str:
    if ident.startswith("arn:"):
        return ident
    for policy in pages(iam, "list_policies", "Policies", Scope="Local"):
        if policy["PolicyName"] == ident:
            return str(policy["Arn"])
    raise NotFound(f"{POLICY} '{ident}' does not exist")


def describe_policy(clients: Clients, ident: str, deep: bool) -> dict[str, Any]:
    name = canonical(ident)
    iam = clients("iam")
    arn = _policy_arn(iam, ident.strip())
    with missing(POLICY, name, "NoSuchEntity"):
        policy = iam.get_policy(PolicyArn=arn)["Policy"]
        version = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])
    parts = Parts("iam")
    doc = {
        "Id": name,
        "Name": name,
        **{k: v for k, v in policy.items() if k != "Tags"},
        "Document": json_value(version["PolicyVersion"]["Document"]),
        "Tags": tag_map(policy.get("Tags")),
    }
    return parts.finish(doc)


def list_policies(clients: Clients) -> Iterator[str]:
    """Customer-managed policies' ARNs (AWS's own are the same in every account)."""
    for policy in pages(clients("iam"), "list_policies", "Policies", Scope="Local"):
        yield str(policy["Arn"])


register(
    ResourceType(
        name="iam.role",
        kind="aws.iam_role",
        summary="an IAM role: trust policy, inline and attached policies, tags",
        noun=ROLE,
        service="iam",
        cloudformation="AWS::IAM::Role",
        terraform="aws_iam_role",
        describer=describe_role,
        list_ids=list_roles,
        canonical=canonical,
        volatile=("RoleId", "CreateDate"),
    )
)
register(
    ResourceType(
        name="iam.policy",
        kind="aws.iam_policy",
        summary="a customer-managed IAM policy: its default document, tags",
        noun=POLICY,
        service="iam",
        cloudformation="AWS::IAM::ManagedPolicy",
        terraform="aws_iam_policy",
        describer=describe_policy,
        list_ids=list_policies,
        canonical=canonical,
        volatile=(
            "PolicyId",
            "CreateDate",
            "UpdateDate",
            "DefaultVersionId",
            "AttachmentCount",
            "PermissionsBoundaryUsageCount",
        ),
    )
)
