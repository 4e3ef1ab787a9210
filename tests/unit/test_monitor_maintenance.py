"""Maintenance windows: one-off, weekly, monthly and cron, in a time zone, by id or labels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from assay.server.monitors.maintenance import Window, WindowError, cron_of, in_maintenance

BERLIN = ZoneInfo("Europe/Berlin")


def test_one_off_window_is_half_open() -> None:
    start = datetime(2026, 12, 5, 10, tzinfo=UTC)
    window = Window("w", monitors=("api",), start=start, end=start + timedelta(minutes=30))
    assert not window.active(start - timedelta(seconds=1))
    assert window.active(start) and window.active(start + timedelta(minutes=29))
    assert not window.active(start + timedelta(minutes=30))


def test_weekly_window_in_a_time_zone_across_daylight_saving() -> None:
    window = Window("w", monitors=("api",), cron=cron_of(weekly="sun 02:30"),
                    duration=timedelta(hours=1), timezone="Europe/Berlin")  # fmt: skip
    assert window.cron == "30 2 * * 0"
    winter = datetime(2026, 12, 6, 2, 45, tzinfo=BERLIN)  # a Sunday, UTC+1
    summer = datetime(2026, 7, 5, 3, 15, tzinfo=BERLIN)  # a Sunday, UTC+2
    assert window.active(winter) and window.active(summer.astimezone(UTC))
    assert not window.active(winter + timedelta(hours=1)) and not window.active(
        winter - timedelta(days=1)
    )


def test_monthly_and_cron_windows() -> None:
    monthly = Window("m", selector={"team": "db"}, cron=cron_of(monthly="1 00:00"),
                     duration=timedelta(hours=6))  # fmt: skip
    assert monthly.active(datetime(2027, 1, 1, 5, 59, tzinfo=UTC))
    assert not monthly.active(datetime(2027, 1, 2, 1, 0, tzinfo=UTC))
    nightly = Window("n", monitors=("a",), cron="*/15 1 * * *", duration=timedelta(minutes=5))
    assert nightly.active(datetime(2026, 12, 5, 1, 31, tzinfo=UTC))
    assert not nightly.active(datetime(2026, 12, 5, 1, 36, tzinfo=UTC))


def test_windows_cover_monitors_by_id_or_every_selector_label() -> None:
    start = datetime(2026, 12, 5, tzinfo=UTC)
    by_label = Window("l", selector={"team": "db", "env": "prod"}, start=start,
                      end=start + timedelta(hours=1))  # fmt: skip
    assert by_label.covers("x", {"team": "db", "env": "prod", "extra": "1"})
    assert not by_label.covers("x", {"team": "db"})
    assert in_maintenance([by_label], "x", {"team": "db", "env": "prod"}, start) is by_label
    assert in_maintenance([by_label], "x", {"team": "web"}, start) is None


@pytest.mark.parametrize(
    ("kwargs", "wanted"),
    [
        ({"monitors": ("a",)}, "needs start and an end"),
        ({"monitors": ("a",), "cron": "0 2 * * *"}, "positive duration"),
        ({"monitors": ("a",), "cron": "not cron", "duration": timedelta(hours=1)}, "cron:"),
        ({"monitors": ("a",), "cron": "0 2 * * *", "duration": timedelta(hours=1),
          "timezone": "Mars/Olympus"}, "timezone:"),
        ({}, "needs monitors"),
    ],
    ids=["one-off without end", "no duration", "bad cron", "bad zone", "nothing covered"],
)  # fmt: skip
def test_bad_windows_say_which_field(kwargs: dict[str, object], wanted: str) -> None:
    with pytest.raises(WindowError, match=wanted):
        Window("bad", **kwargs)  # type: ignore[arg-type]


def test_shorthands_refuse_what_they_cannot_read() -> None:
    for bad in ({"weekly": "someday 02:00"}, {"weekly": "sun 25:00"}, {"monthly": "32 01:00"}):
        with pytest.raises(WindowError):
            cron_of(**bad)
