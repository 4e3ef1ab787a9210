"""Inventories of an AWS account: every resource of some services, and what changed between two.

``take`` lists every resource of the given services (``s3``, ``dynamodb``, ``sqs``, ``sns``,
``iam``, ``lambda``, ``logs``, ``ssm``, ``cloudformation``) and describes each with the same
describers as the ``aws.*`` kinds; an entry's fingerprint covers its configuration (a
bucket's object count included; counters, timestamps and states left out). ``diff`` compares
two inventories: what was created and left behind, what was deleted, and what changed and was
not restored, property by property. Nothing here trusts a stack's status: the resources
themselves are looked at (moto reports DELETE_COMPLETE for a stack whose non-empty bucket it
left behind).

Listing errors that last (access denied) are recorded per service and make a diff
``incomplete``; transient and connection errors propagate as botocore exceptions.
"""

from __future__ import annotations

import concurrent.futures as cf
import copy
import fnmatch
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from assay.checks.aws import resources
from assay.checks.aws.errors import ErrorAnswer, error_line, transient
from assay.checks.aws.resources import NotFound, ResourceType
from assay.checks.aws.resources.base import Clients
from assay.core.errors import InvalidParameters
from assay.core.registry import suggest
from assay.core.secrets import redact

SERVICES = ("s3", "dynamodb", "sqs", "sns", "iam", "lambda", "logs", "ssm", "cloudformation")
ENVELOPE = ("Type", "Id", "Unavailable")  # parts of a description that are not configuration


def _types(service: str) -> list[ResourceType]:
    return [t for t in resources.all_types() if t.service == service]


def service_of(type_name: str) -> str | None:
    """The inventory service of a resource type (``AWS::SQS::Queue`` -> ``sqs``), if known."""
    found = resources.lookup(type_name)
    return found.service if found else None


def key_of(type_name: str, ident: str) -> str:
    """An entry's key, ``sqs.queue:orders``, from any type name and any id (name, ARN, URL)."""
    found = resources.lookup(type_name)
    if found is None:
        raise InvalidParameters(resources.TYPES.unknown_message(type_name))
    return f"{found.name}:{found.canonical(ident)}"


@dataclass(frozen=True)
class Entry:
    """One resource: identity, the fingerprint of its configuration, and that configuration."""

    type: str
    id: str
    arn: str | None
    fingerprint: str
    properties: dict[str, Any] = field(compare=False, repr=False)
    error: str | None = None  # listed, but could not be described

    @property
    def key(self) -> str:
        return f"{self.type}:{self.id}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "id": self.id,
            "arn": self.arn,
            "fingerprint": self.fingerprint,
            "properties": self.properties,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Entry:
        return cls(
            type=data["type"],
            id=data["id"],
            arn=data.get("arn"),
            fingerprint=data["fingerprint"],
            properties=data.get("properties") or {},
            error=data.get("error"),
        )


@dataclass
class Inventory:
    """Every resource of ``services`` at one moment, by key (``sqs.queue:orders``)."""

    services: tuple[str, ...]
    entries: dict[str, Entry] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # service -> why it was not listed
    taken_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def get(self, type_name: str, ident: str) -> Entry | None:
        """The entry of a resource given any of its type names and ids (a stack's physical id)."""
        return self.entries.get(key_of(type_name, ident))

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries.values())

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, key: object) -> bool:
        return key in self.entries

    def to_dict(self) -> dict[str, Any]:
        return {
            "services": list(self.services),
            "taken_at": self.taken_at,
            "errors": dict(self.errors),
            "entries": [e.to_dict() for e in self.entries.values()],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Inventory:
        entries = [Entry.from_dict(e) for e in data.get("entries") or []]
        return cls(
            services=tuple(data.get("services") or ()),
            entries={e.key: e for e in entries},
            errors=dict(data.get("errors") or {}),
            taken_at=str(data.get("taken_at") or ""),
        )


def _drop(node: Any, path: list[str]) -> None:
    """Remove ``path`` (``a.*.b``: ``*`` spans list items and mapping values) from ``node``."""
    head, rest = path[0], path[1:]
    if head == "*" and rest:
        children = list(node.values()) if isinstance(node, dict) else node
        for child in children if isinstance(children, list) else []:
            _drop(child, rest)
    elif isinstance(node, dict) and rest:
        _drop(node.get(head), rest)
    elif isinstance(node, dict):
        node.pop(head, None)


def configuration(resource_type: ResourceType, description: dict[str, Any]) -> dict[str, Any]:
    """The part of a description that is configuration: no envelope, nothing volatile."""
    config = {k: copy.deepcopy(v) for k, v in description.items() if k not in ENVELOPE}
    for path in resource_type.volatile:
        _drop(config, path.split("."))
    return config


def fingerprint(config: dict[str, Any]) -> str:
    """16 hex digits of SHA-256 over the canonical JSON of a configuration."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _entry(clients: Clients, resource_type: ResourceType, ident: str) -> Entry | None:
    """Describe one listed resource; None when it vanished since the listing."""
    try:
        description = resource_type.describe(clients, ident, True)
    except NotFound:
        return None
    except ErrorAnswer as exc:
        if transient(exc):
            raise
        error = redact(error_line(exc, resource_type.service))
        return Entry(resource_type.name, resource_type.canonical(ident), None, "", {}, error)
    config = configuration(resource_type, description)
    name = resource_type.canonical(ident)
    return Entry(resource_type.name, name, description.get("Arn"), fingerprint(config), config)


def _listed(
    clients: Clients, services: tuple[str, ...], errors: dict[str, str]
) -> list[tuple[ResourceType, str]]:
    found = []
    for service in services:
        for resource_type in _types(service):
            try:
                found += [(resource_type, ident) for ident in resource_type.list_ids(clients)]
            except ErrorAnswer as exc:
                if transient(exc):
                    raise
                listing = f"listing {resource_type.noun}s: {error_line(exc, service)}"
                errors[service] = redact(listing)
    return found


def known_services(services: Iterable[str]) -> tuple[str, ...]:
    """``services`` without repeats; ``InvalidParameters`` for one no inventory covers."""
    chosen = tuple(dict.fromkeys(services))
    for service in chosen:
        if service not in SERVICES:
            raise InvalidParameters(
                f"no inventory of service '{service}'{suggest(service, SERVICES)}; "
                f"known: {', '.join(SERVICES)}"
            )
    return chosen


def take(clients: Clients, services: Iterable[str] = SERVICES, *, workers: int = 8) -> Inventory:
    """List and describe every resource of ``services`` through ``clients``."""
    chosen = known_services(services)
    inventory = Inventory(services=chosen)
    listed = _listed(clients, chosen, inventory.errors)
    with cf.ThreadPoolExecutor(max(1, workers), thread_name_prefix="assay-inventory") as pool:
        futures = [pool.submit(_entry, clients, t, ident) for t, ident in listed]
        entries = [f.result() for f in futures]
    for entry in sorted((e for e in entries if e is not None), key=lambda e: e.key):
        inventory.entries[entry.key] = entry
    return inventory


@dataclass(frozen=True)
class PropertyChange:
    path: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Changed:
    """A resource in both inventories whose configuration differs."""

    before: Entry
    after: Entry
    changes: tuple[PropertyChange, ...]

    @property
    def key(self) -> str:
        return self.after.key


def changes(before: Entry, after: Entry) -> tuple[PropertyChange, ...]:
    """Every property whose value differs, at the shallowest path that was added or removed."""
    return tuple(_changes(before.properties, after.properties, ""))


def _changes(old: Any, new: Any, path: str) -> list[PropertyChange]:
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return [] if old == new else [PropertyChange(path, old, new)]
    out = []
    for key in sorted(set(old) | set(new), key=str):
        where = f"{path}.{key}" if path else str(key)
        if key not in old or key not in new:
            out.append(PropertyChange(where, old.get(key), new.get(key)))
        else:
            out += _changes(old[key], new[key], where)
    return out


@dataclass
class InventoryDiff:
    """What differs between two inventories, by key."""

    created: list[Entry] = field(default_factory=list)  # only after: created, left behind
    deleted: list[Entry] = field(default_factory=list)  # only before
    changed: list[Changed] = field(default_factory=list)  # configuration not restored
    unverified: list[str] = field(default_factory=list)  # keys not described on a side
    incomplete: dict[str, str] = field(default_factory=dict)  # services not listed, and why

    @property
    def complete(self) -> bool:
        """Every service was listed and every resource described, in both inventories."""
        return not (self.incomplete or self.unverified)

    @property
    def clean(self) -> bool:
        """Nothing left behind, deleted or changed, and ``complete``: a sure verdict."""
        return self.complete and not (self.created or self.deleted or self.changed)

    def lines(self) -> list[str]:
        """One line per finding, for messages and reports."""
        out = [f"left behind: {e.key}" for e in self.created]
        out += [f"deleted: {e.key}" for e in self.deleted]
        for item in self.changed:
            shown = ", ".join(
                f"{c.path} {_short(c.before)} -> {_short(c.after)}" for c in item.changes
            )
            out.append(f"changed: {item.key} ({shown})")
        out += [f"not verified: {key}" for key in self.unverified]
        out += [f"not listed: {service} ({why})" for service, why in self.incomplete.items()]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "clean": self.clean,
            "complete": self.complete,
            "created": [e.key for e in self.created],
            "deleted": [e.key for e in self.deleted],
            "changed": [
                {
                    "key": c.key,
                    "changes": [
                        {"path": p.path, "before": p.before, "after": p.after} for p in c.changes
                    ],
                }
                for c in self.changed
            ],
            "unverified": list(self.unverified),
            "incomplete": dict(self.incomplete),
        }


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, default=str, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def diff(before: Inventory, after: Inventory, ignore: Iterable[str] = ()) -> InventoryDiff:
    """Compare two inventories; ``ignore`` holds glob patterns of keys (``s3.bucket:cdk-*``)."""
    patterns = list(ignore)

    out = InventoryDiff()
    for source in (before, after):
        for service, why in source.errors.items():
            out.incomplete.setdefault(service, why)

    def kept(key: str) -> bool:
        # a service listed on one side only says nothing about its resources
        if service_of(key.split(":", 1)[0]) in out.incomplete:
            return False
        return not any(fnmatch.fnmatchcase(key, p) for p in patterns)

    for key, entry in after.entries.items():
        if not kept(key):
            continue
        old = before.entries.get(key)
        if old is None:
            out.created.append(entry)
        elif old.error or entry.error:
            out.unverified.append(key)
        elif old.fingerprint != entry.fingerprint:
            out.changed.append(Changed(old, entry, changes(old, entry)))
    out.deleted = [e for k, e in before.entries.items() if kept(k) and k not in after.entries]
    return out
