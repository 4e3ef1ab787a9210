"""cfn-lint as a library: every finding of a template with its rule, severity and place.

This is the one place that touches cfn-lint's rule API. A file cfn-lint cannot parse comes
back as an ``E0000`` finding with the line, like any other finding.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

SEVERITIES = ("informational", "warning", "error")  # ascending
# What CDK's generated templates trip without anything being wrong: the DependsOn that CDK adds
# next to a GetAtt (W3005) and Fn::Join where a person would write Fn::Sub (I1022).
CDK_DEFAULT_IGNORE = ("W3005", "I1022")
_LOCK = threading.Lock()  # cfn-lint caches rule state in module globals


@dataclass(frozen=True)
class Finding:
    """One cfn-lint finding."""

    rule: str
    severity: str
    file: str
    line: int
    column: int
    path: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def at_least(self, severity: str) -> bool:
        return SEVERITIES.index(self.severity) >= SEVERITIES.index(severity)

    def __str__(self) -> str:
        return f"{Path(self.file).name}:{self.line}: {self.rule} {self.message}"


def _severity(rule: Any) -> str:
    value = str(getattr(rule, "severity", "error")).lower()
    return value if value in SEVERITIES else "error"


def _path(match: Any) -> str | None:
    path = getattr(match, "path", None)
    return "/".join(str(p) for p in path) if path else None


def lint(path: Path, ignore: list[str], regions: list[str]) -> list[Finding]:
    """cfn-lint's findings for one template, informational rules included, in line order."""
    from cfnlint.api import ManualArgs, lint_file

    config = ManualArgs(ignore_checks=list(ignore), include_checks=["I"], regions=list(regions))
    with _LOCK:
        matches = lint_file(path, config=config)
    findings = {
        Finding(
            rule=str(m.rule.id),
            severity=_severity(m.rule),
            file=str(m.filename or path),
            line=int(m.linenumber or 1),
            column=int(m.columnnumber or 1),
            path=_path(m),
            message=str(m.message).strip(),
        )
        for m in matches
    }
    return sorted(findings, key=lambda f: (f.line, f.column, f.rule, f.message))
