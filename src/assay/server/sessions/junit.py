"""JUnit XML (from any CI test runner) into results, parsed with defusedxml.

DTDs, entities and external references are refused outright (billion laughs, XXE); the
request size limit bounds the document. Each ``<testcase>`` becomes one result whose id is
derived from suite, class and name, so importing the same file twice adds nothing.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from pydantic import ValidationError

from assay.core.results import Phase, Status
from assay.server.sessions.schemas import ResultIn

MAX_TEXT = 10_000  # characters kept of a failure's text or system-out
# what assay's own JUnit (report/junit.py) says of each case as properties
OWN = ("assay.phase", "assay.index", "assay.step", "assay.suite", "assay.failures")


class JunitError(ValueError):
    """The document is not JUnit XML we can read; the message says why and where."""


def _float(value: str | None) -> float:
    try:
        number = float(value or 0)
    except ValueError:
        return 0.0
    return number if number >= 0 else 0.0


def _time(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def _outcome(case: ET.Element) -> tuple[Status, str, str | None, dict[str, Any]]:
    for tag, status in (("failure", Status.FAILED), ("error", Status.ERROR)):
        node = case.find(tag)
        if node is not None:
            text = (node.text or "").strip()[:MAX_TEXT]
            message = node.get("message") or (text.splitlines()[0] if text else "")
            return status, message or tag, node.get("type"), {"text": text} if text else {}
    skipped = case.find("skipped")
    if skipped is not None:
        return Status.SKIPPED, skipped.get("message") or "skipped", None, {}
    return Status.PASSED, "", None, {}


def _own(own: dict[str, str], index: int, raw_name: str, group: str) -> tuple[Any, ...]:
    """Phase, step index, name and failures: from assay's properties, else the defaults."""
    phase = own.get("assay.phase", str(Phase.TEST))
    if phase not in {str(p) for p in Phase}:
        raise JunitError(f"testcase '{raw_name}' in '{group}': unknown assay.phase '{phase}'")
    try:
        step = int(own.get("assay.index", index))
        failures = json.loads(own.get("assay.failures", "[]"))
    except ValueError as exc:
        raise JunitError(f"testcase '{raw_name}' in '{group}': {exc}") from None
    return Phase(phase), step, own.get("assay.step", raw_name), failures


def _case(suite: ET.Element, case: ET.Element, index: int, seen: dict[str, int]) -> ResultIn:
    group = suite.get("name") or case.get("classname") or "junit"
    classname = case.get("classname") or ""
    raw_name = case.get("name") or f"case {index}"
    status, message, error_code, details = _outcome(case)
    properties = {p.get("name", ""): p.get("value", "") for p in case.iter("property")}
    own = {key: properties.pop(key) for key in OWN if key in properties}
    phase, step, name, failures = _own(own, index, raw_name, group)
    output = (case.findtext("system-out") or "").strip()[:MAX_TEXT]
    details |= {"classname": classname} if classname else {}
    details |= {"properties": properties} if properties else {}
    details |= {"system_out": output} if output else {}
    for attr in ("file", "line"):
        if case.get(attr):
            details[attr] = case.get(attr)
    key = f"junit:{group}/{classname}/{raw_name}"
    seen[key] = seen.get(key, 0) + 1
    if seen[key] > 1:  # the same test twice (reruns): keep both
        key = f"{key}#{seen[key]}"
    data = {
        "id": key[:300],
        "group": group[:300],
        "phase": phase,
        "index": step,
        "name": name[:2000],
        "kind": properties.get("kind") or "junit.testcase",
        "status": status,
        "duration": _float(case.get("time")),
        "message": message[:100_000],
        "error_code": error_code[:200] if error_code else None,
        "target": properties.get("target", "")[:200],
        "credential": properties.get("credential", "")[:200],
        "started_at": _time(suite.get("timestamp")),
        "suite": own.get("assay.suite") or case.get("file") or suite.get("file") or "",
        "details": details,
        "failures": failures,
    }
    try:
        return ResultIn.model_validate(data)
    except ValidationError as exc:
        raise JunitError(f"testcase '{raw_name}' in '{group}': {exc.errors()[0]['msg']}") from None


def parse_junit(document: bytes, max_cases: int) -> list[ResultIn]:
    """Results for every ``<testcase>``; ``JunitError`` for anything unreadable."""
    if not document.strip():
        raise JunitError("the body is empty: send a JUnit XML document")
    try:
        root = SafeET.fromstring(document, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise JunitError(f"refused: {exc} (DTDs, entities and external references)") from None
    except ET.ParseError as exc:
        line, column = exc.position
        raise JunitError(f"not well-formed XML at line {line}, column {column + 1}") from None
    if root.tag not in ("testsuites", "testsuite"):
        raise JunitError(f"expected a <testsuites> or <testsuite> root element, not <{root.tag}>")
    suites = list(root.iter("testsuite"))  # the root itself when it is a <testsuite>
    results: list[ResultIn] = []
    seen: dict[str, int] = {}
    for suite in suites:
        for index, case in enumerate(suite.findall("testcase")):
            if len(results) >= max_cases:
                raise JunitError(f"more than {max_cases} test cases in one import")
            results.append(_case(suite, case, index, seen))
    if not results:
        raise JunitError("the document has no <testcase> elements")
    return results
