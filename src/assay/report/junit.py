"""JUnit XML, as Jenkins, GitLab, GitHub Actions and Azure DevOps ingest it.

One ``<testsuite>`` per group; one ``<testcase>`` per step, named ``phase[index] label`` for
people. FAILED becomes ``<failure>``, ERROR ``<error>``, SKIPPED ``<skipped>``. What a
machine needs comes as ``<property>`` data, never from the name: ``assay.phase``,
``assay.index``, ``assay.step`` (the label), ``assay.suite`` and ``assay.failures`` (JSON), so
that assay's own ``/junit`` import reads each result back as it was.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import PurePath

from assay.core.results import RunResult, Status, StepResult


def _case(parent: ET.Element, r: StepResult) -> None:
    case = ET.SubElement(
        parent,
        "testcase",
        {
            "classname": f"{PurePath(r.suite).stem}.{r.group}" if r.suite else r.group,
            "name": f"{r.phase}[{r.index}] {r.name}",
            "time": f"{r.duration:.6f}",
        },
    )
    if r.status is Status.FAILED:
        node = ET.SubElement(
            case, "failure", {"message": r.message, "type": r.error_code or "failure"}
        )
        node.text = r.message
    elif r.status is Status.ERROR:
        node = ET.SubElement(case, "error", {"message": r.message, "type": r.error_code or "error"})
        node.text = r.message
    elif r.status is Status.SKIPPED:
        ET.SubElement(case, "skipped", {"message": r.message})
    props = {
        "kind": r.kind,
        "target": r.target,
        "credential": r.credential,
        "attempts": str(r.attempts),
        "assay.phase": str(r.phase),
        "assay.index": str(r.index),
        "assay.step": r.name,
        "assay.suite": r.suite,
    }
    if r.http_status is not None:
        props["http_status"] = str(r.http_status)
    if r.failures:
        props["assay.failures"] = json.dumps([f.to_dict() for f in r.failures], default=str)
    holder = ET.SubElement(case, "properties")
    for key, value in props.items():
        ET.SubElement(holder, "property", {"name": key, "value": value})


def render_junit(run: RunResult) -> str:
    root = ET.Element("testsuites", {"name": "assay", "time": f"{run.duration:.6f}"})
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for group in run.groups():
        results = [r for r in run.results if r.group == group]
        counts = {
            "tests": len(results),
            "failures": sum(r.status is Status.FAILED for r in results),
            "errors": sum(r.status is Status.ERROR for r in results),
            "skipped": sum(r.status is Status.SKIPPED for r in results),
        }
        for key, value in counts.items():
            total[key] += value
        suite = ET.SubElement(
            root,
            "testsuite",
            {
                "name": group,
                "time": f"{sum(r.duration for r in results):.6f}",
                "timestamp": run.started_at.isoformat(),
                **{k: str(v) for k, v in counts.items()},
            },
        )
        for r in results:
            _case(suite, r)
    for key, value in total.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
