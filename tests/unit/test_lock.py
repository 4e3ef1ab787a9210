"""requirements.lock (what the test command installs) keeps up with pyproject.toml: every
dependency the project declares is pinned there, at a release its range allows."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    return [Requirement(r) for r in [*project["dependencies"], *extras["test"], *extras["otlp"]]]


def pinned() -> dict[str, list[str]]:
    """``{name: [version, ...]}``: a package may be pinned per Python version (markers)."""
    pins: dict[str, list[str]] = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            (spec,) = requirement.specifier
            assert spec.operator == "==", line
            pins.setdefault(canonicalize_name(requirement.name), []).append(spec.version)
    return pins


def test_lock_pins_every_declared_dependency_within_its_range() -> None:
    pins = pinned()
    problems = []
    for requirement in declared():
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        versions = pins.get(canonicalize_name(requirement.name), [])
        if not any(requirement.specifier.contains(v, prereleases=True) for v in versions):
            problems.append(f"{requirement} (locked: {', '.join(versions) or 'nothing'})")
    assert not problems, "run scripts/upgrade-deps NAME for: " + "; ".join(problems)
