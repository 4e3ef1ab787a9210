"""Synthesising a CDK app in this process: aws-cdk-lib's ``app.synth()``, no CLI, no network.

aws-cdk-lib runs its JavaScript in one Node.js process per Python process (jsii), started by
the first ``import aws_cdk``. The CDK CLI hands an app its output directory and context
through ``CDK_OUTDIR``/``CDK_CONTEXT_JSON``, but environment changes no longer reach that Node
process once it runs, so while assay loads an app it gives every ``aws_cdk.App`` those two as
constructor arguments instead. One lock serialises synthesis: jsii's kernel is shared, and so
are ``sys.path`` and the patched constructor.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.util
import os
import shlex
import shutil
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assay.checks.stacks.templates import SourceError, display

_LOCK = threading.Lock()
DEFAULT_ATTRS = ("app",)


@dataclass(frozen=True)
class AppSpec:
    """Where a CDK app is: a Python file or a module, and the object that is (or builds) it."""

    directory: Path  # put on sys.path while the app loads, as `python app.py` would
    file: Path | None = None
    module: str | None = None
    attr: str | None = None
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        where = display(self.file) if self.file else str(self.module)
        return f"{where}:{self.attr}" if self.attr else where


def _from_cdk_json(path: Path) -> AppSpec:
    """The Python file that cdk.json's ``app`` command runs, and cdk.json's context."""
    import json

    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: unreadable cdk.json: {exc}") from None
    command = config.get("app") if isinstance(config, dict) else None
    if not isinstance(command, str):
        raise ValueError(f"{path}: cdk.json has no 'app' command")
    scripts = [word for word in shlex.split(command) if word.endswith(".py")]
    if not scripts:
        raise ValueError(
            f"{path}: cdk.json's app command {command!r} runs no Python file; "
            "assay synthesises Python CDK apps"
        )
    file = (path.parent / scripts[0]).resolve()
    if not file.is_file():
        raise ValueError(f"{path}: the app command's file {scripts[0]} does not exist")
    context = config.get("context")
    return AppSpec(path.parent, file=file, context=context if isinstance(context, dict) else {})


def app_spec(value: str, base_dir: Path) -> AppSpec:
    """Parse ``app``: ``app.py``, ``app.py:NAME``, a directory, cdk.json or ``pkg.mod:NAME``.

    Raises ``ValueError`` (a suite error at load) when a named file does not exist.
    """
    text = value.removeprefix("file://")
    where, _, attr_text = text.rpartition(":") if ":" in text else (text, "", "")
    attr = attr_text.strip() or None
    path = Path(where)
    path = path if path.is_absolute() else (base_dir / path)
    if path.is_dir():
        if (path / "cdk.json").is_file():
            spec = _from_cdk_json(path / "cdk.json")
            return AppSpec(spec.directory, spec.file, None, attr, spec.context)
        if (path / "app.py").is_file():
            return AppSpec(path.resolve(), file=(path / "app.py").resolve(), attr=attr)
        raise ValueError(f"{path}: a CDK app directory needs a cdk.json or an app.py")
    if path.name == "cdk.json" and path.is_file():
        spec = _from_cdk_json(path)
        return AppSpec(spec.directory, spec.file, None, attr, spec.context)
    if where.endswith(".py") or "/" in where:
        if not path.is_file():
            raise ValueError(f"CDK app not found: {where} (resolved to {path})")
        return AppSpec(path.parent.resolve(), file=path.resolve(), attr=attr)
    if all(part.isidentifier() for part in where.split(".")):
        return AppSpec(base_dir.resolve(), module=where, attr=attr)
    raise ValueError(
        f"'app' must be a Python file, a directory with cdk.json, or a module: {value}"
    )


@functools.cache
def _node_major() -> str:
    """Node.js's major version; jsii needs ``node`` on PATH (JSII_NODE may name another)."""
    node = os.environ.get("JSII_NODE") or shutil.which("node")
    if not node:
        raise RuntimeError("synthesising a CDK app needs Node.js: 'node' is not on PATH")
    try:
        done = subprocess.run(  # noqa: S603 - node, as jsii itself starts it
            [node, "--version"], capture_output=True, text=True, timeout=30, check=True
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise RuntimeError(
            f"synthesising a CDK app needs Node.js; '{node}' failed: {exc}"
        ) from None
    return done.stdout.strip().lstrip("v").split(".")[0]


def _quiet_jsii() -> None:
    """No end-of-life banners or deprecation warnings from the Node process on stderr."""
    major = _node_major()
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", major)
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")
    os.environ.setdefault("JSII_DEPRECATED", "quiet")


@contextlib.contextmanager
def _app_defaults(cdk: Any, outdir: Path, context: dict[str, Any]) -> Iterator[None]:
    """Every ``App()`` built meanwhile writes to ``outdir`` and sees ``context`` (as the CLI's)."""
    original = cdk.App.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("outdir", str(outdir))
        kwargs["context"] = {**(kwargs.get("context") or {}), **context}
        original(self, *args, **kwargs)

    cdk.App.__init__ = init
    try:
        yield
    finally:
        cdk.App.__init__ = original


def _own(file: str | None, spec: AppSpec) -> bool:
    """Whether ``file`` is one of the app's own files (not an installed library)."""
    if not file:
        return False
    path = Path(file).resolve()
    return path.is_relative_to(spec.directory) and "site-packages" not in path.parts


def _where(exc: BaseException, spec: AppSpec) -> str:
    """``app.py:12`` — the deepest frame of the error inside the app's own files."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{display(exc.filename)}:{exc.lineno}"
    frames = traceback.extract_tb(exc.__traceback__)
    inside = [f for f in frames if _own(f.filename, spec)]
    if inside:
        return f"{display(inside[-1].filename)}:{inside[-1].lineno}"
    return spec.label


def _summary(exc: BaseException) -> str:
    text = str(exc).strip()
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("    at ")]
    text = " ".join(lines[:6]) if lines else type(exc).__name__
    return text if text.startswith(type(exc).__name__) else f"{type(exc).__name__}: {text}"


def _load(spec: AppSpec, name: str) -> Any:
    if spec.module:
        return importlib.import_module(spec.module)
    assert spec.file is not None
    loader_spec = importlib.util.spec_from_file_location(name, spec.file)
    if loader_spec is None or loader_spec.loader is None:
        raise SourceError(f"{spec.file}: cannot be loaded as a Python module", "SynthFailed")
    module = importlib.util.module_from_spec(loader_spec)
    sys.modules[name] = module
    loader_spec.loader.exec_module(module)
    return module


def _find_app(cdk: Any, module: Any, spec: AppSpec) -> Any:
    """The App (or Stage) the module exposes, or builds through a function it names."""
    kinds = (cdk.App, cdk.Stage)
    if spec.attr:
        if not hasattr(module, spec.attr):
            raise SourceError(f"{spec.label}: the app module has no '{spec.attr}'", "SynthFailed")
        obj = getattr(module, spec.attr)
        obj = obj if isinstance(obj, kinds) or not callable(obj) else obj()
        if not isinstance(obj, kinds):
            raise SourceError(
                f"{spec.label} is not an aws_cdk.App (got {type(obj).__name__})", "SynthFailed"
            )
        return obj
    for attr in DEFAULT_ATTRS:
        if isinstance(getattr(module, attr, None), kinds):
            return getattr(module, attr)
    apps = [v for v in vars(module).values() if isinstance(v, cdk.App)]
    if len(apps) == 1:
        return apps[0]
    found = "several" if apps else "no"
    raise SourceError(
        f"{spec.label} defines {found} aws_cdk.App objects at module level: expose one as "
        f"'app', or name it (or a function returning it) as 'app: {spec.label}:NAME'",
        "SynthFailed",
    )


def _forget_modules(spec: AppSpec, before: set[str], own: str) -> None:
    """Drop the app's own modules, so another app with same-named files loads its own."""
    for name in set(sys.modules) - before:
        if name == own or _own(getattr(sys.modules.get(name), "__file__", None), spec):
            sys.modules.pop(name, None)


def synthesise(spec: AppSpec, outdir: Path) -> Path:
    """Load the app, synthesise it and return its cloud assembly directory."""
    with _LOCK:
        _quiet_jsii()
        try:
            import aws_cdk as cdk
        except ImportError as exc:  # a broken install, not a broken app
            raise RuntimeError(f"aws-cdk-lib is not importable: {exc}") from None
        before = set(sys.modules)
        own = f"assay_cdk_app_{abs(hash(spec.label))}"
        sys.path.insert(0, str(spec.directory))
        try:
            with _app_defaults(cdk, outdir, spec.context):
                module = _load(spec, own)
                app = _find_app(cdk, module, spec)
                assembly = app.synth()
        except SourceError:
            raise
        except BaseException as exc:  # an app may raise anything, SystemExit included
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise SourceError(
                f"{_where(exc, spec)}: synthesis failed: {_summary(exc)}", "SynthFailed"
            ) from None
        finally:
            with contextlib.suppress(ValueError):
                sys.path.remove(str(spec.directory))
            _forget_modules(spec, before, own)
        return Path(str(assembly.directory))
