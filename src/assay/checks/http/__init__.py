"""The HTTP family: an ``http`` target (base URL, TLS, credentials) and ``http.request``."""

from __future__ import annotations

from assay.checks.http.contract import OpenApiContract
from assay.checks.http.request import HttpRequest
from assay.checks.http.response import HEADER
from assay.checks.http.target import HttpCredential, HttpSettings, HttpTarget, HttpTargetType
from assay.core.checks import CHECKS, TARGETS
from assay.core.placeholders import register as register_placeholder

TARGETS.register("http", HttpTargetType())
CHECKS.register("http.request", HttpRequest())
CHECKS.register("openapi.contract", OpenApiContract())
register_placeholder(HEADER)

__all__ = [
    "HttpCredential",
    "HttpRequest",
    "HttpSettings",
    "HttpTarget",
    "HttpTargetType",
    "OpenApiContract",
]
