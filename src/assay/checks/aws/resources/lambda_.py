"""Lambda functions: configuration, code digest, environment, concurrency, tags."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from assay.checks.aws.resources import ResourceType, register
from assay.checks.aws.resources.base import Clients, Parts, missing, pages
from assay.core.secrets import register as register_secret

NOUN = "Lambda function"
# environment variables whose values are masked in every result and log
SECRET_NAME = re.compile(r"pass(word)?|secret|token|api[-_]?key|private", re.IGNORECASE)


def canonical(ident: str) -> str:
    """A function's name, from its name or ARN (``arn:aws:lambda:...:function:name[:alias]``)."""
    ident = ident.strip()
    if ident.startswith("arn:"):
        return ident.split(":")[6]
    return ident


def _mask_secrets(environment: dict[str, Any] | None) -> None:
    for key, value in ((environment or {}).get("Variables") or {}).items():
        if SECRET_NAME.search(key) and isinstance(value, str):
            register_secret(value)


def describe(clients: Clients, ident: str, deep: bool) -> dict[str, Any]:
    name = canonical(ident)
    lam = clients("lambda")
    with missing(NOUN, name, "ResourceNotFoundException"):
        found = lam.get_function(FunctionName=name)
    config = found.get("Configuration") or {}
    _mask_secrets(config.get("Environment"))
    parts = Parts("lambda")
    concurrency = parts.get(
        "ReservedConcurrency", lambda: lam.get_function_concurrency(FunctionName=name)
    )
    code = found.get("Code") or {}
    doc = {
        "Id": name,
        "Name": name,
        "Arn": config.get("FunctionArn"),
        **config,
        # the code's download URL is signed and expires: only where the code lives is kept
        "PackageType": config.get("PackageType", "Zip"),
        "ImageUri": code.get("ImageUri"),
        "ReservedConcurrency": (concurrency or {}).get("ReservedConcurrentExecutions"),
        "Tags": dict(found.get("Tags") or {}),
    }
    return parts.finish(doc)


def list_ids(clients: Clients) -> Iterator[str]:
    for function in pages(clients("lambda"), "list_functions", "Functions"):
        yield str(function["FunctionName"])


register(
    ResourceType(
        name="lambda.function",
        kind="aws.lambda_function",
        summary="a Lambda function: runtime, handler, role, memory, environment, tags",
        noun=NOUN,
        service="lambda",
        cloudformation="AWS::Lambda::Function",
        terraform="aws_lambda_function",
        describer=describe,
        list_ids=list_ids,
        canonical=canonical,
        volatile=(
            "LastModified",
            "RevisionId",
            "State",
            "StateReason",
            "StateReasonCode",
            "LastUpdateStatus",
            "LastUpdateStatusReason",
            "LastUpdateStatusReasonCode",
        ),
    )
)
