"""Read a suite's files: the root and, depth first, every file it includes.

Each file is parsed with line numbers kept (``source.load_yaml``); an s3tester file is
validated and converted to the native form first. Includes are resolved relative to the file
that names them; a cycle is reported with its chain, a missing file with the path looked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from assay.config import legacy
from assay.config.errors import problems_from
from assay.config.source import LocDict, LocList, load_yaml, locate
from assay.core.errors import Problem, SuiteError


@dataclass
class Doc:
    """One file of a suite and its parsed data."""

    path: Path
    data: LocDict


def display(path: Path) -> str:
    """The path as the user would write it: relative to the working directory when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def read_documents(path: Path, stack: list[Path], docs: list[Doc], seen: set[Path]) -> None:
    """Append ``path``'s includes (depth first), then ``path`` itself, to ``docs``."""
    data = load_yaml(path, display(path))
    if not isinstance(data, LocDict):
        raise SuiteError(
            Problem(
                "a suite must be a mapping with 'targets' and 'groups' (or s3tester's 'config' "
                "and 'test_cases')",
                getattr(data, "loc", None) or locate(data, ()),
            )
        )
    if legacy.is_legacy(data):
        try:
            legacy.LegacySuite.model_validate(data)
        except ValidationError as exc:
            raise SuiteError(problems_from(exc, data)) from None
        data = legacy.to_native(data)
    includes = data.get("include") or []
    if isinstance(includes, str):
        includes = LocList([includes], loc=data.key_locs.get("include"))
        includes.item_locs = [data.key_locs["include"]]
    if not isinstance(includes, list):
        raise SuiteError(
            Problem(
                "'include' must be a file name or a list of them",
                data.key_locs.get("include"),
                "include",
            )
        )
    for i, name in enumerate(includes):
        where = locate(includes, (i,)) or data.key_locs.get("include")
        if not isinstance(name, str):
            raise SuiteError(Problem("an include must be a file name", where, f"include[{i}]"))
        try:
            child = (path.parent / name).resolve()
            found = child.is_file()
        except (OSError, ValueError) as exc:  # NUL bytes, names too long
            raise SuiteError(
                Problem(f"invalid include path {name[:80]!r}: {exc}", where, f"include[{i}]")
            ) from None
        if child in stack:
            chain = " -> ".join(display(p) for p in [*stack, child])
            raise SuiteError(Problem(f"include cycle: {chain}", where, f"include[{i}]"))
        if not found:
            raise SuiteError(
                Problem(
                    f"included file not found: {name} (looked for {display(child)})",
                    where,
                    f"include[{i}]",
                )
            )
        if child not in seen:
            seen.add(child)
            read_documents(child, [*stack, child], docs, seen)
    docs.append(Doc(path, data))
