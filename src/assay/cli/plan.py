"""``--dry-run``: what would run, with resolved parameters and masked secrets."""

from __future__ import annotations

import json

from assay.config.models import Suite
from assay.core.secrets import redact


def render_plan(suites: list[Suite], groups: list[str]) -> str:
    lines = []
    for suite in suites:
        lines.append(f"suite {suite.path}")
        for name, settings in suite.targets.items():
            endpoint = getattr(settings, "endpoint", None) or ""
            lines.append(f"  target {name}: {settings.type} {endpoint}".rstrip())
        for group in suite.groups:
            if groups and group.name not in groups:
                continue
            flag = " (parallel)" if group.parallel else ""
            lines.append(f"  group {group.name}{flag}")
            for phase, steps in group.phases():
                for i, step in enumerate(steps, 1):
                    params = redact(json.dumps(step.params, default=str))
                    who = f" as {step.as_ or group.as_}" if (step.as_ or group.as_) else ""
                    lines.append(f"    {phase}[{i}] {step.kind}{who} {params}")
    lines.append("dry run: nothing was called")
    return "\n".join(lines) + "\n"
