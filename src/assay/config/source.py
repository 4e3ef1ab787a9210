"""YAML loading that remembers where every value came from.

``load_yaml`` returns plain dicts/lists/scalars, but mappings and sequences are ``LocDict`` /
``LocList`` carrying the location of themselves and of each key or item, so that any later
validation error can be reported with file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from assay.core.errors import Location, Problem, SuiteError


class LocDict(dict[Any, Any]):
    """A dict with ``loc`` (where the mapping starts) and ``key_locs`` (where each key is)."""

    __slots__ = ("key_locs", "loc")

    def __init__(self, *args: Any, loc: Location | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.loc = loc
        self.key_locs: dict[Any, Location | None] = {}


class LocList(list[Any]):
    """A list with ``loc`` and ``item_locs``."""

    __slots__ = ("item_locs", "loc")

    def __init__(self, *args: Any, loc: Location | None = None) -> None:
        super().__init__(*args)
        self.loc = loc
        self.item_locs: list[Location | None] = []


def _loc(file: str, node: Node) -> Location:
    return Location(file, node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.constructor = yaml.SafeLoader(text)

    def build(self, node: Node) -> Any:
        if isinstance(node, MappingNode):
            self.constructor.flatten_mapping(node)
            out = LocDict(loc=_loc(self.file, node))
            for key_node, value_node in node.value:
                key = self.build(key_node)
                if isinstance(key, dict | list):
                    raise SuiteError(
                        Problem("a mapping key must be a scalar", _loc(self.file, key_node))
                    )
                if key in out:
                    first = out.key_locs[key]
                    line = first.line if first else "?"
                    raise SuiteError(
                        Problem(
                            f"duplicate key '{key}' (first defined on line {line})",
                            _loc(self.file, key_node),
                        )
                    )
                out[key] = self.build(value_node)
                out.key_locs[key] = _loc(self.file, key_node)
            return out
        if isinstance(node, SequenceNode):
            seq = LocList(loc=_loc(self.file, node))
            for item in node.value:
                seq.append(self.build(item))
                seq.item_locs.append(_loc(self.file, item))
            return seq
        assert isinstance(node, ScalarNode)
        return self.constructor.construct_object(node, deep=True)


def parse_yaml(text: str, file: str) -> Any:
    """Parse one YAML document into Loc containers; YAML errors become ``SuiteError``."""
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file, 1)
        what = exc.problem or exc.context or "invalid YAML"
        raise SuiteError(Problem(f"invalid YAML: {what}", loc)) from None
    except yaml.YAMLError as exc:
        raise SuiteError(Problem(f"invalid YAML: {exc}", Location(file, 1))) from None
    nodes = [n for n in nodes if n is not None]
    if not nodes:
        raise SuiteError(
            Problem("the file is empty; a suite needs at least 'groups'", Location(file, 1))
        )
    if len(nodes) > 1:
        raise SuiteError(
            Problem("a suite file holds one YAML document, found several", _loc(file, nodes[1]))
        )
    try:
        return _Builder(file, text).build(nodes[0])
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        loc = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file, 1)
        raise SuiteError(Problem(f"invalid YAML value: {exc.problem}", loc)) from None


def load_yaml(path: Path, display: str | None = None) -> Any:
    """Read and parse a suite file; a missing or unreadable file is a ``SuiteError``."""
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SuiteError(f"{name}: file not found") from None
    except IsADirectoryError:
        raise SuiteError(f"{name}: is a directory, expected a YAML suite file") from None
    except UnicodeDecodeError as exc:
        raise SuiteError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise SuiteError(f"{name}: cannot read ({exc.strerror})") from None
    return parse_yaml(text, name)


def locate(data: Any, path: tuple[Any, ...]) -> Location | None:
    """The most precise known location of ``path`` inside Loc containers."""
    best: Location | None = getattr(data, "loc", None)
    node = data
    for part in path:
        if isinstance(node, LocDict) and part in node:
            best = node.key_locs.get(part, best)
            node = node[part]
        elif isinstance(node, LocList) and isinstance(part, int) and 0 <= part < len(node):
            best = node.item_locs[part] if part < len(node.item_locs) else best
            node = node[part]
        else:
            break
    return best
