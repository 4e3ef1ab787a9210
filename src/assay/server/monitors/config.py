"""The monitors file: providers to alert, monitors, maintenance windows; loaded at start.

    providers:                      # whom alerts go to, by name
      ops: {webhook: "https://hooks.internal/assay", secret: "${WEBHOOK_SECRET}"}
      chat: {apprise: "slack://${SLACK_TOKEN}/#ops"}
    monitors:
      - name: api
        interval: 30s
        target: {type: http, base_url: "https://api.internal"}
        check: {http.request: {path: /health}, expect: {conditions: ["[STATUS] == 200"]}}
        alerts: [{on: [down, recovered], notify: [ops, chat]}]
    maintenance:
      - {id: nightly, monitors: [api], cron: "0 2 * * *", duration: 30m, timezone: Europe/Berlin}

Secrets in providers are references (``${ENV}``, ``${file:/path}``), resolved when an alert
goes out; monitors' suites resolve theirs as suites do. Every problem names the file and
the field (``monitors[2].interval``).
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assay.config.source import load_yaml, locate
from assay.core.errors import Problem, SuiteError, UsageError
from assay.server.monitors.build import Monitor, build, rule_of
from assay.server.monitors.maintenance import Window, WindowError, cron_of
from assay.server.monitors.providers import AppriseUrl, Provider, Webhook
from assay.server.monitors.spec import NAME, AlertRule, Seconds, Specs

_REFERENCE = re.compile(r"\$\{\s*(file:[^}]+|[A-Za-z_][A-Za-z0-9_]*)\s*\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GitHubSpec(_Strict):
    severity: Literal["low", "medium", "high", "critical"] = "high"


class ProviderSpec(_Strict):
    """One provider: assay's signed webhook, any apprise URL, or a GitHub issue through the
    server's feedback delivery (its ``github_*`` settings)."""

    webhook: str | None = None
    secret: str | None = Field(None, description="HMAC key of the webhook's signature.")
    apprise: str | None = None
    github: GitHubSpec | None = None

    @model_validator(mode="after")
    def _one(self) -> Self:
        if sum(x is not None for x in (self.webhook, self.apprise, self.github)) != 1:
            raise ValueError("give one of 'webhook' (with 'secret'), 'apprise' or 'github'")
        if self.webhook is not None and not self.secret:
            raise ValueError("a webhook needs a 'secret' to sign its alerts")
        return self


class WindowSpec(_Strict):
    """A maintenance window: one-off (start, end) or recurring (cron, weekly or monthly)."""

    id: Annotated[str, Field(pattern=NAME)]
    reason: str = Field("", max_length=500)
    monitors: list[str] = Field(default_factory=list)
    selector: dict[str, str] = Field(default_factory=dict)
    start: datetime | None = None
    end: datetime | None = None
    cron: str | None = None
    weekly: str | None = Field(None, description="'sun 02:00'")
    monthly: str | None = Field(None, description="'1 02:00': a day of the month")
    duration: Seconds | None = None
    timezone: str = "UTC"

    def window(self) -> Window:
        cron = self.cron
        if self.weekly or self.monthly:
            cron = cron_of(self.weekly, self.monthly)
        duration = timedelta(seconds=self.duration) if self.duration else None
        return Window(
            self.id,
            self.reason,
            tuple(self.monitors),
            dict(self.selector),
            self.start,
            self.end,
            cron,
            duration,
            self.timezone,
        )


class SelectorRule(AlertRule):
    """An alert rule for every monitor whose labels hold ``selector`` (all: empty)."""

    selector: dict[str, str] = Field(default_factory=dict)


class MonitorsFile(_Strict):
    providers: dict[Annotated[str, Field(pattern=NAME)], ProviderSpec] = Field(default_factory=dict)
    monitors: Specs = Field(default_factory=list)
    maintenance: list[WindowSpec] = Field(default_factory=list)
    alerts: list[SelectorRule] = Field(default_factory=list, max_length=100)


def resolve(text: str) -> str:
    """``${ENV}`` and ``${file:/path}`` in a provider's URL or secret, from this server."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if name.startswith("file:"):
            path = Path(name[5:].strip())
            try:
                return path.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise UsageError(f"cannot read the secret file {path}: {exc.strerror}") from None
        found = os.environ.get(name)
        if found is None:
            raise UsageError(f"the environment variable {name} is not set on this server")
        return found

    return _REFERENCE.sub(value, text)


def provider(spec: ProviderSpec) -> Provider:
    """The provider, its references resolved now (``UsageError`` if one is missing)."""
    if spec.webhook is not None:
        return Webhook(resolve(spec.webhook), resolve(spec.secret or ""))
    return AppriseUrl(resolve(spec.apprise or ""))


class Loaded:
    """A validated monitors file: its specs built into monitors, its windows, and its
    alert rules by label selector (``rules``)."""

    def __init__(
        self, path: Path, data: MonitorsFile, monitors: list[Monitor], windows: list[Window]
    ) -> None:
        self.path = path
        self.data = data
        self.monitors = monitors
        self.windows = windows
        self.rules = tuple(rule_of(r, r.selector) for r in data.alerts)


def load(path: Path) -> Loaded:
    """Read and validate ``path``; every problem in one ``UsageError`` naming the file."""
    try:
        raw = _on_keys(load_yaml(path) or {})
    except SuiteError as exc:
        raise UsageError(f"monitors file {render_problems(exc)}") from None
    try:
        data = MonitorsFile.model_validate(raw)
    except ValidationError as exc:
        raise UsageError(f"monitors file {path}: {describe(exc, raw)}") from None
    problems: list[Problem] = []
    monitors = []
    for n, spec in enumerate(data.monitors):
        try:
            monitors.append(build(spec, path.parent, "file", f"monitors[{n}]"))
        except SuiteError as exc:
            problems += exc.problems
    ruled = [(f"monitors[{n}].alerts", r) for n, m in enumerate(data.monitors) for r in m.alerts]
    ruled += [(f"alerts[{n}]", r) for n, r in enumerate(data.alerts)]
    for where, rule in ruled:
        for name in [*rule.notify, *(rule.escalate.notify if rule.escalate else [])]:
            if name not in data.providers:
                problems.append(Problem(f"no provider named '{name}' in 'providers'", None, where))
    windows = []
    for n, window in enumerate(data.maintenance):
        try:
            windows.append(window.window())
        except (WindowError, ValueError) as exc:
            problems.append(Problem(str(exc), None, f"maintenance[{n}]"))
    if problems:
        raise UsageError(f"monitors file {path}: {render_problems(SuiteError(problems))}")
    return Loaded(path, data, monitors, windows)


def render_problems(exc: SuiteError | ValueError) -> str:
    """Problems as ``field.path: message`` clauses, in one line."""
    if isinstance(exc, ValidationError):
        return describe(exc)
    if not isinstance(exc, SuiteError):
        return str(exc)
    return "; ".join(f"{p.path}: {p.message}" if p.path else p.message for p in exc.problems)


def describe(exc: ValidationError, raw: Any = None) -> str:
    """pydantic's errors as ``field.path (line N): message`` clauses."""
    parts = []
    for err in exc.errors():
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
        message = str(err["msg"]).replace("Value error, ", "")
        if err["type"] == "extra_forbidden":
            message = "unknown key"
        found = locate(raw, tuple(err["loc"])) if raw is not None else None
        line = f" (line {found.line})" if found is not None and found.line else ""
        parts.append(f"{where.lstrip('.') or 'file'}{line}: {message}")
    return "; ".join(parts)


def _on_keys(data: Any) -> Any:
    """YAML 1.1 reads the key ``on`` (of an alert rule) as ``true``: read it as ``on``."""
    if isinstance(data, dict):
        for key in [k for k in data if k is True]:
            data["on"] = data.pop(key)
        for value in data.values():
            _on_keys(value)
    elif isinstance(data, list):
        for item in data:
            _on_keys(item)
    return data


def spec_errors(exc: ValidationError) -> list[dict[str, Any]]:
    """pydantic's errors as the API's details: field and message."""
    return [
        {"field": ".".join(str(p) for p in err["loc"]), "message": str(err["msg"])}
        for err in exc.errors()
    ]
