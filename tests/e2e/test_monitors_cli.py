"""``assay monitors``, ``assay maintenance`` and ``assay alerts test`` as a user meets them:
a real ``assay serve`` (with a monitors file of its own), the commands as processes, their
plans, exit codes and errors; alerts to a real receiver that checks the signature."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from assay.server.monitors.spec import MonitorSpec
from tests.support.cli import Running, assay, start_serve, stop_serve
from tests.support.ports import closed_port
from tests.support.receivers import WebhookReceiver

SERVER_FILE = """\
monitors:
  - name: file-owned
    interval: 7d
    target: {type: http, base_url: "http://127.0.0.1:CLOSED"}
    check: {http.request: {path: /}}
"""


def serve(home: Path) -> tuple[Running, dict[str, str]]:
    """``assay serve`` with one file monitor; its env with ASSAY_SERVER and a runner token,
    and a viewer token in ``VIEWER``."""
    (home / "server-monitors.yaml").write_text(SERVER_FILE.replace("CLOSED", str(closed_port())))
    running = start_serve(home, "--monitors-file", str(home / "server-monitors.yaml"))
    tokens = {}
    for role in ("runner", "viewer"):
        made = assay("token", "create", "--name", role, "--role", role, env=running.env)
        assert made.returncode == 0, made.stderr
        tokens[role] = made.stdout.strip()
    env = running.env | {"ASSAY_SERVER": running.url, "ASSAY_TOKEN": tokens["runner"]}
    return running, env | {"VIEWER": tokens["viewer"]}


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    running, env = serve(tmp_path_factory.mktemp("serve"))
    yield env
    stop_serve(running)


def monitor(n: int, port: int) -> dict[str, Any]:
    """One of the generated monitors: an http check of a closed port that runs once a week,
    with some optional fields so that the file is not uniform."""
    spec: dict[str, Any] = {
        "name": f"svc-{n:03d}",
        "interval": "7d",
        "labels": {"team": ["core", "web", "data"][n % 3], "tier": str(n % 2 + 1)},
        "target": {"type": "http", "base_url": f"http://127.0.0.1:{port}"},
        "check": {
            "http.request": {"path": f"/health/{n}"},
            "expect": {"conditions": ["[STATUS] == 200"]},
        },
    }
    if n % 4 == 0:
        spec["description"] = f"service number {n}"
        spec["thresholds"] = {"failures": 2, "window": {"failures": 3, "within": "10m"}}
    if n % 5 == 0:
        spec["degraded"] = ["[RESPONSE_TIME] < 300"]
        spec["alerts"] = [{"on": ["down", "recovered"], "notify": ["ops"], "remind_every": "30m"}]
    return spec


def canonical(specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    checked = [MonitorSpec.model_validate(s).canonical() for s in specs]
    return sorted(checked, key=lambda s: str(s["name"]))


def plan_lines(done: subprocess.CompletedProcess[str], mark: str) -> list[str]:
    return [line.split()[1] for line in done.stdout.splitlines() if line.startswith(f"  {mark} ")]


def api_monitors(env: dict[str, str]) -> dict[str, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {env['VIEWER']}"}
    with httpx.Client(base_url=env["ASSAY_SERVER"], headers=headers, timeout=30) as http:
        page = http.get("/api/v1/monitors", params={"limit": 500}).json()
    return {m["name"]: m for m in page["items"]}


def test_monitors_apply_export_round_trip_and_prune(tmp_path: Path) -> None:
    running, env = serve(tmp_path)
    port = closed_port()
    specs = [monitor(n, port) for n in range(100)]
    file = tmp_path / "monitors.yaml"
    file.write_text(yaml.safe_dump({"monitors": specs}, sort_keys=False))
    try:
        planned = assay("monitors", "apply", str(file), "--dry-run", env=env)
        assert planned.returncode == 0, planned.stderr
        assert sorted(plan_lines(planned, "+")) == [s["name"] for s in specs]
        assert "= 0 unchanged" in planned.stdout and len(api_monitors(env)) == 1

        applied = assay("monitors", "apply", str(file), env=env)
        assert applied.returncode == 0, applied.stderr
        assert "100 created, 0 replaced, 0 deleted; 0 unchanged" in applied.stdout
        again = assay("monitors", "apply", str(file), env=env)
        assert again.returncode == 0, again.stderr
        assert "= 100 unchanged" in again.stdout and "nothing to do" in again.stdout

        exported = tmp_path / "export.yaml"
        done = assay("monitors", "export", "--output", str(exported), env=env)
        assert done.returncode == 0, done.stderr
        text = exported.read_text()
        assert "&id" not in text and "file-owned" not in text
        assert yaml.safe_load(text)["monitors"] == canonical(specs)
        back = assay("monitors", "apply", str(exported), env=env)
        assert back.returncode == 0 and "= 100 unchanged" in back.stdout, back.stdout
        assert assay("monitors", "export", env=env).stdout == text  # byte for byte
        everything = yaml.safe_load(assay("monitors", "export", "--all", env=env).stdout)
        assert everything["monitors"][0]["name"] == "file-owned"
        assert len(everything["monitors"]) == 101

        specs[10]["interval"] = "1d"
        specs[11]["labels"] = {"team": "moved"}
        specs[12]["description"] = "changed"
        kept = [s for n, s in enumerate(specs) if n not in (20, 21)]
        file.write_text(yaml.safe_dump({"monitors": kept}, sort_keys=False))
        before = api_monitors(env)
        dry = assay("monitors", "apply", str(file), "--prune", "--dry-run", env=env)
        assert dry.returncode == 0, dry.stderr
        assert plan_lines(dry, "~") == ["svc-010", "svc-011", "svc-012"]
        assert plan_lines(dry, "-") == ["svc-020", "svc-021"] and plan_lines(dry, "+") == []
        assert re.search(r"~ svc-011 +labels$", dry.stdout, re.M), dry.stdout
        assert "= 95 unchanged" in dry.stdout
        assert api_monitors(env) == before

        pruned = assay("monitors", "apply", str(file), "--prune", env=env)
        assert pruned.returncode == 0, pruned.stderr
        assert "0 created, 3 replaced, 2 deleted; 95 unchanged" in pruned.stdout
        after = api_monitors(env)
        assert "file-owned" in after and "svc-020" not in after and len(after) == 99
        assert after["svc-010"]["spec"]["interval"] == 86400
        final = yaml.safe_load(assay("monitors", "export", env=env).stdout)
        assert final["monitors"] == canonical(kept)

        owned = tmp_path / "owned.yaml"
        owned.write_text(SERVER_FILE.replace("CLOSED", str(port)))
        refused = assay("monitors", "apply", str(owned), env=env)
        assert refused.returncode == 1 and "file-owned" in refused.stderr, refused.stderr
        assert "Nothing applied" in refused.stderr and "Traceback" not in refused.stderr
    finally:
        stop_serve(running)


def test_monitors_apply_refused_literal_credential_others_applied(
    shared: dict[str, str], tmp_path: Path
) -> None:
    port = closed_port()
    password = "Literal-Pa55word-never-shown"
    file = tmp_path / "monitors.yaml"
    file.write_text(
        "monitors:\n"
        "  - name: literal-db\n"
        "    interval: 7d\n"
        f"    target: {{type: http, base_url: 'http://127.0.0.1:{port}',\n"
        f"             credentials: {{api: {{token: '{password}'}}}}}}\n"
        "    check: {http.request: {path: /}}\n"
        "  - name: by-reference\n"
        "    interval: 7d\n"
        f"    target: {{type: http, base_url: 'http://127.0.0.1:{port}',\n"
        "             credentials: {api: {token: '${API_TOKEN:-unset}'}}}\n"
        "    check: {http.request: {path: /}}\n"
    )
    done = assay("monitors", "apply", str(file), env=shared)
    assert done.returncode == 1, done.stdout + done.stderr
    (line,) = [x for x in done.stderr.splitlines() if "literal-db" in x]
    assert "HTTP 422" in line and "a credential must name a secret the server holds" in line
    assert "monitors[0].target.credentials.api.token (line 5)" in line
    assert password not in done.stdout + done.stderr
    assert "1 created, 0 replaced" in done.stdout
    found = api_monitors(shared)
    assert "literal-db" not in found and "by-reference" in found, done.stderr
    target = found["by-reference"]["spec"]["target"]
    assert target["credentials"]["api"]["token"] == "${API_TOKEN:-unset}"
    listed = assay("monitors", "list", "--output", "json", env=shared)
    assert listed.returncode == 0 and "by-reference" in {
        m["name"] for m in json.loads(listed.stdout)
    }
    table = assay("monitors", "list", env=shared).stdout
    assert re.search(r"^by-reference +unknown +- +- +never +api$", table, re.M), table


def test_maintenance_start_list_end(shared: dict[str, str]) -> None:
    started = assay(
        "maintenance", "start", "--monitor", "file-owned", "--selector", "team=core",
        "--for", "30m", "--reason", "deploy 1.4", env=shared,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    window = started.stdout.strip()
    assert re.fullmatch(r"[a-z0-9][a-z0-9._-]+", window) and "ending" in started.stderr
    named = assay(
        "maintenance", "start", "--monitor", "file-owned", "--for", "1h", "--id", "db-upgrade",
        env=shared,
    )  # fmt: skip
    assert named.returncode == 0 and named.stdout.strip() == "db-upgrade", named.stderr
    listed = json.loads(assay("maintenance", "list", "--output", "json", env=shared).stdout)
    ours = {w["id"]: w for w in listed}
    assert ours[window]["active"] and ours[window]["spec"]["selector"] == {"team": "core"}
    assert ours[window]["spec"]["reason"] == "deploy 1.4"
    table = assay("maintenance", "list", env=shared).stdout
    assert re.search(rf"^{window} +yes +api +monitors file-owned; labels team=core", table, re.M)

    again = assay("maintenance", "start", "--monitor", "x", "--for", "1h", "--id", "db-upgrade",
                  env=shared)  # fmt: skip
    assert again.returncode == 1 and "HTTP 409" in again.stderr
    viewer = assay("maintenance", "end", window, env=shared | {"ASSAY_TOKEN": shared["VIEWER"]})
    assert viewer.returncode == 1 and "HTTP 403" in viewer.stderr and "runner" in viewer.stderr
    for ended in (window, "db-upgrade"):
        done = assay("maintenance", "end", ended, env=shared)
        assert done.returncode == 0 and f"ended maintenance window '{ended}'" in done.stdout
    gone = assay("maintenance", "end", window, env=shared)
    assert gone.returncode == 1 and "HTTP 404" in gone.stderr and "Traceback" not in gone.stderr
    left = json.loads(assay("maintenance", "list", "--output", "json", env=shared).stdout)
    assert not {window, "db-upgrade"} & {w["id"] for w in left}
    usage = assay("maintenance", "start", "--for", "10m", env=shared)
    assert usage.returncode == 2 and "--monitor NAME or --selector" in usage.stderr


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    hook = WebhookReceiver()
    yield hook
    hook.close()


def test_alerts_test_signed_webhook_and_apprise(receiver: WebhookReceiver) -> None:
    env = {"HOOK_SECRET": receiver.secret}
    signed = assay("alerts", "test", f"{receiver.url}/signed", "--secret-env", "HOOK_SECRET",
                   "--title", "hello from e2e", env=env)  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    (got,) = receiver.at("signed")
    assert got.signed is True and got.json["event"] == "test"
    assert got.json["key"].startswith("test/") and got.json["key"] in signed.stdout
    assert receiver.secret not in signed.stdout + signed.stderr

    host = receiver.url.removeprefix("http://")
    apprise = assay("alerts", "test", f"json://user:pw-0123456789@{host}/apprise", "--title", "hi")
    assert apprise.returncode == 0, apprise.stderr
    (posted,) = receiver.at("apprise")
    assert posted.json["title"] == "hi" and "assay alerts test" in posted.json["message"]
    assert "pw-0123456789" not in apprise.stdout and "JSON via apprise" in apprise.stdout

    forged = assay("alerts", "test", f"{receiver.url}/signed", "--secret", "not-the-secret-42")
    assert forged.returncode == 1 and forged.stderr.count("\n") == 1, forged.stderr
    assert "HTTP 401" in forged.stderr and "not-the-secret-42" not in forged.stderr
    unknown = assay("alerts", "test", f"nosuchservice://{host}/x")
    assert unknown.returncode == 2 and "apprise does not understand" in unknown.stderr
    down = assay("alerts", "test", f"json://127.0.0.1:{closed_port()}/x")
    assert down.returncode == 1 and down.stderr.startswith("error: not delivered"), down.stderr


def test_monitors_errors_name_the_problem(shared: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "monitors:\n  - name: api\n    interval: soon\n"
        "    target: {type: http, base_url: 'http://127.0.0.1:9'}\n"
        "    check: {http.request: {path: /}}\n"
    )
    done = assay("monitors", "apply", str(bad), env=shared)
    assert done.returncode == 2 and done.stdout == "", done.stdout
    assert f"{bad}: monitors[0].interval (line 3):" in done.stderr
    server_own = tmp_path / "server-own.yaml"
    server_own.write_text("monitors: []\nproviders:\n  ops: {apprise: 'json://x'}\n")
    done = assay("monitors", "apply", str(server_own), env=shared)
    assert done.returncode == 2 and "providers (line 2)" in done.stderr

    gone = {**shared, "ASSAY_SERVER": f"http://127.0.0.1:{closed_port()}"}
    done = assay("monitors", "list", env=gone)
    assert done.returncode == 1 and "cannot reach the assay server" in done.stderr
    wrong = assay("monitors", "export", env=shared | {"ASSAY_TOKEN": "assay_wrong_0123456789"})
    assert (
        wrong.returncode == 1
        and "HTTP 401" in wrong.stderr
        and "assay token create" in wrong.stderr
    )
    assert "assay_wrong_0123456789" not in wrong.stderr
    probe = tmp_path / "probe.yaml"
    probe.write_text(
        "monitors:\n  - name: viewer-probe\n    interval: 7d\n"
        "    target: {type: http, base_url: 'http://127.0.0.1:9'}\n"
        "    check: {http.request: {path: /}}\n"
    )
    viewer = assay("monitors", "apply", str(probe), env=shared | {"ASSAY_TOKEN": shared["VIEWER"]})
    assert viewer.returncode == 1 and "+ viewer-probe" in viewer.stdout, viewer.stderr
    assert "HTTP 403" in viewer.stderr and "use a runner or admin token" in viewer.stderr
    missing = assay("monitors", "list", env={**shared, "ASSAY_TOKEN": ""})
    assert missing.returncode == 2 and "needs an API token" in missing.stderr
    for done in (missing, wrong, viewer):
        assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
