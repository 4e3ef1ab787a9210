"""The native suite format, as pydantic models.

A suite has ``targets`` (each with a ``type`` whose family validates the rest), ``groups`` of
steps in ``before`` / ``test`` / ``after`` phases, ``variables`` and ``include``. A step is a
mapping with exactly one check-kind key (``s3.PutObject: {...}``) plus step options.
"""

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from assay.core.errors import Location
from assay.core.registry import suggest

PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]


def http_url(value: str, what: str) -> str:
    """``value`` if it is an http(s) URL with a host; a ValueError naming ``what`` otherwise."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{what} must be an http:// or https:// URL with a host, got {value!r}")
    return value


class StrictModel(BaseModel):
    """Rejects unknown keys with a suggestion of the closest valid one."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=False)

    @model_validator(mode="before")
    @classmethod
    def _unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            valid = cls.valid_keys()
            for key in data:
                if key not in valid:
                    raise PydanticCustomError(
                        "unknown_key",
                        "unknown key '{key}'{hint}; valid keys: {valid}",
                        {"key": key, "hint": suggest(str(key), valid), "valid": ", ".join(valid)},
                    )
        return data

    @classmethod
    def valid_keys(cls) -> list[str]:
        keys = []
        for name, info in cls.model_fields.items():
            keys.append(info.alias or name)
        return keys


class RetrySettings(StrictModel):
    """Retries of transient errors (throttling, 5xx, connection resets) only."""

    max_attempts: int = Field(3, ge=1, le=20, description="Attempts in all, first included.")
    base_delay: float = Field(0.1, ge=0, description="First backoff in seconds; doubles each time.")
    max_delay: float = Field(5.0, ge=0, description="Upper bound of one backoff, in seconds.")
    jitter: bool = Field(True, description="Randomise each backoff (full jitter).")


class CredentialSet(StrictModel):
    """One named set of keys. Use ${ENV} references rather than literal secrets."""

    access_key: str = Field(min_length=1)
    secret_key: SecretStr
    session_token: SecretStr | None = None
    endpoint: str | None = Field(None, description="Endpoint for this credential only.")
    region: str | None = Field(None, description="Region for this credential only.")


class TargetBase(StrictModel):
    """Settings every target type shares; a family's model extends it."""

    type: str
    timeout: PositiveFloat = Field(30.0, description="Per-request timeout in seconds.")
    retries: RetrySettings = Field(default_factory=lambda: RetrySettings())
    credentials: dict[str, CredentialSet] = Field(default_factory=dict)
    default_credential: str | None = Field(
        None, description="Credential used when a group or step names none (default: the first)."
    )

    @model_validator(mode="after")
    def _default_credential_known(self) -> TargetBase:
        if self.default_credential and self.default_credential not in self.credentials:
            raise PydanticCustomError(
                "unknown_credential",
                "default_credential '{name}' is not a credential of this target{hint}",
                {
                    "name": self.default_credential,
                    "hint": suggest(self.default_credential, list(self.credentials)),
                },
            )
        return self

    def credential_for(self, name: str | None) -> str | None:
        if name:
            return name
        return self.default_credential or next(iter(self.credentials), None)


def has_reference(value: Any) -> bool:
    """Whether a string in ``value`` (keys included, models walked) still holds ``${``."""
    if isinstance(value, str):
        return "${" in value
    if isinstance(value, BaseModel):  # unset fields hold their defaults: no references
        return any(has_reference(getattr(value, name)) for name in value.model_fields_set)
    if isinstance(value, dict):
        return any(has_reference(k) or has_reference(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_reference(v) for v in value)
    return False


class BodyExpectation(StrictModel):
    @field_validator("sha256", "md5", mode="before")
    @classmethod
    def _digits_are_text(cls, value: Any) -> Any:
        # YAML reads an unquoted all-digit digest as an integer
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    equals: str | None = Field(None, description="The body, exactly (UTF-8).")
    contains: str | None = Field(None, description="A substring of the body (UTF-8).")
    sha256: str | None = Field(None, description="Hex SHA-256 of the body.")
    md5: str | None = Field(None, description="Hex MD5 of the body.")
    size: int | None = Field(None, ge=0, description="Body length in bytes.")
    file: str | None = Field(None, description="file:// path whose content the body must equal.")


class Expectation(StrictModel):
    """What must hold for a step to pass. With nothing given, the call must succeed."""

    success: bool | None = Field(None, description="Whether the call must succeed.")
    error: str | list[str] | None = Field(
        None, description="Expected error code(s), e.g. AccessDenied or [NoSuchKey, NoSuchBucket]."
    )
    status: int | list[int] | None = Field(None, description="Expected HTTP status(es).")
    fields: dict[str, Any] = Field(
        default_factory=dict,
        description="JMESPath -> value, or -> {regex, contains, equals, exists, length}.",
    )
    contains: Any = Field(
        None, description="A subset the response must contain; strings are regular expressions."
    )
    body: BodyExpectation | None = None
    conditions: list[str] = Field(
        default_factory=list,
        description="Condition-language checks, e.g. '[STATUS] == 200', '[BODY].status == ok', "
        "'[RESPONSE_TIME] < 300', '[CERTIFICATE_EXPIRATION] > 168h'.",
    )

    @property
    def expects_error(self) -> bool:
        """An error code or ``success: false`` was asked for."""
        return self.error is not None or self.success is False

    @property
    def status_decides(self) -> bool:
        """Only statuses or conditions were given: they alone decide (404 for S3, 302 for
        HTTP, '[CONNECTED] == false' for a port that must be closed)."""
        return (
            self.success is None
            and self.error is None
            and (self.status is not None or bool(self.conditions))
        )

    def error_codes(self) -> list[str]:
        if self.error is None:
            return []
        return [self.error] if isinstance(self.error, str) else list(self.error)

    def statuses(self) -> list[int]:
        if self.status is None:
            return []
        return [self.status] if isinstance(self.status, int) else list(self.status)


STEP_OPTIONS = ("name", "as", "target", "expect", "outputs", "timeout", "debug", "retries")


class Step(StrictModel):
    """One call of a check kind."""

    kind: str
    params: dict[str, Any] = Field(default_factory=dict)
    name: str | None = None
    as_: str | None = Field(None, alias="as", description="Credential set for this step.")
    target: str | None = None
    expect: Expectation = Field(default_factory=lambda: Expectation())
    outputs: dict[str, str] = Field(
        default_factory=dict,
        description="name: path; path is parameters.X, response.X or a JMESPath into the response.",
    )
    timeout: PositiveFloat | None = None
    retries: int | None = Field(None, ge=1, le=20, description="Attempts in all for this step.")
    debug: bool = False
    location: Location | None = Field(None, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _split_kind(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "kind" in data:
            return data
        kinds = [k for k in data if k not in STEP_OPTIONS]
        if not kinds:
            raise PydanticCustomError(
                "no_kind",
                "a step needs a check kind, e.g. 's3.PutObject: {{Bucket: b, Key: k}}'",
            )
        if len(kinds) > 1:
            raise PydanticCustomError(
                "many_kinds",
                "a step runs one check kind, found {kinds}; step options are: {options}",
                {"kinds": ", ".join(map(str, kinds)), "options": ", ".join(STEP_OPTIONS)},
            )
        out = {k: v for k, v in data.items() if k != kinds[0]}
        params = data[kinds[0]]
        out["kind"] = kinds[0]
        out["params"] = {} if params is None else params
        return out

    @classmethod
    def valid_keys(cls) -> list[str]:
        return ["kind", "params", *STEP_OPTIONS]

    @field_validator("params", mode="before")
    @classmethod
    def _params_mapping(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            raise PydanticCustomError(
                "params_mapping", "parameters must be a mapping of names to values"
            )
        return value

    @property
    def label(self) -> str:
        return self.name or self.kind

    @cached_property
    def params_have_refs(self) -> bool:
        """Whether the parameters refer to step outputs (resolved when the step runs)."""
        return has_reference(self.params)

    @cached_property
    def has_output_refs(self) -> bool:
        """Whether the expectation refers to step outputs (resolved when the step runs)."""
        return has_reference(self.expect)


class Group(StrictModel):
    """Named steps in three phases; ``after`` always runs."""

    name: str = Field(min_length=1)
    target: str | None = Field(None, description="Target name (default: the suite's only one).")
    as_: str | None = Field(None, alias="as", description="Credential set for the group's steps.")
    parallel: bool = Field(False, description="Run the test phase's steps concurrently.")
    timeout: PositiveFloat | None = Field(None, description="Default step timeout, seconds.")
    before: list[Step] = Field(default_factory=list)
    test: list[Step] = Field(default_factory=list)
    after: list[Step] = Field(default_factory=list)

    def phases(self) -> list[tuple[str, list[Step]]]:
        return [("before", self.before), ("test", self.test), ("after", self.after)]


class Suite(StrictModel):
    """A validated suite. ``targets`` holds each target's family-validated settings."""

    version: Literal[1] = 1
    include: list[str] = Field(default_factory=list, description="Other suite files, merged in.")
    variables: dict[str, str | int | float | bool] = Field(default_factory=dict)
    parallel: bool | Annotated[int, Field(ge=1, le=256)] = Field(
        False, description="Run groups concurrently (true or a limit from 1 to 256)."
    )
    targets: dict[str, Any] = Field(default_factory=dict)
    groups: list[Group] = Field(default_factory=list)
    path: str = Field("", exclude=True)

    @field_validator("targets")
    @classmethod
    def _target_mappings(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name, settings in value.items():
            if not isinstance(settings, dict | BaseModel):
                raise PydanticCustomError(
                    "target_mapping",
                    "target '{name}' must be a mapping with a 'type'",
                    {"name": name},
                )
        return value

    def steps(self) -> list[tuple[Group, str, int, Step]]:
        out = []
        for group in self.groups:
            for phase, steps in group.phases():
                out += [(group, phase, i, step) for i, step in enumerate(steps, 1)]
        return out
