"""The pure parts of monitors' statistics: badges' words, colours, escaping and SVG; the
number of chart buckets; the edges a range's figures describe; the time parameters."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from assay.server.monitors import badges, stats
from assay.server.monitors.badges import Badge
from assay.server.monitors.stats_schemas import Instant

SVG = "{http://www.w3.org/2000/svg}"
T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("state", "colour"),
    [
        ("up", "green"),
        ("degraded", "yellow"),
        ("down", "red"),
        ("maintenance", "blue"),
        ("paused", "lightgrey"),
        ("unknown", "lightgrey"),
        ("something new", "lightgrey"),
    ],
)
def test_state_colours(state: str, colour: str) -> None:
    assert badges.state_colour(state) == colour
    assert badges.status_badge("api", state) == Badge("api", state, colour)


@pytest.mark.parametrize(
    ("uptime", "message", "colour"),
    [
        (1.0, "100%", "brightgreen"),
        (0.99996, "99.99%", "brightgreen"),  # truncated, never rounded up to 100 %
        (0.999, "99.90%", "brightgreen"),
        (0.995, "99.50%", "green"),
        (0.96, "96.00%", "yellow"),
        (0.91, "91.00%", "orange"),
        (0.5, "50.00%", "red"),
        (0.0, "0.00%", "red"),
        (None, "no data", "lightgrey"),
    ],
)
def test_uptime_badge(uptime: float | None, message: str, colour: str) -> None:
    assert badges.uptime_badge("24h", uptime) == Badge("uptime 24h", message, colour)


@pytest.mark.parametrize(
    ("ms", "message", "colour"),
    [
        (3.21, "3.2 ms", "brightgreen"),
        (123.4, "123 ms", "brightgreen"),
        (499.0, "499 ms", "green"),
        (750.0, "750 ms", "yellow"),
        (1234.0, "1.23 s", "orange"),
        (5000.0, "5.00 s", "red"),
        (None, "no data", "lightgrey"),
    ],
)
def test_latency_badge(ms: float | None, message: str, colour: str) -> None:
    assert badges.latency_badge("7d", ms) == Badge("p95 7d", message, colour)


def test_escape_makes_user_text_safe_in_xml() -> None:
    assert badges.escape("a<b&c\"d'e>") == "a&lt;b&amp;c&quot;d&#x27;e&gt;"
    assert badges.escape("bell\x07 and nul\x00") == "bell and nul"


@given(st.text(max_size=100), st.text(max_size=30))
def test_any_label_makes_an_svg_that_parses_and_says_it(label: str, message: str) -> None:
    svg = ET.fromstring(Badge(label, message, "red").svg())
    clean = badges._NOT_XML.sub("", f"{label}: {message}")
    # XML parsers normalise line ends, as they would in any reader of the badge
    title = clean.replace("\r\n", "\n").replace("\r", "\n")
    assert svg.tag == f"{SVG}svg" and svg.findtext(f"{SVG}title") == title
    assert int(svg.attrib["width"]) >= 40


def test_svg_parts_fit_their_text_and_take_the_colour() -> None:
    short, long = Badge("a", "up", "green").svg(), Badge("a much longer label", "up", "green").svg()
    width = [int(ET.fromstring(s).attrib["width"]) for s in (short, long)]
    assert width[0] < width[1]
    assert 'fill="#97ca00"' in short
    assert 'fill="#9f9f9f"' in Badge("a", "b", "no such colour").svg()
    assert badges.text_width("mmm") > badges.text_width("iii")


def test_shields_endpoint_shape() -> None:
    assert Badge("api", "up", "green").shields() == {
        "schemaVersion": 1,
        "label": "api",
        "message": "up",
        "color": "green",
    }


@pytest.mark.parametrize(
    ("start", "end", "resolution", "count"),
    [
        (T0, T0 + timedelta(hours=24), "hour", 24),
        (T0 + timedelta(minutes=30), T0 + timedelta(hours=24), "hour", 24),
        (T0 + timedelta(minutes=30), T0 + timedelta(hours=24, minutes=1), "hour", 25),
        (T0, T0 + timedelta(days=3), "minute", 4320),
        (T0, T0 + timedelta(days=3), "day", 4),  # 10:00 on the 1st to 10:00 on the 4th
        (T0, T0, "minute", 0),
    ],
)
def test_bucket_count(start: datetime, end: datetime, resolution: str, count: int) -> None:
    assert stats.bucket_count(start, end, resolution) == count


def test_covered_widens_edges_to_minutes_as_cover_does() -> None:
    start, end = T0 + timedelta(seconds=17), T0 + timedelta(hours=2, seconds=5)
    assert stats.covered(start, end) == (T0, T0 + timedelta(hours=2, minutes=1))
    assert stats.covered(T0, T0 + timedelta(hours=1)) == (T0, T0 + timedelta(hours=1))


def test_instants_are_utc_and_within_arithmetic_range() -> None:
    adapter = TypeAdapter(Instant)
    assert adapter.validate_python("2026-12-01T10:00:00") == T0
    assert adapter.validate_python("2026-12-01T12:00:00+02:00") == T0
    east = datetime(2026, 12, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    assert adapter.validate_python(east).tzinfo == UTC
    for far in ("9999-12-31T23:59:59", "0001-01-01T00:00:00+05:00", "1969-12-31T23:59:59Z"):
        with pytest.raises(ValidationError):
            adapter.validate_python(far)
