"""Turning pydantic validation errors into located, readable problems."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from assay.config.source import LocDict, LocList, locate
from assay.core.errors import Problem


def dotted(raw: Any, path: tuple[Any, ...]) -> str:
    """``groups[0].test[2].expect`` — the part of ``path`` that exists in the data."""
    out = ""
    node = raw
    for part in path:
        if isinstance(node, LocList) and isinstance(part, int) and 0 <= part < len(node):
            out += f"[{part}]"
            node = node[part]
        elif isinstance(node, dict) and part in node:
            out += f".{part}" if out else str(part)
            node = node[part]
        elif isinstance(node, LocDict) and isinstance(part, str) and part not in node and not out:
            break
        else:
            break
    return out


def _message(err: Any) -> str:
    msg = str(err["msg"])
    if err["type"] == "missing":
        return f"missing required key '{err['loc'][-1]}'"
    if err["type"] == "literal_error":
        return msg.replace("Input should be", "must be")
    return msg.replace("Input should be", "should be").replace("Value error, ", "")


def problems_from(exc: ValidationError, raw: Any, prefix: tuple[Any, ...] = ()) -> list[Problem]:
    """Located problems for a validation of ``raw`` (found at ``prefix`` in the suite)."""
    merged: dict[tuple[str, str], list[str]] = {}
    locations: dict[tuple[str, str], Problem] = {}
    for err in exc.errors():
        loc = tuple(err["loc"])
        key = (err.get("ctx") or {}).get("key")
        full = prefix + loc + ((key,) if key is not None else ())
        if err["type"] == "missing":
            full = prefix + loc[:-1]
        location = locate(raw, full)
        path = dotted(raw, full)
        if err["type"] == "missing":
            path = f"{path}.{loc[-1]}" if path else str(loc[-1])
        ident = (str(location), path)
        merged.setdefault(ident, [])
        message = _message(err)
        if message not in merged[ident]:
            merged[ident].append(message)
        locations[ident] = Problem("", location, path)
    out = []
    for ident, messages in merged.items():
        base = locations[ident]
        out.append(Problem(" or ".join(messages), base.location, base.path))
    return out
