"""SSM parameters: type, tier, version, value (never a SecureString's), tags."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from assay.checks.aws.resources import ResourceType, register
from assay.checks.aws.resources.base import Clients, NotFound, Parts, pages, tag_map

NOUN = "SSM parameter"


def canonical(ident: str) -> str:
    """A parameter's name, from its name or ARN (``arn:aws:ssm:...:parameter/app/x``)."""
    ident = ident.strip()
    if ident.startswith("arn:"):
        return "/" + ident.split(":parameter/", 1)[-1]
    return ident


def _find(ssm: Any, name: str) -> dict[str, Any] | None:
    filters = [{"Key": "Name", "Option": "Equals", "Values": [name]}]
    found = list(pages(ssm, "describe_parameters", "Parameters", ParameterFilters=filters))
    return found[0] if found else None


def describe(clients: Clients, ident: str, deep: bool) -> dict[str, Any]:
    name = canonical(ident)
    ssm = clients("ssm")
    found = _find(ssm, name)
    if found is None and ident.strip().startswith("arn:"):
        # an ARN drops the leading '/' of hierarchical names only: try the plain name too
        name = name.removeprefix("/")
        found = _find(ssm, name)
    if found is None:
        raise NotFound(f"{NOUN} '{name}' does not exist")
    parts = Parts("ssm")
    value = None
    if found.get("Type") != "SecureString":  # never decrypted, never shown
        value = parts.get("Value", lambda: ssm.get_parameter(Name=name)["Parameter"]["Value"])
    tags = parts.get(
        "Tags",
        lambda: ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"],
    )
    doc = {
        "Id": name,
        "Arn": found.get("ARN"),
        **found,
        "Value": value,
        "Tags": tag_map(tags),
    }
    doc.pop("ARN", None)
    return parts.finish(doc)


def list_ids(clients: Clients) -> Iterator[str]:
    for parameter in pages(clients("ssm"), "describe_parameters", "Parameters"):
        yield str(parameter["Name"])


register(
    ResourceType(
        name="ssm.parameter",
        kind="aws.ssm_parameter",
        summary="an SSM parameter: type, tier, value (never a SecureString's), tags",
        noun=NOUN,
        service="ssm",
        cloudformation="AWS::SSM::Parameter",
        terraform="aws_ssm_parameter",
        describer=describe,
        list_ids=list_ids,
        canonical=canonical,
        volatile=("LastModifiedDate", "LastModifiedUser", "Version"),
    )
)
