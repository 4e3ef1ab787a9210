"""Resource types: how to find, describe and list each kind of AWS resource assay knows.

A description is one JSON-like document per resource: ``Type`` (the type's name, added by
``ResourceType.describe``), ``Id`` (its name, the identity inventories use), ``Name``,
``Arn``, then the service's own fields (``TableStatus``, ``Attributes``, ``Versioning``...),
``Tags`` as a mapping, and ``Unavailable`` naming the parts that could not be read (access
denied, not implemented by a stand-in). A resource that does not exist raises ``NotFound``;
botocore errors otherwise propagate to the one boundary in ``checks/aws/errors.py``.

Types are known by their own name (``dynamodb.table``), their CloudFormation type
(``AWS::DynamoDB::Table``) and their Terraform type (``aws_dynamodb_table``), so that stack
resources and Terraform state map onto them directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from assay.checks.aws.resources.base import Clients, NotFound
from assay.core.registry import Registry

Describe = Callable[[Clients, str, bool], dict[str, Any]]
ListIds = Callable[[Clients], Iterable[str]]


@dataclass(frozen=True)
class ResourceType:
    """One kind of resource: its names, and how to describe and enumerate it."""

    name: str  # dynamodb.table
    kind: str  # the ready-made check kind: aws.dynamodb_table
    summary: str  # what a description holds, for the kind's description
    noun: str  # DynamoDB table
    service: str  # the inventory's service: dynamodb
    cloudformation: str  # AWS::DynamoDB::Table
    terraform: str  # aws_dynamodb_table
    describer: Describe  # (clients, id, deep) -> description but its Type; raises NotFound
    list_ids: ListIds  # every resource in the account and region, as describe takes it
    canonical: Callable[[str], str]  # a name, ARN or URL -> the id
    # paths left out of fingerprints: counters, timestamps, states ("*" spans list items)
    volatile: tuple[str, ...] = field(default=())

    def describe(self, clients: Clients, ident: str, deep: bool) -> dict[str, Any]:
        """The resource's description, its ``Type`` (this type's name) first."""
        return {"Type": self.name, **self.describer(clients, ident, deep)}


TYPES: Registry[ResourceType] = Registry("resource type")
_ALIASES: dict[str, str] = {}


def register(resource_type: ResourceType) -> ResourceType:
    TYPES.register(resource_type.name, resource_type)
    for alias in (resource_type.cloudformation, resource_type.terraform):
        _ALIASES[alias.lower()] = resource_type.name
    return resource_type


def lookup(name: str) -> ResourceType | None:
    """A type by its name, CloudFormation type or Terraform type (case-insensitive)."""
    key = name.strip()
    found = TYPES.get(key.lower()) or TYPES.get(_ALIASES.get(key.lower(), ""))
    return found


def names() -> list[str]:
    """Every name a type is known by, for suggestions."""
    return [*TYPES.names(), *(t.cloudformation for t in all_types())]


def all_types() -> Iterator[ResourceType]:
    for name in TYPES:
        found = TYPES.get(name)
        assert found is not None
        yield found


def _load() -> None:
    # each service module registers its types on import
    from assay.checks.aws.resources import (  # noqa: F401
        cloudformation,
        dynamodb,
        iam,
        lambda_,
        logs,
        s3,
        sns,
        sqs,
        ssm,
    )


_load()

__all__ = [
    "TYPES",
    "Clients",
    "NotFound",
    "ResourceType",
    "all_types",
    "lookup",
    "names",
    "register",
]
