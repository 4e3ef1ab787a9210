"""The monitors file's alert rules by label selector: validated against the providers,
and given to the monitors whose labels they select."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from assay.core.errors import UsageError
from assay.server.monitors import alerts
from assay.server.monitors.config import load
from assay.server.monitors.state import Change, State

FILE = """providers:
  hook: {webhook: "http://127.0.0.1:9/x", secret: "${NOPE}"}
alerts:
  - {selector: {team: core}, on: [down], notify: [hook]}
  - {on: [recovered], notify: [hook]}
monitors:
  - name: a
    labels: {team: core}
    target: {type: net, host: 127.0.0.1}
    check: {tcp.connect: {port: 9}}
  - name: b
    labels: {team: other}
    target: {type: net, host: 127.0.0.1}
    check: {tcp.connect: {port: 9}}
"""


def test_file_rules_select_monitors_by_label(tmp_path: Path) -> None:
    path = tmp_path / "monitors.yaml"
    path.write_text(FILE, encoding="utf-8")
    loaded = load(path)
    at = datetime(2026, 12, 5, tzinfo=UTC)
    down, up = Change(State.UP, State.DOWN, at), Change(State.DOWN, State.UP, at)
    rules = list(loaded.rules)
    assert [n.key for n in alerts.on_change("a", {"team": "core"}, down, "i", rules)] == [
        "a/i/down/hook"
    ]
    assert alerts.on_change("b", {"team": "other"}, down, "i", rules) == []
    assert [n.event for n in alerts.on_change("b", {"team": "other"}, up, "i", rules)] == [
        alerts.Event.RECOVERED
    ]


def test_file_rules_name_providers_the_file_defines(tmp_path: Path) -> None:
    path = tmp_path / "monitors.yaml"
    path.write_text(FILE.replace("notify: [hook]}\n  - {on", "notify: [pager]}\n  - {on"))
    with pytest.raises(UsageError, match=r"alerts\[0\]: no provider named 'pager'"):
        load(path)
