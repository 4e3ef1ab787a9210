"""Reading stacks from a cloud assembly (``cdk.out/manifest.json``) or from template files.

Only artifacts of type ``aws:cloudformation:stack`` become stacks; asset manifests, tree and
other artifacts are dropped, and so are the dependencies on them. Nested assemblies (CDK
stages) are read too. A stack's name is its CloudFormation stack name (``stackName`` or the
artifact id), which is what deployments, exports and expected orders talk about.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assay.checks.stacks.models import Stack
from assay.checks.stacks.templates import SourceError, read_template, stack_from_template
from assay.core.errors import InvalidParameters

STACK_ARTIFACT = "aws:cloudformation:stack"
NESTED_ASSEMBLY = "cdk:cloud-assembly"
ANNOTATION_LEVELS = {"aws:cdk:error": "error", "aws:cdk:warning": "warning", "aws:cdk:info": "info"}


@dataclass
class Assembly:
    """The stacks of one source, in the order the source lists them."""

    source: str  # "app", "assembly" or "templates"
    origin: str  # the app, directory or files it came from
    stacks: list[Stack]
    directory: str | None = None  # the cloud assembly, when there is one
    has_manifest: bool = False  # dependencies come from a manifest
    synth_seconds: float | None = None
    templates: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    # the app's own errors and warnings (Annotations.of(x).addError), as the CDK CLI shows them
    annotations: list[dict[str, str]] = field(default_factory=list)

    def stack(self, name: str) -> Stack | None:
        return next((s for s in self.stacks if s.name == name), None)

    def names(self) -> list[str]:
        return [s.name for s in self.stacks]

    def select(self, patterns: list[str]) -> list[str]:
        """The stacks that ``patterns`` pick (see ``select``)."""
        return select(self.names(), patterns)


def select(names: list[str], patterns: list[str]) -> list[str]:
    """``names`` that the names or globs pick (all for none); ValueError for one that picks none."""
    if not patterns:
        return names
    for pattern in patterns:
        if not any(fnmatch.fnmatchcase(n, pattern) for n in names):
            raise InvalidParameters(f"'stacks': {pattern} matches none of {', '.join(names)}")
    return [n for n in names if any(fnmatch.fnmatchcase(n, p) for p in patterns)]


def _manifest(directory: Path) -> dict[str, Any]:
    path = directory / "manifest.json"
    if not path.is_file():
        raise SourceError(f"{directory}: not a cloud assembly (no manifest.json)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SourceError(f"{path}: unreadable manifest: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("artifacts", {}), dict):
        raise SourceError(f"{path}: not a cloud assembly manifest ('artifacts' is not a mapping)")
    return data


def _artifacts(directory: Path, seen: set[Path]) -> list[tuple[Path, str, dict[str, Any]]]:
    """Every stack artifact as (assembly directory, artifact id, artifact), nested included."""
    if directory.resolve() in seen:
        return []
    seen.add(directory.resolve())
    out = []
    for artifact_id, artifact in _manifest(directory)["artifacts"].items():
        if not isinstance(artifact, dict):
            continue
        kind = artifact.get("type")
        props = artifact.get("properties") or {}
        if kind == STACK_ARTIFACT:
            out.append((directory, str(artifact_id), artifact))
        elif kind == NESTED_ASSEMBLY and isinstance(props.get("directoryName"), str):
            out += _artifacts(directory / props["directoryName"], seen)
    return out


def _annotations(where: Path, stack: str, artifact: dict[str, Any]) -> list[dict[str, str]]:
    metadata = dict(artifact.get("metadata") or {})
    extra = artifact.get("additionalMetadataFile")
    if isinstance(extra, str) and (where / extra).is_file():
        try:
            metadata.update(json.loads((where / extra).read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            raise SourceError(f"{where / extra}: unreadable metadata: {exc}") from None
    out = []
    for path, entries in sorted(metadata.items()):
        for entry in entries if isinstance(entries, list) else []:
            level = (
                ANNOTATION_LEVELS.get(str(entry.get("type"))) if isinstance(entry, dict) else None
            )
            if level:
                message = entry.get("data")
                text = message if isinstance(message, str) else json.dumps(message)
                out.append({"stack": stack, "level": level, "path": path, "message": text})
    return out


def read_assembly(directory: Path, source: str = "assembly", origin: str = "") -> Assembly:
    """The stacks of a cloud assembly, with the manifest's stack-to-stack dependencies."""
    artifacts = _artifacts(directory, set())
    names: dict[str, str] = {}
    for _, artifact_id, artifact in artifacts:
        props = artifact.get("properties") or {}
        names[artifact_id] = str(props.get("stackName") or artifact_id)
    duplicates = sorted({n for n in names.values() if list(names.values()).count(n) > 1})
    if duplicates:
        raise SourceError(f"{directory}: stack names used twice: {', '.join(duplicates)}")
    stacks, templates, annotations = [], {}, []
    for where, artifact_id, artifact in artifacts:
        props = artifact.get("properties") or {}
        template_file = props.get("templateFile")
        if not isinstance(template_file, str):
            raise SourceError(f"{where}/manifest.json: stack '{artifact_id}' has no templateFile")
        path = where / template_file
        if not path.is_file():
            raise SourceError(f"{path}: template of stack '{artifact_id}' not found")
        template = read_template(path)
        deps = [names[d] for d in artifact.get("dependencies") or [] if d in names]
        stack = stack_from_template(
            template,
            names[artifact_id],
            artifact_id=artifact_id,
            template_file=str(path),
            environment=artifact.get("environment"),
            depends_on=sorted(set(deps)),
            termination_protection=bool(props.get("terminationProtection", False)),
        )
        stacks.append(stack)
        templates[stack.name] = template
        annotations += _annotations(where, stack.name, artifact)
    if not stacks:
        raise SourceError(f"{directory}/manifest.json: the assembly has no stacks")
    return Assembly(
        source=source,
        origin=origin or str(directory),
        stacks=stacks,
        directory=str(directory),
        has_manifest=True,
        templates=templates,
        annotations=annotations,
    )


def read_templates(files: dict[str, Path], origin: str) -> Assembly:
    """Stacks from template files, named by the given names (file stems by default)."""
    stacks, templates = [], {}
    for name, path in files.items():
        template = read_template(path)
        stack = stack_from_template(template, name, template_file=str(path))
        stacks.append(stack)
        templates[name] = template
    return Assembly(source="templates", origin=origin, stacks=stacks, templates=templates)
