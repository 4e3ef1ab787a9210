"""The server's settings: flags, then ``ASSAY_*`` environment variables, then a settings file.

``Settings`` is composed of sections: the shared base's (``ServerSettings``, here) and one
per feature that has settings (``server/<feature>/settings.py``).

Secrets (the database URL, which may hold a password) also come from ``ASSAY_<NAME>_FILE``,
a file holding the value (Docker and Kubernetes secrets), and are registered with
``core.secrets`` so that no log line shows them.
"""

from __future__ import annotations

import os
import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

import yaml
from limits import parse
from limits.errors import ConfigurationError
from limits.storage import storage_from_string
from pydantic import (
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import make_url

from assay.config.models import http_url
from assay.core import secrets
from assay.core.errors import UsageError
from assay.core.registry import suggest
from assay.server.feedback.settings import FeedbackSettings
from assay.server.health.settings import HealthSettings
from assay.server.integrations.settings import IntegrationsSettings
from assay.server.monitors.settings import MonitorsSettings
from assay.server.sessions.settings import SessionsSettings
from assay.server.tokens.settings import TokensSettings

ENV_PREFIX = "ASSAY_"
CONFIG_ENV = "ASSAY_CONFIG"
_config_file: ContextVar[Path | None] = ContextVar("assay_server_config_file", default=None)


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/assay``, or ``~/.local/share/assay``: works on a fresh machine."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "assay"


class ServerSettings(BaseModel):
    """The shared base's section: listening, workers, database, limits, logs, jobs."""

    host: str = Field("127.0.0.1", description="Address to listen on.")
    port: int = Field(8787, ge=0, le=65535, description="TCP port (0: any free port).")
    workers: int = Field(1, ge=1, le=64, description="Worker processes.")
    threads: int = Field(8, ge=1, le=256, description="Threads per worker for database work.")
    data_dir: Path = Field(default_factory=default_data_dir, description="Where SQLite lives.")
    database_url: SecretStr | None = Field(
        None, description="SQLAlchemy URL; default: SQLite file data_dir/assay.db."
    )
    max_request_bytes: int = Field(10 * 1024 * 1024, ge=1024, description="Largest body (413).")
    rate_limit: str = Field("1200/minute", description="Per token, e.g. 100/second; '' = off.")
    rate_limit_storage: str = Field("memory://", description="limits storage URI (redis://…).")
    cors_origins: list[str] = Field(default_factory=list, description="Allowed CORS origins.")
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    migrate_on_start: bool = Field(True, description="Apply migrations when the app starts.")
    jobs_enabled: bool = Field(True, description="Run background jobs.")
    job_threads: int = Field(
        4, ge=1, le=64, description="Background jobs run at once per worker (checks, deliveries)."
    )
    heartbeat_interval: float = Field(30.0, gt=0, description="Seconds between heartbeats.")
    housekeeping_interval: float = Field(600.0, gt=0, description="Seconds between cleanups.")
    docs: bool = Field(True, description="Serve /docs and /openapi.json.")
    public_url: str | None = Field(
        None, description="This server's URL as users reach it (links in GitHub issues)."
    )

    @field_validator("rate_limit")
    @classmethod
    def _valid_rate_limit(cls, value: str) -> str:
        if value.strip():
            try:
                parse(value)
            except ValueError:
                raise ValueError(
                    f"'{value}' is not a rate such as '100/second' or '1200/minute'"
                ) from None
        return value.strip()

    @field_validator("rate_limit_storage")
    @classmethod
    def _valid_storage(cls, value: str) -> str:
        try:
            storage_from_string(value)
        except ConfigurationError as exc:
            raise ValueError(f"'{value}' cannot be used: {exc}") from None
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        return http_url(value, str(info.field_name)).rstrip("/") if value is not None else None

    @property
    def effective_database_url(self) -> str:
        """The database URL to use, with the SQLite default filled in."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{self.data_dir / 'assay.db'}"


class Settings(
    MonitorsSettings,
    FeedbackSettings,
    IntegrationsSettings,
    SessionsSettings,
    TokensSettings,
    HealthSettings,
    ServerSettings,
    BaseSettings,
):
    """Everything ``assay serve`` can be told; each field is also ``ASSAY_<FIELD>``.

    The base's section and one per feature (``server/<feature>/settings.py``), flat: a
    feature's settings are named after it (``integration_interval``, ``feedback_*``).
    """

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            SecretFileSource(settings_cls),
            FileSource(settings_cls),
        )


def secret_fields(settings_cls: type[BaseModel]) -> list[str]:
    """The settings that hold secrets (``SecretStr``): read from ``ASSAY_<NAME>_FILE`` too,
    and registered with ``core.secrets``."""
    return [
        name
        for name, field in settings_cls.model_fields.items()
        if "SecretStr" in str(field.annotation)
    ]


class SecretFileSource(PydanticBaseSettingsSource):
    """``ASSAY_DATABASE_URL_FILE=/run/secrets/db``: the secret is the file's content."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in secret_fields(self.settings_cls):
            var = f"{ENV_PREFIX}{name.upper()}_FILE"
            path = os.environ.get(var)
            if not path:
                continue
            try:
                values[name] = Path(path).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise UsageError(f"{var}: cannot read {path}: {exc.strerror}") from None
        return values


class FileSource(PydanticBaseSettingsSource):
    """A TOML or YAML settings file (``--config`` or ``ASSAY_CONFIG``); keys are field names."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = _config_file.get() or (Path(p) if (p := os.environ.get(CONFIG_ENV)) else None)
        if path is None:
            return {}
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"settings file {path}: {exc.strerror}") from None
        try:
            data = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
        except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
            raise UsageError(f"settings file {path} is not valid: {exc}") from None
        data = data or {}
        if not isinstance(data, dict):
            raise UsageError(f"settings file {path} must be a mapping of setting: value")
        known = set(self.settings_cls.model_fields)
        for key in data:
            if key not in known:
                raise UsageError(
                    f"settings file {path}: unknown setting '{key}'{suggest(str(key), known)}"
                )
        return data


def load_settings(config_file: Path | None = None, **flags: Any) -> Settings:
    """Settings from flags (``None`` = not given), environment and file; clear errors."""
    token = _config_file.set(config_file)
    try:
        settings = Settings(**{k: v for k, v in flags.items() if v is not None})
    except ValidationError as exc:
        raise UsageError(_describe(exc)) from None
    finally:
        _config_file.reset(token)
    register_secrets(settings)
    return settings


def register_secrets(settings: Settings) -> None:
    """Mask every secret setting (the database URL's password, tokens) wherever logs or
    errors could show them."""
    for name in secret_fields(type(settings)):
        value = getattr(settings, name)
        if isinstance(value, SecretStr) and name != "database_url":
            secrets.register(value.get_secret_value())
    try:
        url = make_url(settings.effective_database_url)
    except Exception:
        secrets.register(settings.effective_database_url)
        return
    secrets.register(url.password if isinstance(url.password, str) else None)


def _describe(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "settings"
        env = f"{ENV_PREFIX}{str(err['loc'][0]).upper()}" if err["loc"] else ""
        msg = str(err["msg"]).replace("Value error, ", "")
        if not err["loc"]:  # a check of several settings together says what it is about
            lines.append(msg)
            continue
        if err["type"] == "extra_forbidden":
            msg = f"unknown setting{suggest(field, list(Settings.model_fields))}"
        lines.append(f"{field} (--{field.replace('_', '-')} or {env}): {msg}")
    return "invalid server settings: " + "; ".join(lines)
