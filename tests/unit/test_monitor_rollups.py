"""Roll-ups: a run counted in its minute, hour and day; ranges tiled by the fewest buckets
without gaps or overlaps; uptime and percentiles from the merged buckets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from assay.server.monitors.rollups import RESOLUTIONS, Bucket, cover, deltas, floor, summarise

T0 = datetime(2026, 12, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def minutes_of(tiles: list[tuple[str, datetime, datetime]]) -> list[datetime]:
    out = []
    for resolution, first, last in tiles:
        at = first
        while at <= last:
            step_end = at + RESOLUTIONS[resolution]
            m = at
            while m < step_end:
                out.append(m)
                m += MINUTE
            at = step_end
    return out


@given(
    st.integers(min_value=0, max_value=5 * 24 * 60 * 60),
    st.integers(min_value=1, max_value=4 * 24 * 60 * 60),
)
def test_cover_tiles_a_range_exactly(offset: int, length: int) -> None:
    start = T0 + timedelta(seconds=offset)
    end = start + timedelta(seconds=length)
    tiles = cover(start, end)
    got = minutes_of(tiles)
    first, stop = floor(start, "minute"), floor(end + timedelta(seconds=59), "minute")
    wanted = [first + n * MINUTE for n in range(int((stop - first) / MINUTE))]
    assert sorted(got) == wanted and len(set(got)) == len(got)
    assert len(tiles) <= 5  # days, then hours and minutes at each edge


def test_a_year_costs_a_few_hundred_rows() -> None:
    tiles = cover(T0 + timedelta(minutes=7), T0 + timedelta(days=365, minutes=7))
    rows = sum(int((last - first) / RESOLUTIONS[r]) + 1 for r, first, last in tiles)
    assert rows < 450


def test_deltas_count_each_run_in_three_buckets_and_keep_maintenance_apart() -> None:
    at = T0 + timedelta(hours=5, minutes=3, seconds=20)
    got = deltas([
        ("api", at, "up", 12.0, False),
        ("api", at + timedelta(seconds=10), "down", 400.0, False),
        ("api", at + timedelta(seconds=20), "down", 500.0, True),
        ("api", at + timedelta(seconds=30), "skipped", None, False),
    ])  # fmt: skip
    assert set(got) == {
        ("api", "minute", T0 + timedelta(hours=5, minutes=3)),
        ("api", "hour", T0 + timedelta(hours=5)),
        ("api", "day", T0),
    }
    minute = got[("api", "minute", T0 + timedelta(hours=5, minutes=3))]
    assert (minute.up, minute.down, minute.maintenance, minute.skipped) == (1, 1, 1, 1)
    assert minute.sketch.count == 2 and minute.counted == 2


def test_summary_uptime_counts_degraded_as_up_and_ignores_maintenance() -> None:
    total = Bucket()
    for verdict, ms in (("up", 10.0), ("degraded", 20.0), ("down", 30.0), ("up", 40.0)):
        total.add(verdict, ms, False)
    total.add("down", 99.0, True)
    summary = summarise(total)
    assert summary.uptime == 0.75 and summary.maintenance == 1 and summary.runs == 4
    assert summary.p99 is not None and abs(summary.p99 - 40.0) <= 0.4
    assert summarise(Bucket()).uptime is None
