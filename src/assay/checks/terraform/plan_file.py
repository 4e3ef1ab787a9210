"""Terraform plans as ``terraform show -json`` writes them (format 1.x), read and summarised.

Each resource change has an action list: ``["create"]``, ``["update"]``, ``["delete"]``,
``["delete", "create"]`` (replace, destroying first), ``["create", "delete"]`` (replace,
create_before_destroy), ``["read"]``, ``["no-op"]`` and, since Terraform 1.7, ``["forget"]``.
Attribute changes are computed from ``before``/``after``; values Terraform marks in
``before_sensitive``/``after_sensitive`` are masked, and ``after_unknown`` ones shown as
``(known after apply)``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assay.core.errors import AssayError

SENSITIVE = "(sensitive value)"
UNKNOWN = "(known after apply)"
ACTIONS = {
    ("no-op",): "no-op",
    ("create",): "create",
    ("read",): "read",
    ("update",): "update",
    ("delete", "create"): "replace",
    ("create", "delete"): "replace",
    ("delete",): "delete",
    ("forget",): "forget",
}
COUNTED = ("create", "update", "replace", "delete", "read", "no-op", "forget")
MAX_ATTRIBUTES = 100  # per resource, so one huge resource cannot swamp a report


class PlanError(AssayError):
    """A plan file that cannot be read or is not a ``terraform show -json`` plan."""


@dataclass
class Change:
    """One resource's planned change."""

    address: str
    type: str
    name: str
    mode: str
    module: str | None
    action: str  # one of COUNTED, or "unknown"
    actions: list[str]
    action_reason: str | None = None
    previous_address: str | None = None
    importing: bool = False
    replace_paths: list[list[Any]] = field(default_factory=list)
    before: Any = None
    after: Any = None
    before_sensitive: Any = False
    after_sensitive: Any = False
    after_unknown: Any = False

    @property
    def destroys(self) -> bool:
        """Whether the existing object goes away (delete, or either kind of replace)."""
        return "delete" in self.actions

    @property
    def replace_order(self) -> str | None:
        if self.action != "replace":
            return None
        return "delete_then_create" if self.actions[0] == "delete" else "create_then_delete"

    def attribute_changes(self) -> list[dict[str, Any]]:
        """Changed attributes as ``{path, before, after}``, masked, sorted by path."""
        out: list[dict[str, Any]] = []
        forcing = {_dotted(p) for p in self.replace_paths}
        # a create has no 'before' and a delete no 'after': compare attribute by attribute
        _diff(
            self.before if self.before is not None else {},
            self.after if self.after is not None else {},
            (),
            (self.before_sensitive, self.after_sensitive, self.after_unknown),
            out,
        )
        for entry in out:
            if entry["path"] in forcing:
                entry["forces_replacement"] = True
        return out[:MAX_ATTRIBUTES]


def _dotted(path: tuple[Any, ...] | list[Any]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _at(marks: Any, key: Any) -> Any:
    """The sensitivity/unknown marks below ``key``; ``True`` marks a whole subtree."""
    if marks is True:
        return True
    if isinstance(marks, dict):
        return marks.get(key, False)
    if isinstance(marks, list) and isinstance(key, int) and key < len(marks):
        return marks[key]
    return False


def _show(value: Any, sensitive: Any, unknown: Any = False) -> Any:
    if unknown is True:
        return UNKNOWN
    if sensitive is True:
        return SENSITIVE
    if isinstance(value, dict):
        return {k: _show(v, _at(sensitive, k), _at(unknown, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_show(v, _at(sensitive, i), _at(unknown, i)) for i, v in enumerate(value)]
    return value


def _diff(
    before: Any, after: Any, path: tuple[Any, ...], marks: tuple[Any, Any, Any], out: list[Any]
) -> None:
    before_s, after_s, unknown = marks
    marked = unknown is True or before_s is True or after_s is True
    if not marked and isinstance(before, dict) and isinstance(after, dict):
        extra = set(unknown) if isinstance(unknown, dict) else set()
        for key in sorted(set(before) | set(after) | extra):
            sub = (_at(before_s, key), _at(after_s, key), _at(unknown, key))
            _diff(before.get(key), after.get(key), (*path, key), sub, out)
        return
    same_shape = isinstance(before, list) and isinstance(after, list) and len(before) == len(after)
    if not marked and same_shape:
        for i, (b_item, a_item) in enumerate(zip(before, after, strict=True)):
            sub = (_at(before_s, i), _at(after_s, i), _at(unknown, i))
            _diff(b_item, a_item, (*path, i), sub, out)
        return
    if unknown is True or before != after or before_s != after_s:
        out.append(
            {
                "path": _dotted(path),
                "before": _show(before, before_s),
                "after": _show(after, after_s, unknown),
            }
        )


def sensitive_values(value: Any, marks: Any) -> list[str]:
    """The text of every value marked sensitive (to register them as secrets)."""
    if marks is True:
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return [str(value)]
        if isinstance(value, dict):
            return [t for v in value.values() for t in sensitive_values(v, True)]
        if isinstance(value, list):
            return [t for v in value for t in sensitive_values(v, True)]
        return []
    if isinstance(value, dict) and isinstance(marks, dict):
        return [t for k, v in value.items() for t in sensitive_values(v, marks.get(k, False))]
    if isinstance(value, list) and isinstance(marks, list):
        return [t for v, m in zip(value, marks, strict=False) for t in sensitive_values(v, m)]
    return []


@dataclass
class Plan:
    """A parsed plan: its resource changes, output changes and metadata."""

    file: str
    format_version: str
    terraform_version: str | None
    changes: list[Change]
    output_changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    errored: bool = False
    applyable: bool | None = None
    drift: int = 0

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(COUNTED, 0)
        for change in self.changes:
            if change.action in counts:
                counts[change.action] += 1
        counts["replace_delete_first"] = sum(
            1 for c in self.changes if c.replace_order == "delete_then_create"
        )
        counts["replace_create_first"] = sum(
            1 for c in self.changes if c.replace_order == "create_then_delete"
        )
        counts["moved"] = sum(1 for c in self.changes if c.previous_address)
        counts["imported"] = sum(1 for c in self.changes if c.importing)
        return counts


def _change(raw: dict[str, Any], file: str) -> Change:
    body = raw.get("change")
    if not isinstance(body, dict) or not isinstance(body.get("actions"), list):
        raise PlanError(f"{file}: resource change {raw.get('address')!r} has no change.actions")
    actions = [str(a) for a in body["actions"]]
    address = str(raw.get("address", ""))
    if not address:
        raise PlanError(f"{file}: a resource change has no address")
    return Change(
        address=address,
        type=str(raw.get("type", "")),
        name=str(raw.get("name", "")),
        mode=str(raw.get("mode", "managed")),
        module=raw.get("module_address"),
        action=ACTIONS.get(tuple(actions), "unknown"),
        actions=actions,
        action_reason=raw.get("action_reason"),
        previous_address=raw.get("previous_address"),
        importing=isinstance(body.get("importing"), dict),
        replace_paths=[p for p in body.get("replace_paths") or [] if isinstance(p, list)],
        before=body.get("before"),
        after=body.get("after"),
        before_sensitive=body.get("before_sensitive", False),
        after_sensitive=body.get("after_sensitive", False),
        after_unknown=body.get("after_unknown", False),
    )


def parse_plan(data: Any, file: str) -> Plan:
    """A ``Plan`` from the decoded JSON; ``PlanError`` naming the file if it is not one."""
    if not isinstance(data, dict):
        raise PlanError(f"{file}: not a Terraform plan (expected a JSON object)")
    version = data.get("format_version")
    if not isinstance(version, str):
        raise PlanError(
            f"{file}: not a Terraform plan: no format_version (write it with "
            "'terraform show -json PLANFILE')"
        )
    if not version.startswith("1."):
        raise PlanError(f"{file}: plan format {version} is not supported (assay reads 1.x)")
    raw_changes = data.get("resource_changes") or []
    if not isinstance(raw_changes, list):
        raise PlanError(f"{file}: 'resource_changes' is not a list")
    outputs = data.get("output_changes") or {}
    return Plan(
        file=file,
        format_version=version,
        terraform_version=data.get("terraform_version"),
        changes=[_change(c, file) for c in raw_changes if isinstance(c, dict)],
        output_changes=outputs if isinstance(outputs, dict) else {},
        errored=bool(data.get("errored", False)),
        applyable=data.get("applyable"),
        drift=len(data.get("resource_drift") or []),
    )


def read_json(path: Path, what: str, error: type[PlanError]) -> Any:
    """The decoded JSON of ``path`` (``what`` it is, for messages); ``error`` if it has none."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise error(f"{path}: not JSON: {exc}") from None


def read_plan(path: Path) -> Plan:
    """Read and parse a plan JSON file."""
    return parse_plan(read_json(path, "the plan", PlanError), str(path))
