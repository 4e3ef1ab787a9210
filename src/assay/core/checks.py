"""The extension points: target types and check kinds, and their registries.

A check family (``assay.checks.<family>``) registers one ``TargetType`` and any number of
``CheckKind``s. The engine only ever talks to these protocols.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel

from assay.core.registry import Registry


@dataclass(frozen=True)
class ParamProblem:
    """A load-time problem in a step's parameters; ``path`` is relative to the params."""

    path: tuple[str | int, ...]
    message: str


@dataclass
class Observation:
    """What a check saw. The engine compares it with the step's expectation.

    ``transient`` marks an outcome worth retrying (throttling, 5xx, connection reset) when the
    expectation did not ask for it. ``data`` is what ``outputs`` paths and field expectations
    are evaluated against (JSON-like).
    """

    success: bool
    error_code: str | None = None
    http_status: int | None = None
    message: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    body: bytes | None = None
    body_digest: dict[str, Any] | None = None
    transient: bool = False
    unreachable: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    # placeholders for the condition language: STATUS, RESPONSE_TIME, BODY, HEADER, ...
    context: dict[str, Any] = field(default_factory=dict)


@dataclass
class CheckCall:
    """Everything a check needs to run once."""

    target: Target
    credential: str
    params: dict[str, Any]
    timeout: float
    debug: bool = False
    # True when params are exactly what the loader validated (no step outputs filled in),
    # so a check need not validate them again
    validated: bool = False
    # address patterns approved for this run (``assay run --approve``): destructive changes
    # that a gate (``terraform.plan``) would otherwise stop
    approvals: tuple[str, ...] = ()


class Target(Protocol):
    """An opened target (clients, embedded servers). Closed once at the end of the run."""

    name: str

    def credential_names(self) -> list[str]: ...

    def describe(self) -> dict[str, Any]: ...

    def close(self) -> None: ...


class TargetType(Protocol):
    """A kind of target (``s3``, ``http``…): its settings model and how to open one."""

    @property
    def name(self) -> str: ...

    @property
    def settings_model(self) -> type[BaseModel]: ...

    def open(self, name: str, settings: Any, concurrency: int) -> Target: ...

    def probe(self, target: Target) -> None:
        """Raise ``TargetUnreachable`` if the target cannot be reached (``validate --strict``)."""


class CheckKind(Protocol):
    """A registered, dotted check name with a parameter model."""

    @property
    def name(self) -> str: ...

    @property
    def family(self) -> str: ...

    @property
    def description(self) -> str: ...

    # a kind may also declare ``target_types: tuple[str, ...]`` when it runs against more
    # than its own family's targets (``tls.certificate`` on an ``http`` target)

    def validate(self, params: Mapping[str, Any]) -> list[ParamProblem]: ...

    def params_schema(self) -> dict[str, Any]: ...

    def run(self, call: CheckCall) -> Observation: ...


CHECKS: Registry[CheckKind] = Registry("check kind")
TARGETS: Registry[TargetType] = Registry("target type")
