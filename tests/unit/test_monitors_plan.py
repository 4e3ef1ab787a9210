"""``assay monitors apply``'s plan and ``export``'s YAML, without a server: what is created,
replaced (and which fields), deleted and left alone; where a server's field is in the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from assay.cli.monitors_plan import export_yaml, make_plan, read_file, render_plan
from assay.core.errors import UsageError
from assay.server.monitors.spec import MonitorSpec

FILE = """\
monitors:
  - name: api
    interval: 30s
    labels: {team: core}
    target: {type: http, base_url: "http://127.0.0.1:9"}
    check:
      http.request: {path: /health}
      expect: {conditions: ["[STATUS] == 200"]}
    alerts:
      - on: [down]
        notify: [ops]
  - name: web
    target: {type: http, base_url: "http://127.0.0.1:9"}
    check: {http.request: {path: /}}
"""


def server_item(spec: dict[str, Any], origin: str = "api") -> dict[str, Any]:
    return {"name": spec["name"], "origin": origin, "spec": spec}


def specs_of(tmp_path: Path, text: str = FILE) -> list[MonitorSpec]:
    path = tmp_path / "monitors.yaml"
    path.write_text(text)
    return read_file(path).specs


def test_plan_creates_replaces_with_fields_deletes_api_monitors_only(tmp_path: Path) -> None:
    specs = specs_of(tmp_path)
    api = specs[0].canonical()
    assert api["interval"] == 30.0 and api["alerts"] == [{"on": ["down"], "notify": ["ops"]}]
    server = [
        server_item(api | {"interval": 60.0, "labels": {}}),
        server_item({"name": "gone"}),
        server_item({"name": "owned"}, origin="file"),
    ]
    plan = make_plan(specs, server, prune=True)
    assert plan.create == ["web"] and plan.delete == ["gone"] and plan.conflicts == []
    assert plan.replace == {"api": ["interval", "labels"]}
    lines = render_plan(plan, "http://h")
    assert lines[0] == "plan for http://h: 1 to create, 1 to replace, 1 to delete, 0 unchanged"
    assert lines[1:] == ["  + web", "  ~ api   interval, labels", "  - gone", "  = 0 unchanged"]
    assert make_plan(specs, server, prune=False).delete == []


def test_plan_unchanged_in_canonical_form_and_file_monitors_conflict(tmp_path: Path) -> None:
    specs = specs_of(tmp_path)
    same = [server_item(s.model_dump(mode="json", exclude_defaults=True)) for s in specs]
    plan = make_plan(specs, same, prune=True)
    assert plan.unchanged == ["api", "web"] and plan.changes == 0
    owned = make_plan(specs, [server_item({"name": "web"}, origin="file")], prune=False)
    assert owned.conflicts == ["web"] and owned.create == ["api"]


def test_export_is_canonical_sorted_without_aliases_and_stable(tmp_path: Path) -> None:
    specs = specs_of(tmp_path)
    shared = ["local"]
    items = [server_item(s.canonical() | {"regions": shared}) for s in reversed(specs)]
    text = export_yaml(items)
    assert "&id" not in text and "*id" not in text
    data = yaml.safe_load(text)["monitors"]
    assert [m["name"] for m in data] == ["api", "web"]
    assert list(data[0]) == ["name", "interval", "labels", "target", "check", "alerts"]
    assert export_yaml([server_item(m) for m in data]) == text
    path = tmp_path / "export.yaml"
    path.write_text(text)
    assert [s.canonical() for s in read_file(path).specs] == data


def test_where_names_the_files_field_and_line_for_a_servers_field(tmp_path: Path) -> None:
    path = tmp_path / "monitors.yaml"
    path.write_text(FILE)
    source = read_file(path)
    assert source.where("api", "body.check.http.request.path") == (
        f"{path}: monitors[0].check.http.request.path (line 7)"
    )
    assert source.where("api", "body.check.expect.conditions[0]").endswith("(line 8)")
    assert source.where("web", "body.target.nothing") == f"{path}: monitors[1].target (line 13)"
    assert source.where("nobody", "body.x") == ""


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("monitors:\n  - name: api\n    interval: soon\n", "monitors[0].interval (line 3)"),
        ("monitors:\n  - name: api\n    check: {}\n", "monitors[0] (line 2)"),
        ("monitors: []\nmaintenance: []\n", "maintenance (line 2): 'maintenance' is the server"),
        ("- just a list\n", "expected a mapping with a 'monitors' list"),
        ("monitors: [\n", "monitors.yaml:1:13: invalid YAML"),
        ("monitors: []\nextra: 1\n", "extra (line 2): unknown key"),
    ],
)
def test_read_file_problems_name_the_file_field_and_line(
    tmp_path: Path, text: str, wanted: str
) -> None:
    path = tmp_path / "monitors.yaml"
    path.write_text(text)
    with pytest.raises(UsageError) as caught:
        read_file(path)
    assert wanted in str(caught.value) and caught.value.exit_code == 2
