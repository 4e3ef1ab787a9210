"""Maintenance windows: when monitors are expected to fail, and nobody is told.

A window covers monitors by id and/or by a label selector (all given labels must match,
as Alertmanager's silences do) and is one-off (``start``..``end``) or recurring: a cron
expression (``cron: "0 2 * * 0"``) or the shorthands ``weekly: "sun 02:00"`` and
``monthly: "1 02:00"`` (the day of the month), each lasting ``duration`` from every time it
fires, in ``timezone`` (an IANA name; daylight saving time moves with it). Runs inside a
window are recorded but alert nobody and do not count against uptime.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadCronError, croniter

DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


class WindowError(ValueError):
    """A window that cannot be understood; the message names the field."""


def _clock(text: str, name: str) -> tuple[int, int]:
    hour, _, minute = text.partition(":")
    if not (hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60):
        raise WindowError(f"{name}: expected a time of day such as 02:00, not '{text}'")
    return int(hour), int(minute)


def cron_of(weekly: str | None = None, monthly: str | None = None) -> str:
    """The cron expression of ``weekly: "sun 02:00"`` or ``monthly: "1 02:00"``."""
    text, name = (weekly, "weekly") if weekly else (monthly or "", "monthly")
    day, _, at = text.strip().partition(" ")
    hour, minute = _clock(at.strip(), name)
    if name == "weekly":
        if day.lower()[:3] not in DAYS:
            raise WindowError(f"weekly: expected a day such as 'sun 02:00', not '{text}'")
        return f"{minute} {hour} * * {DAYS.index(day.lower()[:3])}"
    if not day.isdigit() or not 1 <= int(day) <= 31:
        raise WindowError(f"monthly: expected a day of the month such as '1 02:00', not '{text}'")
    return f"{minute} {hour} {int(day)} * *"


@dataclass(frozen=True)
class Window:
    """One maintenance window; ``active(at)`` says whether ``at`` falls inside it."""

    id: str
    reason: str = ""
    monitors: tuple[str, ...] = ()
    selector: Mapping[str, str] = field(default_factory=dict)
    start: datetime | None = None
    end: datetime | None = None
    cron: str | None = None
    duration: timedelta | None = None
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        if not self.monitors and not self.selector:
            raise WindowError("a window needs monitors, a label selector, or both")
        if self.cron is None:
            if self.start is None or self.end is None or self.end <= self.start:
                raise WindowError("a one-off window needs start and an end after it")
            return
        if self.duration is None or self.duration <= timedelta(0):
            raise WindowError("a recurring window needs a positive duration")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise WindowError(f"timezone: unknown time zone '{self.timezone}'") from None
        if not croniter.is_valid(self.cron):
            raise WindowError(f"cron: '{self.cron}' is not a cron expression")

    def covers(self, monitor: str, labels: Mapping[str, str]) -> bool:
        """Whether the window is about this monitor (by id, or all selector labels match)."""
        if monitor in self.monitors:
            return True
        return bool(self.selector) and all(labels.get(k) == v for k, v in self.selector.items())

    def active(self, at: datetime) -> bool:
        """Whether ``at`` (aware) is inside the window."""
        if self.cron is None:
            assert self.start is not None
            assert self.end is not None
            return self.start <= at < self.end
        assert self.duration is not None
        local = at.astimezone(ZoneInfo(self.timezone))
        try:
            fired = croniter(self.cron, local + timedelta(seconds=1)).get_prev(datetime)
        except CroniterBadCronError:  # pragma: no cover (validated in __post_init__)
            return False
        return bool(fired <= local < fired + self.duration)


def in_maintenance(
    windows: list[Window], monitor: str, labels: Mapping[str, str], at: datetime
) -> Window | None:
    """The first window that covers ``monitor`` and is active at ``at``, if any."""
    return next((w for w in windows if w.covers(monitor, labels) and w.active(at)), None)
