"""The ``db`` target type: a PostgreSQL server by URL, its password masked everywhere.

The password may sit in the URL (``postgresql://app:${DB_PASSWORD}@db:5432/app``) or, when
it holds characters a URL would need escaped, in ``password`` (``${file:/run/secrets/pg}``).
Either is registered as a secret while the suite loads, and no message built here ever
echoes the URL: a bad one is described, not shown.
"""

from __future__ import annotations

import re
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict
from pydantic import Field, SecretStr, field_validator

from assay.checks.db.errors import from_connect_error
from assay.checks.target_type import FamilyTargetType
from assay.config.models import TargetBase
from assay.core.errors import TargetUnreachable
from assay.core.secrets import MASK, redact
from assay.core.secrets import register as register_secret

SCHEMES = ("postgresql", "postgres")
_QUERY_PASSWORD = re.compile(r"(?i)([?&]password=)[^&]*")


def _without(text: str, secret: str | None) -> str:
    """``text`` with ``secret`` masked, however short (the registry ignores short ones)."""
    return redact(text.replace(secret, MASK) if secret else text)


def masked(url: str) -> str:
    """The URL with any password in it replaced by the mask: safe to show."""
    parts = urlsplit(url)
    if parts.password is not None:  # rebuilt only then: geturl() drops an empty host's //
        user, _, host = parts.netloc.rpartition("@")
        url = parts._replace(netloc=f"{user.split(':', 1)[0]}:{MASK}@{host}").geturl()
    return _QUERY_PASSWORD.sub(rf"\g<1>{MASK}", url)


def connection_params(url: str) -> dict[str, Any]:
    """libpq's parameters of a ``postgresql://`` URL; ``ValueError`` (never echoing it)."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise ValueError(
            f"url must be a postgresql:// URL (PostgreSQL is the database supported), "
            f"not {parts.scheme or 'one without a scheme'}"
        )
    password = unquote(parts.password) if parts.password else None
    register_secret(parts.password, password)
    try:
        params = conninfo_to_dict(url)
    except psycopg.Error as exc:
        reason = _without(str(exc).strip(), password)
        raise ValueError(f"url is not a valid PostgreSQL URL: {reason}") from None
    if params.get("password"):  # ?password=... in the query
        register_secret(str(params["password"]))
    return params


class DbSettings(TargetBase):
    """A PostgreSQL server to connect to; each step opens (and closes) its own connection."""

    type: Literal["db"] = "db"
    url: str = Field(
        description="postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=require...]"
    )
    password: SecretStr | None = Field(
        None, description="The password, when not in the URL: ${DB_PASSWORD}, ${file:/path}."
    )

    @field_validator("url")
    @classmethod
    def _postgres_url(cls, value: str) -> str:
        connection_params(value)
        return value


class DbTarget:
    """An opened ``db`` target: its connection parameters, the password included."""

    def __init__(self, name: str, settings: DbSettings, concurrency: int = 1) -> None:
        self.name = name
        self.settings = settings
        self.params = connection_params(settings.url)
        if settings.password is not None and settings.password.get_secret_value():
            # an empty one (``${DB_PASSWORD:-}`` unset) gives none: the URL's, if any, stays
            self.params["password"] = settings.password.get_secret_value()

    @property
    def where(self) -> str:
        """``host:port/database``, as messages name the server."""
        host = self.params.get("host") or "localhost"
        return f"{host}:{self.params.get('port') or 5432}/{self.params.get('dbname') or ''}"

    def connect(self, timeout: float) -> psycopg.Connection[Any]:
        """A new connection (never pooled: each step proves the server takes one)."""
        params = {"application_name": "assay", **self.params}
        params["connect_timeout"] = max(1, round(timeout))  # the target's, over the URL's
        return psycopg.connect(**params, autocommit=True)

    def secret(self) -> str | None:
        """The password, for the last line of masking."""
        value = self.params.get("password")
        return str(value) if value else None

    def credential_names(self) -> list[str]:
        return []

    def describe(self) -> dict[str, Any]:
        return {"type": "db", "url": masked(self.settings.url)}

    def close(self) -> None:
        return None


class DbTargetType(FamilyTargetType[DbSettings, DbTarget]):
    name = "db"
    noun = "a db target"
    settings_model = DbSettings
    target_class = DbTarget

    def probe(self, target: Any) -> None:
        """Connect once (``validate --strict``): any answer, a refusal of the password too,
        means reachable."""
        try:
            target.connect(target.settings.timeout).close()
        except psycopg.Error as exc:
            obs = from_connect_error(exc, target.where, target.secret())
            if obs.unreachable:
                raise TargetUnreachable(f"target '{target.name}': {obs.message}") from None
