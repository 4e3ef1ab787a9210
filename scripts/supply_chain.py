#!/usr/bin/env python3
"""The supply-chain gate of the test command: the locked dependencies' known vulnerabilities
(pip-audit) and licences (pip-licenses), judged against ``supply-chain.toml``.

Prints two short tables and exits 1 on a problem that ``supply-chain.toml`` does not accept:
a known vulnerability in a pinned release, or a licence outside the allow-list.

pip-audit asks PyPI for each pinned release's advisories. Where a network lets through only
PyPI's project pages (no per-release pages, as on the machines CI runs on), pip-audit reports
every package as "not found"; the gate then reads the advisories that PyPI's project page
lists for the latest release, which are exact for every pin that *is* the latest release.
Pins behind the latest release are then named as not audited (a warning, not a failure: a
new upstream release must not turn a fresh machine red), and audited fully wherever PyPI's
per-release pages are reachable.

    python scripts/supply_chain.py [--lock requirements.lock] [--config supply-chain.toml]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
PYPI = "https://pypi.org/pypi/{name}/json"
NOT_FOUND = "Dependency not found on PyPI"
# licence names that package metadata gives as trove classifiers or free text, as SPDX ids
CLASSIFIER_SPDX = {
    "mit license": "MIT",
    "mit": "MIT",
    "apache software license": "Apache-2.0",
    "apache license 2.0": "Apache-2.0",
    "apache 2.0": "Apache-2.0",
    "bsd license": "BSD-3-Clause",
    "bsd": "BSD-3-Clause",
    "3-clause bsd license": "BSD-3-Clause",
    "isc license (iscl)": "ISC",
    "python software foundation license": "PSF-2.0",
    "mozilla public license 2.0 (mpl 2.0)": "MPL-2.0",
    "gnu lesser general public license v3 (lgplv3)": "LGPL-3.0-only",
}
IGNORED_CLASSIFIERS = {"dfsg approved", "osi approved"}
console = Console(highlight=False)


@dataclass
class Finding:
    package: str
    version: str
    id: str
    fixed_in: list[str]
    accepted: str = ""  # the reason from supply-chain.toml, or "" for a new finding


@dataclass
class Audit:
    audited: int = 0
    by_fallback: int = 0
    findings: list[Finding] = field(default_factory=list)
    unaudited: list[str] = field(default_factory=list)


def locked(lock: Path) -> dict[str, str]:
    """``{name: version}`` of the lock's pins that apply to this interpreter and platform."""
    pins: dict[str, str] = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate():
            (spec,) = requirement.specifier
            pins[canonicalize_name(requirement.name)] = spec.version
    return pins


def _project_page(name: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(PYPI.format(name=name), timeout=30) as answer:
            return dict(json.load(answer))
    except (urllib.error.URLError, TimeoutError, ValueError):
        return None


def audit(lock: Path, pins: dict[str, str], accepted: dict[str, str]) -> Audit:
    command = [sys.executable, "-m", "pip_audit", "-r", str(lock), "--no-deps", "--disable-pip"]
    command += ["-f", "json", "--progress-spinner", "off", "-s", "pypi"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        sys.exit(f"pip-audit did not run ({' '.join(command)}):\n{done.stderr.strip()}")
    result = Audit()
    fallback: list[str] = []
    for dependency in report["dependencies"]:
        name = canonicalize_name(dependency["name"])
        if NOT_FOUND in dependency.get("skip_reason", ""):
            fallback.append(name)
            continue
        if "skip_reason" in dependency:
            result.unaudited.append(f"{name} ({dependency['skip_reason']})")
            continue
        result.audited += 1
        for vuln in dependency.get("vulns", []):
            found = Finding(name, dependency["version"], vuln["id"], vuln["fix_versions"])
            result.findings.append(found)
    with ThreadPoolExecutor(16) as pool:
        pages = dict(zip(fallback, pool.map(_project_page, fallback), strict=True))
    if fallback and not any(pages.values()):
        sys.exit("the audit needs PyPI (https://pypi.org/pypi/<name>/json), which is unreachable")
    for name, page in pages.items():
        latest = page["info"]["version"] if page else "?"
        if page is None or latest != pins.get(name):
            result.unaudited.append(f"{name} {pins.get(name)} (latest {latest})")
            continue
        result.audited += 1
        result.by_fallback += 1
        for vuln in page.get("vulnerabilities", []):
            if not vuln.get("withdrawn"):
                found = Finding(name, latest, vuln["id"], list(vuln.get("fixed_in", [])))
                result.findings.append(found)
    for finding in result.findings:
        finding.accepted = accepted.get(finding.id, "")
    return result


def spdx(text: str) -> str:
    """A licence as one SPDX expression: classifiers joined with ';' mean any of them."""
    parts = [p.strip() for p in text.split(";") if p.strip()]
    parts = [p for p in parts if p.lower() not in IGNORED_CLASSIFIERS]
    names = [CLASSIFIER_SPDX.get(p.lower(), p) for p in parts] or ["UNKNOWN"]
    unique = list(dict.fromkeys(names))
    expression = " OR ".join(f"({n})" if len(unique) > 1 else n for n in unique)
    try:
        return str(canonicalize_license_expression(expression))
    except InvalidLicenseExpression:
        return text


def allowed(expression: str, allow: set[str]) -> bool:
    """Whether an SPDX expression can be met with allowed licences (OR: any, AND: all)."""
    tokens = re.findall(r"\(|\)|[^\s()]+", expression)
    position = 0

    def parse_or() -> bool:
        nonlocal position
        ok = parse_and()
        while position < len(tokens) and tokens[position] == "OR":
            position += 1
            ok = parse_and() or ok
        return ok

    def parse_and() -> bool:
        nonlocal position
        ok = parse_atom()
        while position < len(tokens) and tokens[position] == "AND":
            position += 1
            ok = parse_atom() and ok
        return ok

    def parse_atom() -> bool:
        nonlocal position
        token = tokens[position] if position < len(tokens) else ""
        position += 1
        if token == "(":
            ok = parse_or()
            position += 1  # ")"
            return ok
        if position < len(tokens) and tokens[position] == "WITH":
            position += 2  # an exception only widens what the licence allows
        return token in allow

    return bool(tokens) and parse_or() and position >= len(tokens)


def licences(pins: dict[str, str], config: dict[str, Any]) -> tuple[Table, list[str]]:
    command = [sys.executable, "-m", "piplicenses", "--from=mixed", "--format=json"]
    command += ["--with-system", "--packages", *pins]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    allow = set(config["allow"])
    exceptions = {canonicalize_name(e["package"]): e["reason"] for e in config["exceptions"]}
    counts: dict[str, list[str]] = {}
    problems: list[str] = []
    seen = set()
    for row in json.loads(done.stdout):
        name = canonicalize_name(row["Name"])
        seen.add(name)
        expression = spdx(row["License"])
        verdict = "allowed" if allowed(expression, allow) else "not allowed"
        if verdict == "not allowed" and name in exceptions:
            verdict = f"accepted: {exceptions[name]}"
        elif verdict == "not allowed":
            problems.append(f"{name} {row['Version']}: licence '{row['License']}' is not allowed")
        counts.setdefault(f"{expression}\t{verdict}", []).append(name)
    problems += [f"{name}: locked but not installed" for name in sorted(set(pins) - seen)]
    table = Table("licence", "packages", "verdict", title="licences of the locked packages")
    for key, names in sorted(counts.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        expression, verdict = key.split("\t")
        shown = str(len(names)) if verdict == "allowed" else ", ".join(sorted(names))
        table.add_row(expression, shown, verdict)
    return table, problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lock", type=Path, default=ROOT / "requirements.lock")
    parser.add_argument("--config", type=Path, default=ROOT / "supply-chain.toml")
    args = parser.parse_args()
    config = tomllib.loads(args.config.read_text(encoding="utf-8"))
    pins = locked(args.lock)
    accepted = {v["id"]: v["reason"] for v in config["vulnerabilities"]["exceptions"]}

    result = audit(args.lock, pins, accepted)
    table = Table(
        "package", "version", "advisory", "fixed in", "status", title="known vulnerabilities"
    )
    for f in result.findings:
        status = f"accepted: {f.accepted}" if f.accepted else "NEW"
        table.add_row(f.package, f.version, f.id, ", ".join(f.fixed_in) or "-", status)
    if not result.findings:
        table.add_row("-", "-", "none known", "-", "-")
    console.print(table)
    console.print(
        f"audited {result.audited} of {len(pins)} locked packages"
        + (f" ({result.by_fallback} from PyPI's project pages)" if result.by_fallback else "")
    )
    if result.unaudited:
        console.print(
            f"warning: {len(result.unaudited)} not audited (PyPI's per-release pages unreachable "
            f"and the pin behind the latest release): {', '.join(sorted(result.unaudited))}"
        )
    licence_table, problems = licences(pins, config["licences"])
    console.print(licence_table)
    problems += [
        f"{f.package} {f.version}: {f.id} (fixed in {', '.join(f.fixed_in) or 'no release yet'})"
        for f in result.findings
        if not f.accepted
    ]
    found = {f.id for f in result.findings}
    for stale in sorted(set(accepted) - found):
        console.print(f"note: {stale} is accepted in {args.config.name} but no longer found")
    for problem in problems:
        console.print(f"supply chain: {problem}")
    if problems:
        console.print(f"fix, or accept with a reason in {args.config.name}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
