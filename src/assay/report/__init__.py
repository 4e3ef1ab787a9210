"""Report writers: pure functions from a ``RunResult`` to text."""

from __future__ import annotations

from collections.abc import Callable

from assay.core.results import RunResult
from assay.report.junit import render_junit
from assay.report.structured import render_json, render_yaml
from assay.report.table import render_table

Writer = Callable[[RunResult], str]
FORMATS: dict[str, Writer] = {
    "table": render_table,
    "json": render_json,
    "yaml": render_yaml,
    "junit": render_junit,
}

__all__ = ["FORMATS", "Writer", "render_json", "render_junit", "render_table", "render_yaml"]
