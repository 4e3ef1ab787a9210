"""The terminal report: a rich table of results and a summary line."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from assay.core.results import RunResult, Status

STYLES = {
    Status.PASSED: "green",
    Status.FAILED: "red",
    Status.ERROR: "magenta",
    Status.SKIPPED: "yellow",
}


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def build_table(run: RunResult) -> Table:
    table = Table(title=f"assay run {run.run_id}", title_justify="left", expand=False)
    for col, kw in (
        ("group", {}),
        ("step", {}),
        ("check", {}),
        ("status", {}),
        ("time", {"justify": "right"}),
        ("detail", {"overflow": "fold"}),
    ):
        table.add_column(col, **kw)  # type: ignore[arg-type]
    for r in run.results:
        detail = r.message
        if r.attempts > 1:
            detail = f"{detail} [{r.attempts} attempts]".strip()
        table.add_row(
            r.group,
            f"{r.phase}[{r.index}] {r.name}" if r.name != r.kind else f"{r.phase}[{r.index}]",
            r.kind,
            Text(str(r.status).upper(), style=STYLES[r.status]),
            _ms(r.duration),
            detail,
        )
    return table


def summary_line(run: RunResult) -> Text:
    counts = run.counts()
    parts = [f"{counts['total']} steps"]
    for status in Status:
        if counts[str(status)]:
            parts.append(f"{counts[str(status)]} {status}")
    text = Text(", ".join(parts) + f" in {_ms(run.duration)}")
    if run.interrupted:
        text.append(" (interrupted)", style="yellow")
    for fault in run.faults:
        text.append(f"\nfault: {fault}", style="magenta")
    text.stylize("bold green" if run.ok else "bold red", 0, len(parts[0]))
    return text


def render_table(run: RunResult, color: bool = False, width: int = 140) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer, force_terminal=color, width=width, no_color=not color, highlight=False
    )
    console.print(build_table(run))
    console.print(summary_line(run))
    return buffer.getvalue()
