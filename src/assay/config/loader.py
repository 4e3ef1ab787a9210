"""Load a suite: read YAML, follow includes, substitute variables, validate everything.

Every problem found is collected and raised together as one ``SuiteError`` whose problems
name the file, line and key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr, ValidationError

from assay.config.documents import Doc, display, read_documents
from assay.config.errors import dotted, problems_from
from assay.config.models import Suite
from assay.config.source import LocDict, LocList, locate
from assay.config.variables import VariableError, Variables
from assay.core.checks import CHECKS, TARGETS, CheckKind, TargetType
from assay.core.errors import Problem, SuiteError
from assay.core.registry import Registry, suggest
from assay.core.secrets import register as register_secret


def _walk_strings(node: Any, path: tuple[Any, ...], fn: Any) -> Any:
    if isinstance(node, LocDict):
        for key in list(node):
            value = _walk_strings(node[key], (*path, key), fn)
            new_key = fn(key, (*path, key)) if isinstance(key, str) and "${" in key else key
            if new_key != key:  # variables in keys too (metadata names, field paths)
                del node[key]
                node.key_locs[new_key] = node.key_locs.pop(key, None)
            node[new_key] = value
        return node
    if isinstance(node, LocList):
        for i, item in enumerate(node):
            node[i] = _walk_strings(item, (*path, i), fn)
        return node
    if isinstance(node, str):
        return fn(node, path)
    return node


def _output_names(docs: list[Doc]) -> set[str]:
    names: set[str] = set()
    for doc in docs:
        groups = doc.data.get("groups")
        for group in groups if isinstance(groups, list) else []:
            if not isinstance(group, dict):
                continue
            for phase in ("before", "test", "after"):
                steps = group.get(phase)
                for step in steps if isinstance(steps, list) else []:
                    if isinstance(step, dict) and isinstance(step.get("outputs"), dict):
                        names.update(str(k) for k in step["outputs"])
    return names


def _substitute(doc: Doc, variables: Variables, problems: list[Problem]) -> None:
    base = doc.path.parent

    def fn(text: str, path: tuple[Any, ...]) -> str:
        in_steps = bool(path) and path[0] == "groups"
        try:
            text = variables.substitute(text, unescape=not in_steps)
        except VariableError as exc:
            problems.append(Problem(str(exc), locate(doc.data, path), dotted(doc.data, path)))
            return text
        if text.startswith("file://") and "${" not in text:
            target = Path(text[len("file://") :])
            try:
                resolved = target if target.is_absolute() else (base / target).resolve()
                found = resolved.is_file()
            except (OSError, ValueError) as exc:  # NUL bytes, names too long
                problems.append(
                    Problem(
                        f"invalid file path {text[:80]!r}: {exc}",
                        locate(doc.data, path),
                        dotted(doc.data, path),
                    )
                )
                return text
            if not found:
                problems.append(
                    Problem(
                        f"file not found: {text} (resolved to {display(resolved)})",
                        locate(doc.data, path),
                        dotted(doc.data, path),
                    )
                )
            return f"file://{resolved}"
        return text

    for key in list(doc.data):
        if key not in ("include", "variables"):
            doc.data[key] = _walk_strings(doc.data[key], (key,), fn)


def _merge(docs: list[Doc], problems: list[Problem]) -> tuple[LocDict, dict[str, Path]]:
    """The merged suite, and the directory of the file that defines each target."""
    top = docs[-1].data
    target_dirs: dict[str, Path] = {}
    merged = LocDict(loc=top.loc)
    merged.key_locs = dict(top.key_locs)
    targets = LocDict(loc=getattr(top.get("targets"), "loc", top.loc))
    groups = LocList(loc=getattr(top.get("groups"), "loc", top.loc))
    group_seen: dict[str, Any] = {}
    for doc in docs:
        raw_targets = doc.data.get("targets") or {}
        if not isinstance(raw_targets, dict):
            problems.append(
                Problem(
                    "'targets' must be a mapping of names to target settings",
                    doc.data.key_locs.get("targets"),
                    "targets",
                )
            )
            raw_targets = {}
        for name, settings in raw_targets.items():
            where = doc.data["targets"].key_locs.get(name)
            if name in targets:
                problems.append(
                    Problem(
                        f"target '{name}' is defined twice (also at {targets.key_locs.get(name)})",
                        where,
                        f"targets.{name}",
                    )
                )
            targets[name] = settings
            target_dirs[name] = doc.path.parent
            if where:
                targets.key_locs[name] = where
        raw_groups = doc.data.get("groups") or []
        if not isinstance(raw_groups, list):
            problems.append(
                Problem(
                    "'groups' must be a list of groups", doc.data.key_locs.get("groups"), "groups"
                )
            )
            continue
        for i, group in enumerate(raw_groups):
            where = locate(raw_groups, (i,))
            name = group.get("name") if isinstance(group, dict) else None
            if isinstance(name, str) and name in group_seen:
                problems.append(
                    Problem(
                        f"group name '{name}' is used twice (also at {group_seen[name]})",
                        where,
                        f"groups[{i}].name",
                    )
                )
            elif isinstance(name, str):
                group_seen[name] = where
            groups.append(group)
            groups.item_locs.append(where)
    for key in top:
        if key not in ("targets", "groups", "include"):
            merged[key] = top[key]
    for doc in docs[:-1]:  # an included file's stray keys would otherwise go unnoticed
        valid = Suite.valid_keys()
        for key in doc.data:
            if key not in valid:
                problems.append(
                    Problem(
                        f"unknown key '{key}'{suggest(str(key), valid)}",
                        doc.data.key_locs.get(key),
                        str(key),
                    )
                )
    merged["targets"], merged["groups"] = targets, groups
    return merged, target_dirs


def _variables(docs: list[Doc], variables: Variables, problems: list[Problem]) -> None:
    defined: dict[str, str] = {}
    env_only = Variables(
        run_id=variables.run_id,
        overrides=variables.overrides,
        environ=variables.environ,
        output_names=set(),
    )
    for doc in docs:
        section = doc.data.get("variables") or {}
        if not isinstance(section, dict):
            problems.append(
                Problem(
                    "'variables' must be a mapping of names to values",
                    doc.data.key_locs.get("variables"),
                    "variables",
                )
            )
            continue
        for name, value in section.items():
            try:
                defined[str(name)] = env_only.substitute(str(value), unescape=True)
            except VariableError as exc:
                where = locate(doc.data, ("variables", name))
                problems.append(Problem(str(exc), where, f"variables.{name}"))
    variables.defined = {**defined, **dict(variables.defined)}


def load_suite(
    path: str | Path,
    variables: Variables | None = None,
    checks: Registry[CheckKind] = CHECKS,
    targets: Registry[TargetType] = TARGETS,
) -> Suite:
    """Load and fully validate one suite file (and what it includes)."""
    root = Path(path).resolve()
    if not root.exists():
        raise SuiteError(f"{path}: file not found")
    docs: list[Doc] = []
    read_documents(root, [root], docs, {root})
    return _validate(docs, display(root), variables or Variables(), checks, targets)


def load_suite_data(
    data: LocDict,
    path: Path,
    variables: Variables | None = None,
    checks: Registry[CheckKind] = CHECKS,
    targets: Registry[TargetType] = TARGETS,
) -> Suite:
    """Validate a suite given as parsed YAML (``source.parse_yaml``; no ``include``), such as
    one the server builds from a section of its settings file. ``path`` is the file the data
    came from: relative ``file://`` values resolve against its directory."""
    if "include" in data:
        raise SuiteError(Problem("'include' is not allowed here", data.key_locs.get("include")))
    docs = [Doc(path.resolve(), data)]
    return _validate(docs, display(path), variables or Variables(), checks, targets)


def _validate(
    docs: list[Doc],
    display: str,
    variables: Variables,
    checks: Registry[CheckKind],
    targets: Registry[TargetType],
) -> Suite:
    problems: list[Problem] = []
    variables.output_names |= _output_names(docs)
    _variables(docs, variables, problems)
    for doc in docs:
        _substitute(doc, variables, problems)
    raw, target_dirs = _merge(docs, problems)
    if problems:
        raise SuiteError(problems)
    try:
        suite = Suite.model_validate(raw)
    except ValidationError as exc:
        raise SuiteError(problems_from(exc, raw)) from None
    suite.path = display
    from assay.config.semantics import check_semantics  # local: semantics imports models

    suite.targets = _targets(suite, raw, targets, problems, target_dirs)
    check_semantics(suite, raw, checks, targets, problems)
    if problems:
        raise SuiteError(problems)
    return suite


def _targets(
    suite: Suite,
    raw: LocDict,
    registry: Registry[TargetType],
    problems: list[Problem],
    target_dirs: dict[str, Path],
) -> dict[str, Any]:
    """Each target's settings, validated by its family's model.

    The validation context's ``base_dir`` is the directory of the file that defines the
    target, so families resolve relative paths in settings (a CDK app, a plan file) the way
    ``file://`` values are resolved: against the suite, not the working directory.
    """
    out: dict[str, Any] = {}
    for name, settings in suite.targets.items():
        where = locate(raw, ("targets", name))
        kind = settings.get("type") if isinstance(settings, dict) else None
        if not isinstance(kind, str):
            problems.append(
                Problem("a target needs a 'type' (e.g. type: s3)", where, f"targets.{name}")
            )
            continue
        target_type = registry.get(kind)
        if target_type is None:
            problems.append(
                Problem(
                    registry.unknown_message(kind),
                    locate(raw, ("targets", name, "type")),
                    f"targets.{name}.type",
                )
            )
            continue
        try:
            model: BaseModel = target_type.settings_model.model_validate(
                settings, context={"base_dir": target_dirs.get(name, Path.cwd())}
            )
        except ValidationError as exc:
            problems.extend(problems_from(exc, raw, ("targets", name)))
            continue
        _register_secrets(model)
        out[name] = model
    return out


def _register_secrets(value: Any) -> None:
    """Register every secret in a target's settings, whatever its family's credential model."""
    if isinstance(value, SecretStr):
        register_secret(value.get_secret_value())
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            item = getattr(value, name)
            _register_secrets(item)
            if name == "access_key" and isinstance(item, str) and len(item) >= 16:
                register_secret(item)  # real key ids; short ones would mask ordinary words
    elif isinstance(value, dict):
        for item in value.values():
            _register_secrets(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _register_secrets(item)


__all__ = ["load_suite", "load_suite_data", "suggest"]
