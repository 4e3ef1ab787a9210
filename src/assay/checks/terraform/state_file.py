"""Terraform state files (format version 4, every Terraform since 0.12), read into instances.

Only managed resources count (``mode: managed``); data sources are read, not owned. Each
instance gets its full address (``module.queue.aws_sqs_queue.jobs["a"]``), its attributes,
the attribute paths Terraform marks sensitive, and whether it is tainted or deposed (an old
object ``create_before_destroy`` has not removed yet). ``region`` is the instance's own
``region`` attribute (AWS provider 6) or the region in its ARN, when either says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assay.checks.terraform.plan_file import PlanError, read_json

SUPPORTED_VERSION = 4


class StateError(PlanError):
    """A state file that cannot be read (a ``PlanError``, so targets treat both files alike)."""


@dataclass
class Instance:
    """One object Terraform manages, as its state records it."""

    address: str
    type: str
    name: str
    module: str | None
    provider: str
    attributes: dict[str, Any]
    sensitive: set[str] = field(default_factory=set)  # top-level attribute names
    status: str | None = None  # "tainted"
    deposed: str | None = None

    @property
    def id(self) -> str | None:
        value = self.attributes.get("id")
        return str(value) if value not in (None, "") else None

    @property
    def region(self) -> str | None:
        region = self.attributes.get("region")
        if isinstance(region, str) and region:
            return region
        for key in ("arn", "id"):
            value = self.attributes.get(key)
            if isinstance(value, str) and value.startswith("arn:"):
                parts = value.split(":")
                if len(parts) > 3 and parts[3]:
                    return parts[3]
        return None


@dataclass
class State:
    """The managed instances of one state file, and where it came from."""

    path: str
    terraform_version: str | None
    serial: int | None
    lineage: str | None
    instances: list[Instance]
    data_sources: int = 0

    def summary(self) -> dict[str, Any]:
        return {
            "file": self.path,
            "terraform_version": self.terraform_version,
            "serial": self.serial,
            "lineage": self.lineage,
            "managed": len(self.instances),
            "data_sources": self.data_sources,
        }


def _index(key: Any) -> str:
    return f'["{key}"]' if isinstance(key, str) else f"[{key}]"


def _sensitive(paths: Any) -> set[str]:
    """Top-level attribute names out of ``sensitive_attributes`` (lists of path steps)."""
    names = set()
    for path in paths if isinstance(paths, list) else []:
        first = path[0] if isinstance(path, list) and path else None
        if isinstance(first, dict) and first.get("type") == "get_attr":
            names.add(str(first.get("value")))
    return names


def parse_state(data: Any, origin: str) -> State:
    """A ``State`` from the decoded JSON of a state file; ``StateError`` naming ``origin``."""
    if not isinstance(data, dict) or "resources" not in data:
        raise StateError(f"{origin}: not a Terraform state file (no 'resources')")
    version = data.get("version")
    if version != SUPPORTED_VERSION:
        raise StateError(
            f"{origin}: state format version {version!r}; assay reads version "
            f"{SUPPORTED_VERSION} (Terraform 0.12 and later: `terraform state pull` writes it)"
        )
    if not isinstance(data["resources"], list):
        raise StateError(f"{origin}: 'resources' is not a list")
    instances, data_sources = [], 0
    for i, resource in enumerate(data["resources"]):
        if not isinstance(resource, dict) or not resource.get("type") or not resource.get("name"):
            raise StateError(f"{origin}: resources[{i}] has no type and name")
        if resource.get("mode", "managed") != "managed":
            data_sources += 1
            continue
        module = resource.get("module")
        base = f"{module + '.' if module else ''}{resource['type']}.{resource['name']}"
        for instance in resource.get("instances") or []:
            if not isinstance(instance, dict) or not isinstance(instance.get("attributes"), dict):
                raise StateError(f"{origin}: an instance of {base} has no attributes")
            key = instance.get("index_key")
            instances.append(
                Instance(
                    address=base + (_index(key) if key is not None else ""),
                    type=str(resource["type"]),
                    name=str(resource["name"]),
                    module=module,
                    provider=str(resource.get("provider") or ""),
                    attributes=instance["attributes"],
                    sensitive=_sensitive(instance.get("sensitive_attributes")),
                    status=instance.get("status"),
                    deposed=instance.get("deposed"),
                )
            )
    return State(
        path=origin,
        terraform_version=data.get("terraform_version"),
        serial=data.get("serial"),
        lineage=data.get("lineage"),
        instances=instances,
        data_sources=data_sources,
    )


def read_state(path: Path) -> State:
    """Read and parse a state file; ``StateError`` naming the file if it is not one."""
    return parse_state(read_json(path, "the state file", StateError), str(path))
