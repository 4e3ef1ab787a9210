"""The ``stacks`` target type: where a set of stacks comes from, read (or synthesised) once.

Exactly one source: ``app`` (a Python CDK app, synthesised in process), ``assembly`` (an
existing cloud assembly directory) or ``templates`` (CloudFormation files or globs; a list
names stacks by file stem, a mapping names them explicitly). Relative paths resolve against
the suite file that defines the target. The stacks are read at the first step that needs
them and kept for the run, so synthesis costs its seconds once per target.

The target is also where the stacks go: the aws family's connection settings (``endpoint``,
default ``embedded``; ``region``; ``credentials``; ``endpoints``) are part of it, and its
account is opened on first use, so a target that only synthesises starts no server. The aws
kinds (``aws.resource``, ``aws.dynamodb_table``, ...) accept ``stacks`` targets and verify
what ``stacks.deploy`` made through the same clients: the same account and embedded server.
What a run deployed, and the inventory taken before, stay with the target for the run.
"""

from __future__ import annotations

import glob
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field, PrivateAttr, ValidationInfo, field_validator, model_validator

from assay.checks.aws.connection import AwsConnection
from assay.checks.aws.inventory import Inventory
from assay.checks.aws.target import AMBIENT, AccountTarget
from assay.checks.model_kind import TargetKind
from assay.checks.stacks.assembly import Assembly, read_assembly, read_templates
from assay.checks.stacks.cdk import AppSpec, app_spec, synthesise
from assay.checks.stacks.dependencies import Analysis, analyse
from assay.checks.stacks.models import Deployment
from assay.checks.stacks.templates import SourceError
from assay.checks.target_type import FamilyTargetType

P = TypeVar("P", bound=BaseModel)

SOURCES = ("app", "assembly", "templates")
TEMPLATE_SUFFIXES = (".json", ".yaml", ".yml", ".template")


def _base_dir(info: ValidationInfo) -> Path:
    base = (info.context or {}).get("base_dir")
    return Path(base) if base else Path.cwd()


def _resolve(value: str, base: Path) -> Path:
    path = Path(value.removeprefix("file://"))
    return path if path.is_absolute() else (base / path).resolve()


def _template_files(patterns: list[str], base: Path) -> dict[str, str]:
    """File stem -> absolute path for every file the patterns name or match."""
    out: dict[str, str] = {}
    for pattern in patterns:
        resolved = _resolve(pattern, base)
        if glob.has_magic(pattern):
            hits = sorted(Path(p) for p in glob.glob(str(resolved), recursive=True))
            hits = [p for p in hits if p.is_file() and p.suffix in TEMPLATE_SUFFIXES]
            if not hits:
                raise ValueError(f"'{pattern}' matches no template file (in {resolved.parent})")
        elif resolved.is_file():
            hits = [resolved]
        else:
            raise ValueError(f"template not found: {pattern} (resolved to {resolved})")
        for hit in hits:
            if hit.stem in out and out[hit.stem] != str(hit):
                raise ValueError(
                    f"two templates would both be stack '{hit.stem}' ({out[hit.stem]}, {hit}); "
                    "name the stacks with a mapping: templates: {Name: file}"
                )
            out[hit.stem] = str(hit)
    return out


class StacksSettings(AwsConnection):
    """A set of CloudFormation stacks (a CDK app, a cloud assembly, or template files), and the
    account they deploy to."""

    type: Literal["stacks"] = "stacks"
    app: str | None = Field(
        None,
        description="A Python CDK app: app.py, app.py:NAME (an App or a function returning "
        "one), a directory with cdk.json, or a module (pkg.app:NAME). Synthesised in process.",
    )
    assembly: str | None = Field(None, description="A cloud assembly directory (cdk.out).")
    templates: list[str] | dict[str, str] | None = Field(
        None,
        description="CloudFormation templates (JSON or YAML): files or globs (stack = file "
        "stem), or a mapping of stack names to files.",
    )
    context: dict[str, Any] = Field(
        default_factory=dict, description="CDK context for the app (overrides cdk.json's)."
    )
    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)
    _app: AppSpec | None = PrivateAttr(default=None)

    @field_validator("app")
    @classmethod
    def _app_exists(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            app_spec(value, _base_dir(info))  # raises, naming the missing file
        return value

    @field_validator("assembly")
    @classmethod
    def _assembly_dir(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        path = _resolve(value, _base_dir(info))
        if not (path / "manifest.json").is_file():
            what = "has no manifest.json" if path.is_dir() else "does not exist"
            raise ValueError(f"cloud assembly {value} {what} (resolved to {path})")
        return str(path)

    @field_validator("templates")
    @classmethod
    def _template_paths(
        cls, value: list[str] | dict[str, str] | None, info: ValidationInfo
    ) -> list[str] | dict[str, str] | None:
        if value is None:
            return None
        base = _base_dir(info)
        if isinstance(value, list):
            if not value:
                raise ValueError("'templates' needs at least one file or glob")
            return list(_template_files(value, base).values())
        out = {}
        for name, file in value.items():
            path = _resolve(file, base)
            if not path.is_file():
                raise ValueError(f"template of stack '{name}' not found: {file} (at {path})")
            out[name] = str(path)
        return out

    @model_validator(mode="after")
    def _one_source(self, info: ValidationInfo) -> StacksSettings:
        given = [key for key in SOURCES if getattr(self, key) is not None]
        if len(given) != 1:
            found = f"got {', '.join(given)}" if given else "got none"
            raise ValueError(
                "a stacks target needs exactly one source: 'app' (a CDK app), 'assembly' "
                f"(a cdk.out directory) or 'templates' (files or globs); {found}"
            )
        self._base_dir = _base_dir(info)
        if self.app is not None:
            self._app = app_spec(self.app, self._base_dir)
            self._app = AppSpec(
                self._app.directory,
                self._app.file,
                self._app.module,
                self._app.attr,
                {**self._app.context, **self.context},
            )
        return self

    @property
    def source(self) -> str:
        return next(key for key in SOURCES if getattr(self, key) is not None)

    def template_files(self) -> dict[str, Path]:
        """Stack name -> template file, for a ``templates`` source."""
        if isinstance(self.templates, dict):
            return {name: Path(file) for name, file in self.templates.items()}
        return {Path(file).stem: Path(file) for file in self.templates or []}

    def app_spec(self) -> AppSpec | None:
        return self._app


class StacksTarget(AccountTarget):
    """An opened ``stacks`` target: reads its source once, on first use, and keeps it."""

    def __init__(self, name: str, settings: StacksSettings, concurrency: int = 4) -> None:
        super().__init__(name, settings, concurrency)
        self.settings = settings
        self._assembly: Assembly | None = None
        self._analysis: Analysis | None = None
        self._error: SourceError | None = None
        self._outdir: Path | None = None
        # what this run deployed (stacks.deploy), the inventories taken before it (by region)
        # and the resources a DeletionPolicy kept when the stacks went (inventory keys)
        self.deployment: Deployment | None = None
        self.snapshots: dict[str, Inventory] = {}
        self.retained: set[str] = set()
        self.state_lock = threading.Lock()

    def region_of(self, stack: str, credential: str = AMBIENT) -> str:
        """Where ``stack`` goes: its environment's region, else the credential's or target's."""
        found = self.assembly().stack(stack)
        return (found.region if found else None) or self.account.region_for(credential)

    def assembly(self) -> Assembly:
        """The stacks of the source (synthesised the first time); raises ``SourceError``."""
        with self._lock:
            if self._assembly is None and self._error is None:
                try:
                    self._assembly = self._read()
                except SourceError as exc:
                    self._error = exc  # a broken app fails every step the same way, once
            if self._error is not None:
                raise self._error
            assert self._assembly is not None
            return self._assembly

    def analysis(self) -> Analysis:
        """The dependency graph and its findings (computed once)."""
        assembly = self.assembly()
        with self._lock:
            if self._analysis is None:
                self._analysis = analyse(assembly)
            return self._analysis

    def _read(self) -> Assembly:
        settings = self.settings
        if settings.source == "assembly":
            assert settings.assembly is not None
            return read_assembly(Path(settings.assembly))
        if settings.source == "templates":
            files = settings.template_files()
            return read_templates(files, ", ".join(str(p) for p in files.values()))
        spec = settings.app_spec()
        assert spec is not None
        self._outdir = Path(tempfile.mkdtemp(prefix=f"assay-cdk-{self.name}-"))
        started = time.perf_counter()
        directory = synthesise(spec, self._outdir)
        seconds = time.perf_counter() - started
        assembly = read_assembly(directory, source="app", origin=spec.label)
        assembly.synth_seconds = seconds
        return assembly

    def describe(self) -> dict[str, Any]:
        settings = self.settings
        origin: Any = getattr(settings, settings.source)
        return {
            "type": "stacks",
            "source": settings.source,
            settings.source: origin,
            **self.account.describe(),
        }

    def close(self) -> None:
        super().close()
        if self._outdir is not None:
            shutil.rmtree(self._outdir, ignore_errors=True)


class StacksTargetType(FamilyTargetType[StacksSettings, StacksTarget]):
    name = "stacks"
    noun = "a stacks target"
    settings_model = StacksSettings
    target_class = StacksTarget

    def probe(self, target: Any) -> None:
        """Reach the account's endpoint unless it is embedded (the source files were checked
        when the suite loaded)."""
        target.account.probe()


class StacksKind(TargetKind[P, StacksTarget]):
    """A check kind of the stacks family: its steps run on a ``stacks`` target."""

    family = "stacks"
    target_type = StacksTargetType
