"""Durations as people write them: ``30s``, ``5m``, ``1h30m``, ``2d``, ``250ms``, or a number
of seconds. Used by monitors, maintenance windows and the CLI's ``--for``."""

from __future__ import annotations

import re

_WHOLE = re.compile(r"(?:[0-9]+(?:\.[0-9]+)?(?:ms|[smhdw]))+")
_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|[smhdw])")
_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}


def parse_duration(value: object) -> float:
    """Seconds in ``value`` (a number, or text such as ``1h30m``); ``ValueError`` else."""
    if isinstance(value, bool):
        raise ValueError(f"expected a duration such as 30s, 5m or 1h, not {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = str(value).strip().lower().replace(" ", "")
        try:
            seconds = float(text)
        except ValueError:
            if not _WHOLE.fullmatch(text):
                raise ValueError(
                    f"expected a duration such as 30s, 5m, 1h30m or 2d, not '{value}'"
                ) from None
            seconds = sum(float(n) * _SECONDS[unit] for n, unit in _PART.findall(text))
    if seconds < 0 or seconds != seconds or seconds == float("inf"):
        raise ValueError(f"a duration must be a finite number of seconds >= 0, not {value!r}")
    return seconds


def format_duration(seconds: float) -> str:
    """``5400`` as ``1h30m``: the shortest way ``parse_duration`` reads back."""
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    whole, out = int(seconds), []
    for unit, size in (("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)):
        if whole >= size:
            out.append(f"{whole // size}{unit}")
            whole %= size
    return "".join(out) or "0s"
