"""The ``http`` target type: settings, credentials, and one shared ``httpx.Client``."""

from __future__ import annotations

import http.cookiejar
import ssl
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

import certifi
import httpx
from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator

from assay.checks.http.timings import time_connections
from assay.checks.model_kind import TargetKind
from assay.checks.target_type import FamilyTargetType, unreachable
from assay.config.models import StrictModel, TargetBase, http_url
from assay.core.secrets import redact
from assay.core.secrets import register as register_secret

P = TypeVar("P", bound=BaseModel)

_BOOLEAN_TEXT = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}


def _header_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, int | float) else value


def _existing_file(value: str) -> str:
    """A local file path (``file://`` accepted, as the loader resolves it); it must exist."""
    path = value.removeprefix("file://")
    if not Path(path).is_file():
        raise ValueError(f"file not found: {path}")
    return path


class HttpCredential(StrictModel):
    """Basic auth (username/password) or a bearer token, optionally in a custom header."""

    username: str | None = Field(None, description="User name for HTTP basic auth.")
    password: SecretStr | None = Field(None, description="Password for HTTP basic auth.")
    token: SecretStr | None = Field(None, description="Bearer token (Authorization: Bearer …).")
    header: str | None = Field(
        None, min_length=1, description="Send the token in this header instead, as is."
    )

    @model_validator(mode="after")
    def _complete(self) -> HttpCredential:
        if self.username is None and self.token is None:
            raise ValueError("an http credential needs a 'username' (basic auth) or a 'token'")
        if self.password is not None and self.username is None:
            raise ValueError("'password' needs a 'username'")
        if self.header is not None and self.token is None:
            raise ValueError("'header' names where the 'token' goes; give a 'token' too")
        return self


class ClientCert(StrictModel):
    """A client certificate for mutual TLS (PEM files)."""

    cert: str = Field(description="PEM certificate (chain) file; may hold the key too.")
    key: str | None = Field(None, description="PEM private key file, when not in 'cert'.")

    @field_validator("cert", "key")
    @classmethod
    def _files(cls, value: str | None) -> str | None:
        return None if value is None else _existing_file(value)


class HttpSettings(TargetBase):
    """An HTTP(S) service addressed by a base URL."""

    type: Literal["http"] = "http"
    base_url: str = Field(description="http:// or https:// URL that step paths are relative to.")
    headers: dict[str, str] = Field(default_factory=dict, description="Sent with every request.")
    verify_tls: bool | str = Field(
        True, description="Verify TLS certificates: true, false, or a CA bundle file."
    )
    client_cert: ClientCert | None = Field(None, description="Client certificate for mutual TLS.")
    proxy: str | None = Field(None, description="Proxy URL for every request.")
    follow_redirects: bool = Field(True, description="Follow 3xx redirects (steps can override).")
    credentials: dict[str, HttpCredential] = Field(  # type: ignore[assignment]
        default_factory=dict, description="Named credentials; none is fine for open services."
    )

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        http_url(value, "base_url")
        if urlsplit(value).username is not None:
            raise ValueError("base_url must not carry a user name; use 'credentials'")
        return value

    @field_validator("proxy")
    @classmethod
    def _proxy(cls, value: str | None) -> str | None:
        if value is None:
            return None
        http_url(value, "proxy")
        register_secret(urlsplit(value).password)
        return value

    @field_validator("verify_tls", mode="before")
    @classmethod
    def _verify(cls, value: Any) -> Any:
        if isinstance(value, str):
            flag = _BOOLEAN_TEXT.get(value.strip().lower())
            return flag if flag is not None else _existing_file(value)
        return value

    @field_validator("headers", mode="before")
    @classmethod
    def _header_text(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: _header_value(v) for k, v in value.items()}
        return value

    @field_validator("headers")
    @classmethod
    def _secret_headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if name.lower() in ("authorization", "proxy-authorization"):
                register_secret(text.partition(" ")[2] or text)
        return value


def ssl_context(settings: HttpSettings) -> ssl.SSLContext:
    """The TLS context for ``verify_tls`` and ``client_cert`` (httpx's own defaults otherwise)."""
    if settings.verify_tls is False:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    else:
        bundle = certifi.where() if settings.verify_tls is True else settings.verify_tls
        ctx = ssl.create_default_context(cafile=bundle)
    if settings.client_cert is not None:
        ctx.load_cert_chain(settings.client_cert.cert, settings.client_cert.key)
    return ctx


def _no_cookies() -> http.cookiejar.CookieJar:
    """A jar that stores nothing: steps share state through outputs, not hidden cookies."""
    return http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))


class HttpTarget:
    """An opened ``http`` target: one thread-safe client shared by every step."""

    def __init__(self, name: str, settings: HttpSettings, concurrency: int) -> None:
        self.name = name
        self.settings = settings
        pool = max(10, concurrency * 2)  # abandoned calls may still hold a connection
        self.client = httpx.Client(
            base_url=settings.base_url,
            headers=settings.headers,
            verify=ssl_context(settings),
            proxy=settings.proxy,
            follow_redirects=settings.follow_redirects,
            timeout=settings.timeout,
            limits=httpx.Limits(max_connections=pool, max_keepalive_connections=pool),
            cookies=_no_cookies(),
        )
        time_connections(self.client)

    def credential(self, name: str) -> HttpCredential | None:
        return self.settings.credentials.get(name) if name else None

    def credential_names(self) -> list[str]:
        return list(self.settings.credentials)

    def describe(self) -> dict[str, Any]:
        proxy = self.settings.proxy
        return {
            "type": "http",
            "base_url": self.settings.base_url,
            "verify_tls": self.settings.verify_tls,
            "client_cert": self.settings.client_cert is not None,
            "proxy": redact(proxy) if proxy else None,
        }

    def close(self) -> None:
        self.client.close()


class HttpTargetType(FamilyTargetType[HttpSettings, HttpTarget]):
    name = "http"
    noun = "an http target"
    settings_model = HttpSettings
    target_class = HttpTarget

    def probe(self, target: Any) -> None:
        """GET the base URL; any answer, whatever its status, means reachable."""
        try:
            target.client.get("").close()
        except httpx.TransportError as exc:
            raise unreachable(
                f"target '{target.name}' at {target.settings.base_url}", exc
            ) from None


class HttpKind(TargetKind[P, HttpTarget]):
    """A check kind of the http family: its steps run on an ``http`` target."""

    family = "http"
    target_type = HttpTargetType
