"""Address patterns, protection rules and approvals of destructive plan changes.

A pattern is a resource address with ``*`` (any text, dots and brackets included) and ``?``
(one character); everything else is literal, so ``aws_instance.web[0]`` means exactly that.
A pattern without an index also matches every instance: ``aws_db_instance.main`` matches
``aws_db_instance.main[0]`` and ``aws_db_instance.main["blue"]``.

An approvals file is YAML (or JSON): a list of patterns, or of ``{address, reason, by}``
entries, or a mapping with such a list under ``approvals``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assay.core.errors import InvalidParameters


@functools.lru_cache(maxsize=1024)
def _regex(pattern: str) -> re.Pattern[str]:
    parts = [".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern]
    return re.compile("".join(parts) + r"(\[[^\]]*\])?", re.DOTALL)


def matches(pattern: str, address: str) -> bool:
    """Whether ``address`` matches ``pattern`` (see the module docstring)."""
    return _regex(pattern).fullmatch(address) is not None


@dataclass(frozen=True)
class Approval:
    """One approved address pattern, where it came from, and why."""

    pattern: str
    source: str  # "--approve", "approvals", or the approvals file
    reason: str | None = None
    by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {"pattern": self.pattern, "source": self.source}
        if self.reason:
            out["reason"] = self.reason
        if self.by:
            out["by"] = self.by
        return out


def _entries(data: Any, where: str) -> list[Approval]:
    if isinstance(data, dict) and "approvals" in data:
        data = data["approvals"]
    if data is None:
        return []
    if not isinstance(data, list):
        raise InvalidParameters(f"{where}: expected a list of addresses (or 'approvals:' with one)")
    out = []
    for i, item in enumerate(data):
        if isinstance(item, str) and item.strip():
            out.append(Approval(item.strip(), where))
        elif isinstance(item, dict) and isinstance(item.get("address"), str):
            reason, by = item.get("reason"), item.get("by")
            out.append(
                Approval(
                    item["address"].strip(),
                    where,
                    str(reason) if reason is not None else None,
                    str(by) if by is not None else None,
                )
            )
        else:
            raise InvalidParameters(
                f"{where}: entry {i + 1} must be an address pattern or {{address, reason, by}}"
            )
    return out


def read_approvals(path: Path) -> list[Approval]:
    """The approvals in a YAML/JSON file; ``InvalidParameters`` naming the file if malformed."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidParameters(f"{path}: cannot read the approvals file: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise InvalidParameters(f"{path}: not YAML: {str(exc).splitlines()[0]}") from None
    return _entries(data, str(path))


def inline_approvals(items: list[str | dict[str, Any]]) -> list[Approval]:
    """Approvals written in the step itself."""
    return _entries(items, "approvals")


@dataclass(frozen=True)
class Rule:
    """Resources a plan must not destroy or replace: by address pattern or resource type."""

    addresses: tuple[str, ...] = ()
    types: tuple[str, ...] = ()

    def covers(self, address: str, resource_type: str) -> str | None:
        """What protects the resource (``type aws_db_instance``, ``address x.*``), or None."""
        if resource_type in self.types:
            return f"type {resource_type}"
        hit = next((p for p in self.addresses if matches(p, address)), None)
        return f"address {hit}" if hit else None
