"""What ``assay monitors apply`` would do: the file read and checked here, compared with the
server's monitors, and shown as a plan; and the export's YAML.

A monitor is compared in its canonical form (``MonitorSpec.canonical()``: what was given,
defaults left out), which is how the server stores it, so ``30s`` and ``30`` are the same
interval and an export applied back changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from assay.core.errors import SuiteError, UsageError

if TYPE_CHECKING:
    from assay.server.monitors.spec import MonitorSpec

SERVER_KEYS = ("providers", "maintenance")


@dataclass
class MonitorsFile:
    """A file's monitors, and where each field of it was written."""

    path: Path
    specs: list[MonitorSpec]
    raw: Any

    def where(self, name: str, field: str) -> str:
        """``monitors[2].target.base_url (line 9)`` for a server's ``body.target.base_url``
        about monitor ``name``: the file's words for a field the server refused."""
        index = next((n for n, s in enumerate(self.specs) if s.name == name), None)
        if index is None:
            return ""
        tokens = [t for t in re.split(r"\.|\[(\d+)\]", field.removeprefix("body")) if t]
        node, path = self.raw["monitors"][index], f"monitors[{index}]"
        line = _item(self.raw["monitors"], index, None)
        while tokens and node is not None:
            key, used = _step(node, tokens)
            if used == 0:
                break
            locs = getattr(node, "key_locs", None) or {}
            line = locs.get(key, line) if isinstance(key, str) else _item(node, key, line)
            path += f"[{key}]" if isinstance(key, int) else f".{key}"
            node, tokens = node[key], tokens[used:]
        found = f" (line {line.line})" if getattr(line, "line", 0) else ""
        return f"{self.path}: {path}{found}"


def _step(node: Any, tokens: list[str]) -> tuple[Any, int]:
    """The key of ``node`` the first tokens name (``http.request`` is one key), and how
    many tokens it took; 0 when none."""
    if isinstance(node, list):
        if tokens[0].isdigit() and int(tokens[0]) < len(node):
            return int(tokens[0]), 1
        return None, 0
    if isinstance(node, dict):
        for size in range(len(tokens), 0, -1):
            if ".".join(tokens[:size]) in node:
                return ".".join(tokens[:size]), size
    return None, 0


def _item(node: Any, index: int, default: Any) -> Any:
    locs = getattr(node, "item_locs", [])
    return locs[index] if index < len(locs) else default


def read_file(path: Path) -> MonitorsFile:
    """The monitors of ``path``, each checked by ``MonitorSpec``; a ``UsageError`` (exit 2)
    naming the file, the field and its line otherwise."""
    from pydantic import BaseModel, ConfigDict, Field, ValidationError

    from assay.config.source import load_yaml, locate
    from assay.server.monitors.config import _on_keys, describe
    from assay.server.monitors.spec import Specs

    class MonitorsOnly(BaseModel):
        model_config = ConfigDict(extra="forbid")
        monitors: Specs = Field(default_factory=list)

    try:
        raw = _on_keys(load_yaml(path) or {})
    except SuiteError as exc:
        raise UsageError(f"monitors file {exc}") from None
    if not isinstance(raw, dict):
        raise UsageError(f"monitors file {path}: expected a mapping with a 'monitors' list")
    for key in SERVER_KEYS:
        if key in raw:
            found = locate(raw, (key,))
            line = f" (line {found.line})" if found is not None and found.line else ""
            raise UsageError(
                f"monitors file {path}: {key}{line}: '{key}' is the server's own configuration "
                "(its --monitors-file), which 'assay monitors apply' does not change; remove "
                f"it here, or keep it in the server's file"
            )
    try:
        specs = MonitorsOnly.model_validate(raw).monitors
    except ValidationError as exc:
        raise UsageError(f"monitors file {path}: {describe(exc, raw)}") from None
    return MonitorsFile(path, specs, raw)


@dataclass
class Plan:
    """What applying a file changes: names to create, replace (with the fields that
    change), delete; how many are unchanged; file monitors the file may not touch."""

    create: list[str] = field(default_factory=list)
    replace: dict[str, list[str]] = field(default_factory=dict)
    delete: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    specs: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def changes(self) -> int:
        return len(self.create) + len(self.replace) + len(self.delete)


def make_plan(specs: list[MonitorSpec], server: list[dict[str, Any]], prune: bool) -> Plan:
    """Compare the file's monitors with the server's (each ``MonitorOut`` as JSON)."""
    plan = Plan()
    there = {m["name"]: m for m in server}
    for spec in sorted(specs, key=lambda s: s.name):
        wanted = spec.canonical()
        plan.specs[spec.name] = wanted
        found = there.get(spec.name)
        if found is None:
            plan.create.append(spec.name)
        elif found.get("origin") != "api":
            plan.conflicts.append(spec.name)
        elif found.get("spec") == wanted:
            plan.unchanged.append(spec.name)
        else:
            current = found.get("spec") or {}
            keys = [k for k in {**wanted, **current} if wanted.get(k) != current.get(k)]
            plan.replace[spec.name] = keys
    if prune:
        plan.delete = sorted(
            name for name, m in there.items() if m.get("origin") == "api" and name not in plan.specs
        )
    return plan


def render_plan(plan: Plan, url: str) -> list[str]:
    """The plan as lines: ``+`` create, ``~`` replace (fields), ``-`` delete, ``=`` unchanged."""
    width = max((len(n) for n in [*plan.create, *plan.replace, *plan.delete]), default=0)
    lines = [
        f"plan for {url}: {len(plan.create)} to create, {len(plan.replace)} to replace, "
        f"{len(plan.delete)} to delete, {len(plan.unchanged)} unchanged"
    ]
    lines += [f"  + {name}" for name in plan.create]
    lines += [f"  ~ {name:<{width}}  {', '.join(keys)}" for name, keys in plan.replace.items()]
    lines += [f"  - {name}" for name in plan.delete]
    lines += [
        f"  ! {name:<{width}}  belongs to the server's monitors file" for name in plan.conflicts
    ]
    lines.append(f"  = {len(plan.unchanged)} unchanged")
    return lines


class _Dumper(yaml.SafeDumper):
    """Block style, lists indented, no aliases: the same text for the same monitors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def export_yaml(items: list[dict[str, Any]]) -> str:
    """Monitors (``MonitorOut`` as JSON) as a monitors file: canonical specs by name.

    Fields keep the spec's order (name, description, interval, ...); free-form parts (target,
    check, suite) keep the server's order, so exporting twice gives the same bytes.
    """
    from pydantic import ValidationError

    from assay.server.monitors.spec import MonitorSpec

    specs = []
    for item in sorted(items, key=lambda m: str(m["name"])):
        try:
            specs.append(MonitorSpec.model_validate(item["spec"]).canonical())
        except ValidationError:  # a server newer than this assay: as it stored it
            specs.append(dict(item["spec"]))
    return yaml.dump(
        {"monitors": specs},
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
