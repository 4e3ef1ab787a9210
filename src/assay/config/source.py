"""YAML loading that remembers where every value came from.

``load_yaml`` returns plain dicts/lists/scalars, but mappings and sequences are ``LocDict`` /
``LocList`` carrying the location of themselves and of each key or item, so that any later
validation error can be reported with file and line.
"""

from __future__ import annotations

import bisect
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


class _Lines:
    """Line and column as an editor counts them: only ``\n`` ends a line.

    YAML also breaks lines at NEL and U+2028/9, so its own marks can disagree with editors.
    """

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        if len(self.starts) > 1 and self.starts[-1] == len(text):
            self.starts.pop()  # a final newline does not start another line

    def at(self, mark: Any) -> Location:
        if mark is None:
            return Location(self.file, 1)
        line = bisect.bisect_right(self.starts, mark.index)
        return Location(self.file, line, mark.index - self.starts[line - 1] + 1)


class _Builder:
    def __init__(self, lines: _Lines, text: str) -> None:
        self.lines = lines
        self.file = lines.file
        self.constructor = yaml.SafeLoader(text)

    def build(self, node: Node) -> Any:
        if isinstance(node, MappingNode):
            explicit = sum(1 for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge")
            self.constructor.flatten_mapping(node)
            merged = len(node.value) - explicit  # '<<' pairs come first; explicit keys win
            out = LocDict(loc=_loc(self.lines, node))
            explicit_keys: set[Any] = set()
            for position, (key_node, value_node) in enumerate(node.value):
                key = self.build(key_node)
                if isinstance(key, dict | list):
                    raise SuiteError(
                        Problem("a mapping key must be a scalar", _loc(self.lines, key_node))
                    )
                if position >= merged and key in explicit_keys:
                    first = out.key_locs[key]
                    line = first.line if first else "?"
                    raise SuiteError(
                        Problem(
                            f"duplicate key '{key}' (first defined on line {line})",
                            _loc(self.lines, key_node),
                        )
                    )
                if position >= merged:
                    explicit_keys.add(key)
                out[key] = self.build(value_node)
                out.key_locs[key] = _loc(self.lines, key_node)
            return out
        if isinstance(node, SequenceNode):
            seq = LocList(loc=_loc(self.lines, node))
            for item in node.value:
                seq.append(self.build(item))
                seq.item_locs.append(_loc(self.lines, item))
            return seq
        assert isinstance(node, ScalarNode)
        try:
            return self.constructor.construct_object(node, deep=True)
        except (ValueError, KeyError, IndexError, AttributeError, TypeError, OverflowError):
            # e.g. '!!int abc' or an impossible date: PyYAML raises plain Python errors
            raise SuiteError(
                Problem(
                    f"invalid YAML value {node.value!r} for {node.tag.rsplit(':', 1)[-1]} "
                    "(quote it to keep it as text)",
                    _loc(self.lines, node),
                )
            ) from None


def _loc(lines: _Lines, node: Node) -> Location:
    return lines.at(node.start_mark)


def parse_yaml(text: str, file: str) -> Any:
    """Parse one YAML document into Loc containers; YAML errors become ``SuiteError``."""
    lines = _Lines(file, text)
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except RecursionError:
        raise SuiteError(Problem("the YAML nests too deeply", Location(file, 1))) from None
    except yaml.MarkedYAMLError as exc:
        loc = lines.at(exc.problem_mark or exc.context_mark)
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
            Problem("a suite file holds one YAML document, found several", _loc(lines, nodes[1]))
        )
    try:
        return _Builder(lines, text).build(nodes[0])
    except RecursionError:
        raise SuiteError(
            Problem("the YAML nests too deeply, or an alias refers to itself", Location(file, 1))
        ) from None
    except yaml.constructor.ConstructorError as exc:
        raise SuiteError(
            Problem(f"invalid YAML value: {exc.problem}", lines.at(exc.problem_mark))
        ) from None


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
