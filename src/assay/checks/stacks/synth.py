"""``stacks.synth``: the stacks synthesise (or read) and every template passes cfn-lint.

Fails on a CDK app that does not synthesise, a template that does not parse, an error the
app itself reported (``Annotations.of(x).addError``), or a cfn-lint finding at or above
``fail_on``. Every template's findings are in the observation, passing or not.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator

from assay.checks.stacks.assembly import select
from assay.checks.stacks.lint import CDK_DEFAULT_IGNORE, SEVERITIES, Finding, lint
from assay.checks.stacks.target import StacksKind, StacksTarget
from assay.checks.stacks.templates import SourceError
from assay.config.models import StrictModel
from assay.core.checks import CheckCall, Observation

RULE_ID = r"^[EWI][0-9]{0,4}$"


class SynthParams(StrictModel):
    ignore: list[str] = Field(
        default_factory=lambda: list(CDK_DEFAULT_IGNORE),
        description="cfn-lint rule ids (or prefixes such as W3) to skip; replaces the default "
        f"{list(CDK_DEFAULT_IGNORE)}, which CDK output trips. [] applies every rule.",
    )
    fail_on: Literal["error", "warning", "informational"] = Field(
        "warning", description="Findings of this severity or worse fail the step."
    )
    regions: list[str] = Field(
        default_factory=lambda: ["us-east-1"],
        min_length=1,
        description="Regions whose resource specifications cfn-lint checks against.",
    )
    stacks: list[str] = Field(
        default_factory=list, description="Only these stacks (names or globs); default: all."
    )

    @field_validator("ignore")
    @classmethod
    def _rule_ids(cls, value: list[str]) -> list[str]:
        import re

        bad = [rule for rule in value if not re.match(RULE_ID, rule)]
        if bad:
            raise ValueError(
                f"not cfn-lint rule ids: {', '.join(bad)} (e.g. W3005, or a prefix such as W3)"
            )
        return value


def _template_report(
    stack: str, file: Path, findings: list[Finding], fail_on: str
) -> dict[str, Any]:
    counts = {severity: 0 for severity in SEVERITIES}
    for finding in findings:
        counts[finding.severity] += 1
    return {
        "stack": stack,
        "file": str(file),
        "findings": [f.to_dict() for f in findings],
        "counts": counts,
        "failing": sum(1 for f in findings if f.at_least(fail_on)),
    }


class StacksSynth(StacksKind[SynthParams]):
    name = "stacks.synth"
    description = "Synthesise the CDK app (or read the templates); every template passes cfn-lint."
    params_model = SynthParams

    def check(self, target: StacksTarget, p: SynthParams, call: CheckCall) -> Observation:
        started = time.perf_counter()
        data: dict[str, Any] = {
            "source": target.settings.source,
            "fail_on": p.fail_on,
            "ignored": p.ignore,
        }
        try:
            files, annotations, synth_seconds = self._templates(target)
        except SourceError as exc:
            return Observation(
                success=False,
                error_code=exc.code,
                message=str(exc),
                data=data,
                timings={"total": time.perf_counter() - started},
            )
        read = time.perf_counter()
        chosen = select(list(files), p.stacks)
        reports, failing = [], []
        for stack in chosen:
            findings = lint(files[stack], p.ignore, p.regions)
            reports.append(_template_report(stack, files[stack], findings, p.fail_on))
            failing += [f for f in findings if f.at_least(p.fail_on)]
        done = time.perf_counter()
        cdk_errors = [a for a in annotations if a["level"] == "error"]
        totals = {s: sum(r["counts"][s] for r in reports) for s in SEVERITIES}
        data.update(
            stacks=chosen,
            synth_seconds=None if synth_seconds is None else round(synth_seconds, 3),
            templates=reports,
            annotations=annotations,
            counts={"templates": len(reports), **totals, "failing": len(failing)},
        )
        # "read" includes the synthesis when this step was the first to need the stacks
        timings = {"read": read - started, "lint": done - read, "total": done - started}
        problems = [f"CDK error at {a['path']}: {a['message']}" for a in cdk_errors]
        problems += [str(f) for f in failing]
        if problems:
            code = "CdkError" if cdk_errors else "LintFindings"
            where = len({f.file for f in failing})
            head = (
                f"{len(failing)} finding{'s' if len(failing) != 1 else ''} at or above "
                f"{p.fail_on} in {where} of {len(reports)} templates"
                if failing
                else f"{len(cdk_errors)} CDK error(s)"
            )
            more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
            message = f"{head}: " + "; ".join(problems[:5]) + more
            return Observation(
                success=False, error_code=code, message=message, data=data, timings=timings
            )
        below = sum(totals.values())
        message = f"{len(reports)} template{'s' if len(reports) != 1 else ''} pass cfn-lint" + (
            f" ({below} finding{'s' if below != 1 else ''} below {p.fail_on})" if below else ""
        )
        return Observation(success=True, message=message, data=data, timings=timings)

    @staticmethod
    def _templates(target: StacksTarget) -> tuple[dict[str, Path], list[dict[str, str]], Any]:
        """Stack -> template file, the app's annotations, and how long synthesis took."""
        if target.settings.source == "templates":
            # lint the files as they are: one that does not parse is a finding, not an end
            return target.settings.template_files(), [], None
        assembly = target.assembly()
        files = {s.name: Path(s.template_file or "") for s in assembly.stacks}
        return files, assembly.annotations, assembly.synth_seconds
