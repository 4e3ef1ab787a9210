"""The read side of monitors' history on SQLite and PostgreSQL: uptime, latency, runs,
incidents and badges, over rows inserted as the recorder writes them (raw runs, and the
roll-ups ``rollups.deltas`` makes from those same runs).

Every figure is checked against one computed here from the raw runs: counts and uptime
exactly; p50/p95/p99 within the sketch's 1 % of the true percentile, taken by the
nearest-rank rule (the ``ceil(q * n)``-th smallest latency, the rank the sketch reads).
"""

from __future__ import annotations

import math
import random
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import event

from assay.server import create_app
from assay.server.db import Database
from assay.server.db.tables import utcnow
from assay.server.monitors import stats
from assay.server.monitors.badges import format_uptime
from assay.server.monitors.rollups import deltas, floor
from assay.server.monitors.tables import (
    Incident,
    MonitorRollup,
    MonitorRow,
    MonitorRun,
    MonitorStateRow,
)
from tests.support.server import Served, assert_error, settings_for

API = "/api/v1/monitors"
WINDOWS = {"1h": timedelta(hours=1), "24h": timedelta(hours=24), "7d": timedelta(days=7)}
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def served(database_url: str, serve: Callable[..., Served]) -> Served:
    settings = settings_for(database_url)
    return serve(settings)


@dataclass(frozen=True)
class Raw:
    at: datetime
    verdict: str
    ms: float
    maintenance: bool = False


def insert(
    db: Database, name: str, runs: list[Raw], state: str = "up", paused: bool = False
) -> None:
    """A monitor, its state, its raw runs and the roll-ups the recorder adds for them."""
    with db.write() as session:
        session.add(MonitorRow(name=name, spec={"name": name}, origin="api", paused=paused))
        session.add(MonitorStateRow(name=name, state=state))
        session.add_all(
            MonitorRun(
                monitor=name,
                started_at=r.at,
                duration_ms=r.ms,
                verdict=r.verdict,
                state=state,
                maintenance=r.maintenance,
                message=f"run {i}",
                failures=[{"check": "status"}] if r.verdict == "down" else [],
            )
            for i, r in enumerate(runs)
        )
        added = deltas((name, r.at, r.verdict, r.ms, r.maintenance) for r in runs)
        session.add_all(
            MonitorRollup(
                monitor=m,
                resolution=res,
                bucket=at,
                up=b.up,
                degraded=b.degraded,
                down=b.down,
                maintenance=b.maintenance,
                skipped=b.skipped,
                sketch=b.sketch.to_json(),
            )
            for (m, res, at), b in added.items()
        )


def nearest_rank(values: list[float], q: float) -> float:
    return sorted(values)[max(1, math.ceil(q * len(values))) - 1]


def expected(runs: list[Raw], lo: datetime, hi: datetime) -> dict[str, Any]:
    """The figures of ``[lo, hi)`` from the raw runs, without the roll-ups or the sketch."""
    inside = [r for r in runs if lo <= r.at < hi]
    counted = [r for r in inside if r.verdict != "skipped" and not r.maintenance]
    out: dict[str, Any] = {
        v: sum(r.verdict == v for r in counted) for v in ("up", "degraded", "down")
    }
    out["maintenance"] = sum(r.maintenance and r.verdict != "skipped" for r in inside)
    out["runs"] = len(counted)
    out["uptime"] = (out["up"] + out["degraded"]) / len(counted) if counted else None
    values = [r.ms for r in counted]
    for q in (50, 95, 99):
        out[f"p{q}_ms"] = nearest_rank(values, q / 100) if values else None
    out["mean_ms"] = sum(values) / len(values) if values else None
    return out


def assert_figures(got: dict[str, Any], want: dict[str, Any]) -> None:
    for key in ("runs", "up", "degraded", "down", "maintenance", "uptime"):
        assert got[key] == want[key], (key, got, want)
    for key in ("p50_ms", "p95_ms", "p99_ms"):
        if want[key] is None:
            assert got[key] is None
        else:
            assert math.isclose(got[key], want[key], rel_tol=0.0101), (key, got, want)
    if want["mean_ms"] is not None:
        assert math.isclose(got["mean_ms"], want["mean_ms"], abs_tol=0.01)


@dataclass(frozen=True)
class Mixed:
    name: str
    runs: list[Raw]
    now: datetime


def mixed_runs(now: datetime, seed: int = 15) -> list[Raw]:
    """Nine days of runs, every 7 minutes and every minute in the last 3 hours, with a known
    mix of verdicts, maintenance and latencies; none within 3 minutes of a window's edge, so
    a window asked a little after ``now`` holds exactly the same runs."""
    rng = random.Random(seed)
    times = [now - timedelta(days=9) + timedelta(minutes=7 * i) for i in range(9 * 24 * 60 // 7)]
    times += [now - timedelta(hours=3) + timedelta(minutes=i) for i in range(178)]
    edges = [now - size for size in WINDOWS.values()]
    runs = []
    for at in times:
        at += timedelta(seconds=rng.randrange(60))
        if at >= now - timedelta(minutes=1) or any(
            abs(at - e) < timedelta(minutes=3) for e in edges
        ):
            continue
        verdict = rng.choices(["up", "degraded", "down", "skipped"], [80, 8, 10, 2])[0]
        ms = round(rng.lognormvariate(math.log(120), 0.8), 3)
        runs.append(Raw(at, verdict, ms, maintenance=rng.random() < 0.04))
    return runs


@pytest.fixture(scope="module")
def mixed(served: Served) -> Mixed:
    now = utcnow()
    name = f"mixed-{uuid.uuid4().hex[:8]}"
    runs = mixed_runs(now)
    insert(served.db, name, runs, state="down")
    return Mixed(name, runs, now)


def get(served: Served, path: str, role: str | None = "viewer", **params: Any) -> Any:
    with served.client(role) as http:
        return http.get(path, params=params)


def test_uptime_windows_equal_the_raw_runs(served: Served, mixed: Mixed) -> None:
    response = get(served, f"{API}/{mixed.name}/uptime")
    assert response.status_code == 200, response.text
    body = response.json()
    at = datetime.fromisoformat(body["at"])
    assert body["monitor"] == mixed.name and body["range"] is None
    assert timedelta(0) <= at - mixed.now < timedelta(minutes=2)
    assert set(body["windows"]) == {"1h", "24h", "7d", "30d", "365d"}
    for label, size in WINDOWS.items():
        assert_figures(body["windows"][label], expected(mixed.runs, *stats.covered(at - size, at)))
    all_of_it = expected(mixed.runs, mixed.now - timedelta(days=10), at)
    assert_figures(body["windows"]["30d"], all_of_it)
    assert_figures(body["windows"]["365d"], all_of_it)
    assert body["windows"]["7d"]["down"] > 0 and body["windows"]["7d"]["maintenance"] > 0


def test_uptime_of_a_custom_range_with_edges_inside_hours(served: Served, mixed: Mixed) -> None:
    hour = floor(mixed.now, "hour")
    start = hour - timedelta(hours=80) + timedelta(minutes=17, seconds=25)
    end = hour - timedelta(hours=5) - timedelta(minutes=17, seconds=-40)
    response = get(
        served, f"{API}/{mixed.name}/uptime", start=start.isoformat(), end=end.isoformat()
    )
    assert response.status_code == 200, response.text
    got = response.json()["range"]
    lo, hi = datetime.fromisoformat(got["start"]), datetime.fromisoformat(got["end"])
    assert (lo, hi) == (floor(start, "minute"), floor(end + timedelta(seconds=59), "minute"))
    assert lo != floor(lo, "hour") and hi != floor(hi, "hour")
    assert_figures(got, expected(mixed.runs, lo, hi))
    naive = get(
        served,
        f"{API}/{mixed.name}/uptime",
        start=start.replace(tzinfo=None).isoformat(),
        end=end.replace(tzinfo=None).isoformat(),
    ).json()
    assert naive["range"] == got  # naive times are UTC


def test_latency_per_bucket_equals_the_raw_runs(served: Served, mixed: Mixed) -> None:
    start, end = mixed.now - timedelta(hours=30), mixed.now - timedelta(hours=6)
    body = get(
        served,
        f"{API}/{mixed.name}/latency",
        start=start.isoformat(),
        end=end.isoformat(),
        resolution="hour",
    ).json()
    buckets = body["buckets"]
    assert body["resolution"] == "hour" and len(buckets) in (24, 25)
    assert datetime.fromisoformat(buckets[0]["start"]) == floor(start, "hour")
    for bucket in buckets:
        at = datetime.fromisoformat(bucket["start"])
        assert_figures(bucket, expected(mixed.runs, at, at + timedelta(hours=1)))
    days = get(
        served,
        f"{API}/{mixed.name}/latency",
        resolution="day",
        start=(mixed.now - timedelta(days=12)).isoformat(),
    ).json()["buckets"]
    assert len(days) == 13 and days[0]["runs"] == 0 and days[0]["p95_ms"] is None  # a gap
    for bucket in days:
        at = datetime.fromisoformat(bucket["start"])
        assert_figures(bucket, expected(mixed.runs, at, at + timedelta(days=1)))
    default = get(served, f"{API}/{mixed.name}/latency").json()
    assert default["resolution"] == "hour" and len(default["buckets"]) in (24, 25)


def test_current_figures_of_many_monitors_in_one_query(served: Served, mixed: Mixed) -> None:
    names = [mixed.name] + [f"absent-{i}" for i in range(999)]
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        if "monitor_rollups" in statement:
            statements.append(statement)

    event.listen(served.db.engine, "before_cursor_execute", seen)
    try:
        with served.db.read() as session:
            got = stats.current(session, names, mixed.now)
    finally:
        event.remove(served.db.engine, "before_cursor_execute", seen)
    assert len(statements) <= 2 and len(got) == 1000
    assert got["absent-7"] == (None, None)
    want = expected(mixed.runs, *stats.covered(mixed.now - timedelta(hours=24), mixed.now))
    uptime, p95 = got[mixed.name]
    assert uptime == want["uptime"] and p95 is not None
    assert math.isclose(p95, want["p95_ms"], rel_tol=0.0101)


def test_history_pages_newest_first_and_filters_by_verdict(served: Served) -> None:
    name, t0 = f"history-{uuid.uuid4().hex[:8]}", utcnow() - timedelta(hours=1)
    verdicts = ["up", "up", "down", "degraded", "skipped"] * 5
    insert(
        served.db,
        name,
        [Raw(t0 + timedelta(minutes=i), v, 10.0 + i) for i, v in enumerate(verdicts)],
    )
    seen, cursor, pages = [], None, 0
    while True:
        params: dict[str, Any] = {"limit": 10} | ({"cursor": cursor} if cursor else {})
        page = get(served, f"{API}/{name}/history", **params).json()
        assert page["total"] == 25 and page["limit"] == 10
        seen += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and [r["message"] for r in seen] == [f"run {i}" for i in reversed(range(25))]
    first = seen[-1]
    assert first["verdict"] == "up" and first["duration_ms"] == 10.0 and first["region"] == "local"
    assert datetime.fromisoformat(first["started_at"]) == t0
    assert seen[-3]["failures"] == [{"check": "status"}] and seen[-3]["state"] == "up"
    failing = get(served, f"{API}/{name}/history", verdict=["down", "degraded"]).json()
    assert failing["total"] == 10 and {r["verdict"] for r in failing["items"]} == {
        "down",
        "degraded",
    }
    assert_error(
        get(served, f"{API}/{name}/history", cursor="bm90IGEgY3Vyc29y"),
        422,
        "validation_error",
        "query.cursor",
    )


def test_incidents_page_newest_first_with_durations(served: Served) -> None:
    name, t0 = f"incidents-{uuid.uuid4().hex[:8]}", utcnow() - timedelta(days=2)
    insert(served.db, name, [])
    starts = [t0, t0 + timedelta(hours=1), t0 + timedelta(hours=1), t0 + timedelta(hours=5)]
    with served.db.write() as session:
        for i, at in enumerate(starts):
            session.add(
                Incident(
                    id=f"{name}-{i}",
                    monitor=name,
                    started_at=at,
                    ended_at=at + timedelta(minutes=10 + i),
                    message=f"failure {i}",
                )
            )
        session.add(
            Incident(
                id=f"{name}-open",
                monitor=name,
                started_at=t0 + timedelta(days=1),
                ended_at=None,
                message="still down",
                acknowledged_at=t0 + timedelta(days=1, minutes=2),
                acknowledged_by="alice",
            )
        )
    seen, cursor = [], None
    while True:
        page = get(
            served, f"{API}/{name}/incidents", limit=2, **({"cursor": cursor} if cursor else {})
        ).json()
        assert page["total"] == 5
        seen += page["items"]
        if (cursor := page["next_cursor"]) is None:
            break
    assert [i["id"] for i in seen] == [f"{name}-{k}" for k in ("open", "3", "2", "1", "0")]
    opened = seen[0]
    assert (
        opened["open"] is True
        and opened["ended_at"] is None
        and opened["acknowledged_by"] == "alice"
    )
    assert 86400 - 60 <= opened["duration_seconds"] <= 86400 + 120
    assert [i["duration_seconds"] for i in seen[1:]] == [780.0, 720.0, 660.0, 600.0]
    assert seen[1]["message"] == "failure 3" and seen[1]["open"] is False


def test_unknown_monitors_are_404_naming_them(served: Served) -> None:
    for path in (
        "uptime",
        "latency",
        "history",
        "incidents",
        "badge/status.svg",
        "badge/uptime.json",
    ):
        response = get(served, f"{API}/nowhere-to-be-found/{path}")
        assert "'nowhere-to-be-found'" in assert_error(response, 404, "not_found")["message"]


def test_ranges_and_parameters_out_of_bounds_are_422(served: Served, mixed: Mixed) -> None:
    url, now = f"{API}/{mixed.name}", mixed.now
    cases: list[tuple[str, dict[str, Any], str]] = [
        (
            "uptime",
            {"start": now.isoformat(), "end": (now - timedelta(hours=1)).isoformat()},
            "query.end",
        ),
        (
            "uptime",
            {"start": (now - timedelta(days=401)).isoformat(), "end": now.isoformat()},
            "query.start",
        ),
        ("uptime", {"end": now.isoformat()}, "query.start"),
        ("uptime", {"start": "yesterday"}, "query.start"),
        ("uptime", {"start": "9999-12-31T23:59:59"}, "query.start"),
        (
            "latency",
            {"start": (now - timedelta(days=3)).isoformat(), "resolution": "minute"},
            "query.resolution",
        ),
        ("latency", {"resolution": "week"}, "query.resolution"),
        ("history", {"limit": 0}, "query.limit"),
        ("incidents", {"cursor": "!!"}, "query.cursor"),
    ]
    for path, params, field in cases:
        assert_error(get(served, f"{url}/{path}", **params), 422, "validation_error", field)
    error = assert_error(
        get(
            served,
            f"{url}/latency",
            resolution="minute",
            start=(now - timedelta(days=3)).isoformat(),
        ),
        422,
        "validation_error",
    )
    assert "use resolution=hour" in error["message"]
    assert_error(get(served, f"{url}/uptime", role=None), 401, "unauthorized")


def test_badges_say_the_state_uptime_and_latency(served: Served, mixed: Mixed) -> None:
    status = get(served, f"{API}/{mixed.name}/badge/status.svg", role=None)
    assert status.status_code == 200 and status.headers["content-type"].startswith("image/svg+xml")
    assert "max-age=60" in status.headers["cache-control"]
    svg = ET.fromstring(status.text)
    assert svg.tag == f"{SVG}svg" and svg.findtext(f"{SVG}title") == f"{mixed.name}: down"
    assert "#e05d44" in status.text  # red
    shields = get(served, f"{API}/{mixed.name}/badge/status.json", role=None).json()
    assert shields == {"schemaVersion": 1, "label": mixed.name, "message": "down", "color": "red"}
    now = utcnow()
    want = expected(mixed.runs, *stats.covered(now - WINDOWS["7d"], now))
    uptime = get(served, f"{API}/{mixed.name}/badge/uptime.json", role=None, window="7d").json()
    assert uptime["label"] == "uptime 7d" and uptime["message"] == format_uptime(want["uptime"])
    latency = get(served, f"{API}/{mixed.name}/badge/latency.svg", role=None, window="1h")
    title = ET.fromstring(latency.text).findtext(f"{SVG}title") or ""
    assert title.startswith("p95 1h: ") and title.endswith(" ms")
    want_1h = expected(mixed.runs, *stats.covered(now - WINDOWS["1h"], now))["p95_ms"]
    assert math.isclose(float(title.split()[2]), want_1h, rel_tol=0.02, abs_tol=0.5)
    assert_error(
        get(served, f"{API}/{mixed.name}/badge/colour.svg", role=None),
        422,
        "validation_error",
        "path.kind",
    )


def test_a_badge_escapes_the_name(served: Served) -> None:
    name = f'q<&"{uuid.uuid4().hex[:6]}'
    insert(served.db, name, [], state="maintenance")
    response = get(served, f"{API}/{quote(name, safe='')}/badge/status.svg", role=None)
    assert response.status_code == 200, response.text
    assert '<&"' not in response.text and "q&lt;&amp;&quot;" in response.text
    assert ET.fromstring(response.text).findtext(f"{SVG}title") == f"{name}: maintenance"
    assert "#007ec6" in response.text  # blue
    assert (
        get(served, f"{API}/{quote(name, safe='')}/badge/status.json", role=None).json()["label"]
        == name
    )
    paused = f"paused-{uuid.uuid4().hex[:6]}"
    insert(served.db, paused, [], state="up", paused=True)
    badge = get(served, f"{API}/{paused}/badge/status.json", role=None).json()
    assert (badge["message"], badge["color"]) == ("paused", "lightgrey")


@pytest.fixture(scope="module")
def by_setting(database_url: str, serve: Callable[..., Served]) -> Callable[[str], Served]:
    """A server per ``monitor_badges`` value, started when a test first asks for it."""
    started: dict[str, Served] = {}

    def server(access: str) -> Served:
        if access not in started:
            settings = settings_for(database_url, monitor_badges=access)
            started[access] = serve(settings, create_app(settings))
        return started[access]

    return server


def test_badges_need_a_viewer_token_or_are_gone(
    by_setting: Callable[[str], Served], mixed: Mixed
) -> None:
    viewer = by_setting("viewer")
    path = f"{API}/{mixed.name}/badge/status.svg"
    assert_error(get(viewer, path, role=None), 401, "unauthorized")
    allowed = get(viewer, path)
    assert allowed.status_code == 200 and allowed.headers["cache-control"] == "private, max-age=60"
    off = by_setting("off")
    assert_error(get(off, path), 404, "not_found")
    assert_error(get(off, f"{API}/{mixed.name}/badge/uptime.json"), 404, "not_found")
    assert get(off, f"{API}/{mixed.name}/uptime").status_code == 200


def test_every_status_code_is_documented(served: Served) -> None:
    """What the OpenAPI contract test relies on: each route documents its 404 and 422."""
    paths = served.app.openapi()["paths"]
    reads = ("uptime", "latency", "history", "incidents", "badge/{kind}.svg", "badge/{kind}.json")
    ours = {f"{API}/{{name}}/{r}": paths[f"{API}/{{name}}/{r}"]["get"] for r in reads}
    for path, operation in ours.items():
        assert {"200", "401", "404", "422"} <= set(operation["responses"]), path
    svg = ours[f"{API}/{{name}}/badge/{{kind}}.svg"]["responses"]["200"]["content"]
    assert set(svg) == {"image/svg+xml"}
