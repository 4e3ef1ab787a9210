"""``assay report status`` and ``assay report flush`` on spools made here (no server needed
for what is checked: listing, states, tokens and unreadable files)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from assay.cli.main import cli
from assay.cli.reporting.spool import Spool

HEADER = {
    "url": "http://127.0.0.1:9",
    "run_id": "r1",
    "session": {"id": "s1", "suites": ["suite.yaml"], "started_at": "2024-01-01T00:00:00+00:00"},
}


def invoke(*args: str) -> tuple[int, str, str]:
    done = CliRunner().invoke(cli, list(args), env={"ASSAY_TOKEN": None, "ASSAY_TOKEN_FILE": None})
    return done.exit_code, done.stdout, done.stderr


def test_report_status_lists_spools_and_their_state(tmp_path: Path) -> None:
    code, out, _ = invoke("report", "status", "--spool-dir", str(tmp_path))
    assert code == 0 and "nothing to send" in out
    killed = Spool.create(tmp_path, "s1.r1", HEADER)
    items = [{"id": f"r1/g/test/{i}", "index": i} for i in range(3)]
    killed.append({"type": "results", "items": items}, {"type": "acked", "ids": ["r1/g/test/0"]})
    killed.append({"type": "failure", "error": "connection refused"})
    killed.close()
    running = Spool.create(tmp_path, "s2.r2", HEADER | {"session": {"id": "s2"}})
    code, out, _ = invoke("report", "status", "--spool-dir", str(tmp_path), "--json")
    running.close()
    assert code == 0
    rows = {row["session"]: row for row in json.loads(out)["spools"]}
    assert rows["s1"]["results"] == 3 and rows["s1"]["pending"] == 2
    assert rows["s1"]["final_status"] is None and "stopped before it ended" in rows["s1"]["state"]
    assert rows["s1"]["last_error"] == "connection refused"
    assert rows["s2"]["state"].startswith("sending")  # its writer holds the lock
    code, text, _ = invoke("report", "status", "--spool-dir", str(tmp_path))
    assert "2 spooled run(s), 2 result(s) to send" in text and "last try connection refused" in text


def test_report_flush_needs_a_token_and_names_unreadable_files(tmp_path: Path) -> None:
    code, _, err = invoke("report", "flush", "--spool-dir", str(tmp_path))
    assert code == 2 and "needs an API token" in err
    (tmp_path / "junk.jsonl").write_text('{"type": "nonsense"}\n')
    code, _, err = invoke("report", "flush", "--spool-dir", str(tmp_path), "--token", "t0k3n-x")
    assert code == 0 and "junk.jsonl: not a spool this assay understands" in err
    assert "t0k3n-x" not in err
