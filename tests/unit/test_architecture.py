"""Layering rules from docs/architecture.md, enforced: imports point downward only."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import assay.checks
from assay.core.checks import CHECKS, TARGETS

SRC = Path(__file__).resolve().parents[2] / "src" / "assay"
# what each layer may import from assay (besides itself)
ALLOWED = {
    "core": {"core"},
    "config": {"core", "config"},
    "checks": {"core", "config", "checks"},
    "engine": {"core", "config", "engine"},
    "report": {"core", "report"},
    "server": {"core", "config", "checks", "engine", "report", "server"},
    "cli": {"core", "config", "checks", "engine", "report", "cli", "server"},
}


def assay_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    layers = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "assay" and len(parts) > 1:
                layers.add(parts[1])
    return layers


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_architecture_imports_point_downward(layer: str) -> None:
    bad = {}
    for path in (SRC / layer).rglob("*.py"):
        wrong = assay_imports(path) - ALLOWED[layer] - {"__version__"}
        if wrong:
            bad[str(path.relative_to(SRC))] = sorted(wrong)
    assert not bad, f"upward imports: {bad}"


def test_architecture_every_family_registers_kinds_and_a_target() -> None:
    for info in pkgutil.iter_modules(assay.checks.__path__):
        if not info.ispkg:
            continue
        module = importlib.import_module(f"assay.checks.{info.name}")
        kinds = [k for k in CHECKS.names() if getattr(CHECKS.get(k), "family", None) == info.name]
        assert kinds, f"{module.__name__} registers no check kind"
        assert info.name in TARGETS, f"{module.__name__} registers no target type"
        assert info.name in assay.checks.FAMILIES, f"{info.name} missing from FAMILIES"


# checks/aws is also the AWS layer the other families share: botocore's service models,
# the error boundary, bodies, clients, accounts, the embedded moto server. Top-level modules
# of checks/ (model_kind, params, target_type) are shared by every family and import none.
SHARED_FAMILIES = {"aws"}


def imports_below(path: Path, package: str) -> set[str]:
    """What ``path`` imports from below ``package`` (``assay.checks``), as dotted paths
    under it (``aws``, ``s3.helpers``); ``from package import x`` counts as ``x``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == package:
                names = [f"{package}.{a.name}" for a in node.names]
        found.update(n.removeprefix(f"{package}.") for n in names if n.startswith(f"{package}."))
    return found


def checks_imports(path: Path) -> set[str]:
    """The packages and modules of ``assay.checks`` that ``path`` imports (``aws``, ...)."""
    return {name.split(".")[0] for name in imports_below(path, "assay.checks")}


def cross_family_imports(root: Path, families: set[str]) -> dict[str, list[str]]:
    """Imports between check families other than of a shared one, by importing file."""
    bad = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).parts
        own = parts[0] if len(parts) > 1 else None  # None: a shared module, checks/x.py
        allowed = {own} | SHARED_FAMILIES if own is not None else set()
        wrong = sorted(name for name in checks_imports(path) & families if name not in allowed)
        if wrong:
            bad[str(path.relative_to(root))] = wrong
    return bad


def test_architecture_families_import_each_other_only_through_shared_packages() -> None:
    bad = cross_family_imports(SRC / "checks", set(assay.checks.FAMILIES))
    assert not bad, f"import another family only through {sorted(SHARED_FAMILIES)}: {bad}"


def test_architecture_cross_family_imports_are_found(tmp_path: Path) -> None:
    for file, text in {
        "model_kind.py": "from assay.checks.aws import errors\n",
        "stacks/destroy.py": "from assay.checks.s3.helpers import empty_bucket\n",
        "stacks/deploy.py": "from assay.checks import net\nfrom assay.checks.aws import model\n",
        "s3/target.py": "import assay.checks.s3.helpers\nfrom assay.checks.params import x\n",
    }.items():
        (tmp_path / file).parent.mkdir(exist_ok=True)
        (tmp_path / file).write_text(text, encoding="utf-8")
    assert cross_family_imports(tmp_path, {"aws", "s3", "net", "stacks"}) == {
        "model_kind.py": ["aws"],
        "stacks/destroy.py": ["s3"],
        "stacks/deploy.py": ["net"],
    }


SERVER = SRC / "server"
SERVER_BASE = {"api", "db", "jobs"}  # the shared base's packages; the rest are features
# where the features are composed: they may reach into a feature's feature, settings, tables
COMPOSITION = {"app.py", "features.py", "settings.py", "db/migrations/env.py"}


def server_imports(path: Path) -> set[str]:
    """The modules under ``assay.server`` that ``path`` imports, as dotted paths below it."""
    return imports_below(path, "assay.server")


def feature_violations(root: Path, features: set[str]) -> dict[str, list[str]]:
    """Server imports that break the feature seam: the base importing a feature, or a
    feature reaching into another feature's modules past its public face (its package)."""
    bad = {}
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).as_posix()
        own = rel.split("/")[0] if "/" in rel else None
        wrong = []
        for name in sorted(server_imports(path)):
            top, _, below = name.partition(".")
            if top not in features or top == own:
                continue
            if rel in COMPOSITION:
                if below not in ("", "feature", "settings", "tables"):
                    wrong.append(name)
            elif own is None or own in SERVER_BASE or below:
                wrong.append(name)
        if wrong:
            bad[rel] = wrong
    return bad


def server_features() -> set[str]:
    return {
        p.name
        for p in SERVER.iterdir()
        if (p / "__init__.py").exists() and p.name not in SERVER_BASE
    }


def test_architecture_server_features_meet_only_through_public_faces() -> None:
    bad = feature_violations(SERVER, server_features())
    assert not bad, f"import a feature only as assay.server.<feature>: {bad}"


def test_architecture_every_server_feature_plugs_in() -> None:
    from assay.server.features import FEATURES

    plugged = {f.name for f in FEATURES}
    assert server_features() == plugged


def test_architecture_feature_seam_violations_are_found(tmp_path: Path) -> None:
    for file, text in {
        "db/engine.py": "from assay.server.sessions import store\n",
        "errors.py": "import assay.server.tokens\n",
        "feedback/api.py": (
            "from assay.server.sessions import session_exists\n"
            "from assay.server.sessions.tables import Result\n"
            "from assay.server.feedback.store import x\nfrom assay.server.api import deps\n"
        ),
        "settings.py": (
            "from assay.server.feedback.settings import S\nfrom assay.server.tokens.auth import A\n"
        ),
    }.items():
        (tmp_path / file).parent.mkdir(exist_ok=True)
        (tmp_path / file).write_text(text, encoding="utf-8")
    assert feature_violations(tmp_path, {"sessions", "tokens", "feedback"}) == {
        "db/engine.py": ["sessions"],
        "errors.py": ["tokens"],
        "feedback/api.py": ["sessions.tables"],
        "settings.py": ["tokens.auth"],
    }


TESTS = Path(__file__).resolve().parents[1]


def test_architecture_tests_share_helpers_only_through_support() -> None:
    """A test module imports helpers from ``tests.support``, never from another test module
    or a conftest (whose fixtures pytest provides by name)."""
    bad = {}
    for path in TESTS.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            wrong = [
                n for n in names if n.startswith("tests.") and not n.startswith("tests.support")
            ]
            if wrong:
                bad[str(path.relative_to(TESTS))] = wrong
    assert not bad, f"import helpers from tests.support instead: {bad}"
