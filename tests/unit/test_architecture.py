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
