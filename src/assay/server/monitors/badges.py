"""Badges: a monitor's state, uptime or p95 latency as a flat two-part SVG, or as the JSON a
Shields.io endpoint badge reads. Pure: what to say and in which colour, and the SVG.

Monitor names are user input and badges are embedded in other people's pages, so every
text is escaped (and characters XML cannot hold are dropped), and a badge says nothing but
the name, the state and the figures.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from typing import Any

# Shields.io's named colours, so the JSON and the SVG look alike
COLOURS = {
    "brightgreen": "#4c1",
    "green": "#97ca00",
    "yellowgreen": "#a4a61d",
    "yellow": "#dfb317",
    "orange": "#fe7d37",
    "red": "#e05d44",
    "blue": "#007ec6",
    "lightgrey": "#9f9f9f",
}
STATE_COLOURS = {"up": "green", "degraded": "yellow", "down": "red", "maintenance": "blue"}
UPTIME_COLOURS = ((0.999, "brightgreen"), (0.99, "green"), (0.95, "yellow"), (0.9, "orange"))
LATENCY_COLOURS = ((200.0, "brightgreen"), (500.0, "green"), (1000.0, "yellow"), (3000.0, "orange"))
NO_DATA = "no data"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0


def state_colour(state: str) -> str:
    """Up green, degraded yellow, down red, maintenance blue; paused and unknown grey."""
    return STATE_COLOURS.get(state, "lightgrey")


def uptime_colour(uptime: float | None) -> str:
    if uptime is None:
        return "lightgrey"
    return next((colour for least, colour in UPTIME_COLOURS if uptime >= least), "red")


def latency_colour(ms: float | None) -> str:
    if ms is None:
        return "lightgrey"
    return next((colour for most, colour in LATENCY_COLOURS if ms < most), "red")


def format_uptime(uptime: float | None) -> str:
    """Truncated, never rounded up: 99.996 % is not 100 % (that would hide a failure)."""
    if uptime is None:
        return NO_DATA
    if uptime >= 1:
        return "100%"
    return f"{math.floor(uptime * 10_000) / 100:.2f}%"


def format_ms(ms: float | None) -> str:
    if ms is None:
        return NO_DATA
    if ms >= 1000:
        return f"{ms / 1000:.2f} s"
    return f"{ms:.1f} ms" if ms < 10 else f"{ms:.0f} ms"


def escape(text: str) -> str:
    """Text safe inside an SVG element or attribute."""
    return html.escape(_NOT_XML.sub("", text), quote=True)


def text_width(text: str) -> int:
    """About how wide ``text`` is in 11 px Verdana: good enough to size the badge's parts."""
    narrow, wide = set("fijlrtI1.,:;|!'()[] "), set("mwMW@%")
    width = 0.0
    for char in text:
        if char in narrow:
            width += 4.0
        elif char in wide:
            width += 10.0
        elif char.isupper() or char.isdigit():
            width += 7.5
        else:
            width += 6.8
    return math.ceil(width)


SVG = """\
<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" \
aria-label="{label}: {message}">
<title>{label}: {message}</title>
<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>\
<stop offset="1" stop-opacity=".1"/></linearGradient>
<clipPath id="r"><rect width="{width}" height="20" rx="3" fill="#fff"/></clipPath>
<g clip-path="url(#r)"><rect width="{label_width}" height="20" fill="#555"/>\
<rect x="{label_width}" width="{message_width}" height="20" fill="{fill}"/>\
<rect width="{width}" height="20" fill="url(#s)"/></g>
<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" \
font-size="11">
<text x="{label_x}" y="15" fill="#010101" fill-opacity=".3">{label}</text>\
<text x="{label_x}" y="14">{label}</text>
<text x="{message_x}" y="15" fill="#010101" fill-opacity=".3">{message}</text>\
<text x="{message_x}" y="14">{message}</text>
</g>
</svg>
"""
PADDING = 10  # on each side of a part's text


@dataclass(frozen=True)
class Badge:
    """What a badge says: ``label`` on grey, ``message`` on ``color`` (a Shields name)."""

    label: str
    message: str
    color: str

    def shields(self) -> dict[str, Any]:
        """The body of a Shields.io endpoint badge (shields.io/badges/endpoint-badge)."""
        return {"schemaVersion": 1, "label": self.label, "message": self.message,
                "color": self.color}  # fmt: skip

    def svg(self) -> str:
        label_width = text_width(self.label) + 2 * PADDING
        message_width = text_width(self.message) + 2 * PADDING
        return SVG.format(
            width=label_width + message_width,
            label_width=label_width,
            message_width=message_width,
            label_x=label_width / 2,
            message_x=label_width + message_width / 2,
            fill=COLOURS.get(self.color, COLOURS["lightgrey"]),
            label=escape(self.label),
            message=escape(self.message),
        )


def status_badge(name: str, state: str) -> Badge:
    return Badge(name, state, state_colour(state))


def uptime_badge(window: str, uptime: float | None) -> Badge:
    return Badge(f"uptime {window}", format_uptime(uptime), uptime_colour(uptime))


def latency_badge(window: str, p95: float | None) -> Badge:
    return Badge(f"p95 {window}", format_ms(p95), latency_colour(p95))
