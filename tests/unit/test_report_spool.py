"""The reporting spool: durable appends, crash-safe rereads, locks and delivery bookkeeping."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from assay.cli.reporting.spool import (
    Spool,
    default_spool_dir,
    is_locked,
    list_spools,
    read_spool,
)

HEADER = {"url": "http://127.0.0.1:8787", "run_id": "r1", "session": {"id": "s1"}}


def item(n: int) -> dict[str, Any]:
    return {"id": f"r1/g/test/{n}", "group": "g", "phase": "test", "index": n, "status": "passed"}


def test_spool_appends_and_rereads_every_record(tmp_path: Path) -> None:
    spool = Spool.create(tmp_path, "s1.r1", HEADER)
    spool.append({"type": "results", "items": [item(1), item(2)]})
    spool.append({"type": "created"}, {"type": "results", "items": [item(3)]})
    spool.close()
    state = read_spool(tmp_path / "s1.r1.jsonl")
    assert state.valid and state.url == HEADER["url"] and state.session_id == "s1"
    assert [r["index"] for r in state.pending()] == [1, 2, 3]
    assert state.created and not state.finished and not state.done
    assert state.torn == state.unreadable == 0
    lines = (tmp_path / "s1.r1.jsonl").read_text().splitlines()
    assert all(json.loads(line)["at"] for line in lines)  # every record is whole and dated


def test_spool_bookkeeping_pending_acked_rejected_and_done(tmp_path: Path) -> None:
    spool = Spool.create(tmp_path, "s1.r1", HEADER)
    spool.append({"type": "results", "items": [item(n) for n in range(1, 6)]})
    spool.append({"type": "created"}, {"type": "acked", "ids": ["r1/g/test/1", "r1/g/test/2"]})
    spool.append({"type": "rejected", "ids": ["r1/g/test/3"], "reason": "HTTP 422 too long"})
    state = spool.read()
    assert [r["index"] for r in state.pending()] == [4, 5]
    assert state.rejected == {"r1/g/test/3": "HTTP 422 too long"}
    spool.append({"type": "acked", "ids": ["r1/g/test/4", "r1/g/test/5"]})
    spool.append({"type": "finish", "patch": {"status": "passed"}})
    assert not spool.read().done  # the final status is not sent yet
    spool.append({"type": "failure", "error": "connection refused"}, {"type": "finished"})
    state = spool.read()
    assert state.done and state.pending() == [] and state.finish == {"status": "passed"}
    assert state.last_error == "connection refused"
    spool.remove()
    assert list_spools(tmp_path) == []


def test_spool_torn_last_line_is_dropped_and_cut_before_appending(tmp_path: Path) -> None:
    spool = Spool.create(tmp_path, "s1.r1", HEADER)
    spool.append({"type": "results", "items": [item(1)]})
    spool.close()
    path = tmp_path / "s1.r1.jsonl"
    whole = path.stat().st_size
    with path.open("ab") as f:  # what a kill in the middle of a write leaves
        f.write(b'{"type":"results","items":[{"id":"r1/g/test/2","gro')
    state = read_spool(path)
    assert state.torn > 0 and state.unreadable == 0
    assert [r["index"] for r in state.pending()] == [1]
    assert path.stat().st_size > whole  # reading alone changes nothing
    reopened = Spool.open(path)
    assert reopened is not None
    assert path.stat().st_size == whole  # the torn tail is cut off first
    reopened.append({"type": "results", "items": [item(2)]})
    reopened.close()
    state = read_spool(path)
    assert [r["index"] for r in state.pending()] == [1, 2]
    assert state.torn == state.unreadable == 0


def test_spool_unreadable_line_in_the_middle_does_not_lose_the_rest(tmp_path: Path) -> None:
    spool = Spool.create(tmp_path, "s1.r1", HEADER)
    spool.close()
    path = tmp_path / "s1.r1.jsonl"
    with path.open("ab") as f:
        f.write(b"\x00\x00 not json\n")
        f.write(json.dumps({"type": "results", "items": [item(1)]}).encode() + b"\n")
    state = read_spool(path)
    assert state.unreadable == 1 and [r["index"] for r in state.pending()] == [1]


def test_spool_is_locked_by_its_writer(tmp_path: Path) -> None:
    spool = Spool.create(tmp_path, "s1.r1", HEADER)
    path = spool.path
    assert is_locked(path)
    assert Spool.open(path) is None  # a second sender keeps away
    spool.close()
    assert not is_locked(path)
    again = Spool.open(path)
    assert again is not None
    again.remove()
    assert Spool.open(path) is None and not is_locked(path)


def test_spool_file_is_private_and_new_names_never_clobber(tmp_path: Path) -> None:
    spool = Spool.create(tmp_path / "deep" / "spool", "s1.r1", HEADER)
    assert stat.S_IMODE(spool.path.stat().st_mode) == 0o600
    with pytest.raises(FileExistsError):
        Spool.create(tmp_path / "deep" / "spool", "s1.r1", HEADER)
    spool.close()


def test_spool_list_is_oldest_first_and_empty_without_directory(tmp_path: Path) -> None:
    assert list_spools(tmp_path / "missing") == []
    first = Spool.create(tmp_path, "b.r1", HEADER)
    second = Spool.create(tmp_path, "a.r2", HEADER)
    os.utime(first.path, (1_000_000, 1_000_000))
    (tmp_path / "notes.txt").write_text("not a spool")
    assert list_spools(tmp_path) == [first.path, second.path]
    first.close()
    second.close()


def test_spool_default_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ASSAY_SPOOL_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_spool_dir() == tmp_path / "xdg" / "assay" / "spool"
    monkeypatch.setenv("ASSAY_SPOOL_DIR", str(tmp_path / "mine"))
    assert default_spool_dir() == tmp_path / "mine"
