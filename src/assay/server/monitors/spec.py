"""What a monitor is, as written in a monitors file or sent to ``/api/v1/monitors``.

    name: api                      # its id in URLs
    interval: 30s                  # how often it runs; jitter spreads the runs
    timeout: 10s                   # each run's limit (a hanging target never holds others)
    labels: {team: web}
    target: {type: http, base_url: "https://api.example.com"}     # one step ...
    check: {http.request: {path: /health}, expect: {conditions: ["[STATUS] == 200"]}}
    degraded: ["[RESPONSE_TIME] < 300"]                           # failing only these
    # ... or a whole suite: `suite: {targets: ..., groups: ...}` (or a file path, in files)
    thresholds: {failures: 3, successes: 2, window: {failures: 5, within: 10m}}
    alerts: [{on: [down, recovered], notify: [ops], remind_every: 30m}]

The models check the shape and fill defaults; ``build.py`` turns a spec into a runnable
suite with the suite loader, so a check's parameters get the same errors as in suites.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from assay.core.durations import parse_duration
from assay.core.identifiers import LABEL_KEY, MAX_LABEL_VALUE
from assay.server.monitors.alerts import Event

NAME = r"^[a-z0-9][a-z0-9._-]{0,99}$"
NAME_RE = re.compile(NAME)
MIN_INTERVAL = 0.1
MAX_INTERVAL = 7 * 86_400.0


def _seconds(value: object) -> float:
    return parse_duration(value)


Seconds = Annotated[float, BeforeValidator(_seconds)]
Label = Annotated[str, Field(max_length=MAX_LABEL_VALUE)]
Labels = Annotated[dict[Annotated[str, Field(pattern=LABEL_KEY)], Label], Field(max_length=50)]
Names = Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]], Field(max_length=20)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Window(Strict):
    """X failures in the last Y runs, or within a time."""

    failures: int = Field(ge=1)
    runs: int | None = Field(None, ge=1, le=100)
    within: Seconds | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _one(self) -> Self:
        if self.runs is None and self.within is None:
            raise ValueError("a window needs 'runs' or 'within'")
        return self


class Flapping(Strict):
    changes: int = Field(ge=2)
    within: Seconds = Field(3600.0, gt=0)


class Thresholds(Strict):
    failures: int = Field(1, ge=1, le=100, description="DOWN after this many failed runs in a row.")
    successes: int = Field(1, ge=1, le=100, description="Back after this many good runs in a row.")
    window: Window | None = None
    flapping: Flapping | None = None


class Escalation(Strict):
    after: Seconds = Field(gt=0)
    notify: Names = Field(min_length=1)


class AlertRule(Strict):
    on: list[Event] = Field(default_factory=lambda: [Event.DOWN, Event.RECOVERED])
    notify: Names = Field(min_length=1)
    remind_every: Seconds | None = Field(None, gt=0)
    escalate: Escalation | None = None


class MonitorSpec(Strict):
    """One monitor; exactly one of ``check`` (with ``target``) and ``suite``."""

    name: Annotated[str, Field(pattern=NAME, description="The id in URLs: a-z, 0-9, . _ -")]
    description: str = Field("", max_length=2000)
    interval: Seconds = Field(60.0, ge=MIN_INTERVAL, le=MAX_INTERVAL)
    jitter: Seconds = Field(0.0, ge=0)
    timeout: Seconds = Field(30.0, gt=0, le=3600)
    labels: Labels = Field(default_factory=dict)
    regions: Names = Field(default_factory=lambda: ["local"])
    paused: bool = False
    target: dict[str, Any] | None = None
    check: dict[str, Any] | None = None
    suite: str | dict[str, Any] | None = None
    degraded: list[Annotated[str, Field(max_length=2000)]] = Field(default_factory=list)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    alerts: list[AlertRule] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _one_shape(self) -> Self:
        if self.suite is None and (self.check is None or self.target is None):
            raise ValueError("give 'target' and 'check' (one step), or 'suite'")
        if self.suite is not None and (self.check is not None or self.target is not None):
            raise ValueError("give either 'suite' or 'target' with 'check', not both")
        if self.degraded and self.suite is not None:
            raise ValueError("'degraded' goes with 'check'; in a suite, use the steps' own")
        if self.jitter >= self.interval:
            raise ValueError("'jitter' must be shorter than 'interval'")
        return self

    def canonical(self) -> dict[str, Any]:
        """The spec as export writes it: what was given, defaults left out."""
        return self.model_dump(mode="json", exclude_defaults=True) | {"name": self.name}


def _unique(values: list[MonitorSpec]) -> list[MonitorSpec]:
    seen: set[str] = set()
    for spec in values:
        if spec.name in seen:
            raise ValueError(f"two monitors are named '{spec.name}'")
        seen.add(spec.name)
    return values


Specs = Annotated[list[MonitorSpec], AfterValidator(_unique)]
