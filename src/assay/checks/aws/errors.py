"""The one boundary where botocore's exceptions become assay observations.

Every botocore call of the s3, aws, stacks and terraform families ends here: an error code, an
HTTP status, whether it is worth a retry (throttling, 5xx, a dropped connection) and whether
the endpoint could not be reached at all. Parameter errors are assay's own
(``InvalidParameters``), and so is a missing credential (``NoCredentials``).

No other module imports botocore's exceptions or reads an error document: they catch
``AWS_ERRORS`` (anything a call raises) or ``ErrorAnswer`` (the service answered with an error)
and ask ``error_code``, ``explain``, ``transient`` or ``error_line``; a probe calls ``reach``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ParamValidationError,
    ReadTimeoutError,
)
from botocore.parsers import ResponseParserError

from assay.checks.aws import model
from assay.checks.target_type import unreachable
from assay.core.checks import Observation
from assay.core.errors import InvalidParameters, RuntimeFault
from assay.core.secrets import redact

THROTTLING = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "SlowDown",
    "RequestThrottled",
    "EC2ThrottledException",
    "PriorRequestNotComplete",
    "InternalError",
    "ServiceUnavailable",
    "RequestTimeout",
}
TRANSIENT_STATUS = {500, 502, 503, 504}
# anything a botocore call raises: an error answer, a failed request, an answer that is no
# response (moto's 500 page); and the first and last of those, the answers
AWS_ERRORS: tuple[type[Exception], ...] = (ClientError, BotoCoreError, ResponseParserError)
ANSWERS: tuple[type[Exception], ...] = (ClientError, ResponseParserError)
ErrorAnswer = ClientError  # the service answered with an error document
NO_CREDENTIALS = (
    "no AWS credentials: give the target a credential set, or set AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) in the environment"
)


class NoCredentials(RuntimeFault):
    """No credential set, and none in the environment: the step cannot run (an ERROR)."""


def from_client_error(exc: ClientError, service: str = "S3") -> Observation:
    """An error response as an observation; ``service`` names it in messages (``DynamoDB``)."""
    error = exc.response.get("Error", {}) or {}
    meta = exc.response.get("ResponseMetadata", {}) or {}
    status = meta.get("HTTPStatusCode")
    code = str(error.get("Code") or "") or None
    message = redact(str(error.get("Message") or ""))
    if code and code.isdigit():
        # botocore found no error document and made the code up from the status
        status = status or int(code)
        code = None
        if str(getattr(exc, "operation_name", "")).startswith("Head"):
            message = "no error code: a HEAD response has no body to carry one"
        else:
            # empty, or not S3's XML: a proxy's page, a server's plain-text error, or a 200
            # whose body botocore could not parse (it reports those as HTTP 500)
            reason = f" ({message})" if message else ""
            message = f"no error code: the response carries no {service} error document{reason}"
    elif code == "NotImplemented":
        detail = f": {message}" if message else ""  # s3rver sends some without a message
        message = f"the target does not implement this operation (HTTP {status}){detail}"
    transient = (code in THROTTLING) or (status in TRANSIENT_STATUS)
    data: dict[str, Any] = {"Error": {k: redact(str(v)) for k, v in error.items() if v is not None}}
    return Observation(
        success=False,
        error_code=code,
        http_status=status,
        message=message,
        data=data,
        transient=transient,
    )


def from_exception(exc: Exception, service: str = "S3") -> Observation:
    """Translate a botocore failure into an observation, or re-raise what is a tool error."""
    if isinstance(exc, ClientError):
        return from_client_error(exc, service)
    if isinstance(exc, ParamValidationError):
        raise InvalidParameters(redact(str(exc))) from None
    if isinstance(exc, NoCredentialsError):
        raise NoCredentials(NO_CREDENTIALS) from None
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError):
        return Observation(
            success=False,
            message=redact(str(exc)),
            transient=True,
            unreachable=True,
            error_code="ConnectionError",
        )
    if isinstance(exc, ConnectionClosedError | ReadTimeoutError):
        return Observation(
            success=False, message=redact(str(exc)), transient=True, error_code="ConnectionError"
        )
    if isinstance(exc, BotoCoreError):
        return Observation(success=False, message=redact(str(exc)), error_code=type(exc).__name__)
    if isinstance(exc, ResponseParserError):  # an answer, but not the service's (moto's 500 page)
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Observation(success=False, message=redact(first), error_code="InvalidResponse")
    raise exc


def error_code(exc: Exception) -> str:
    """The error code of an error answer (``NoSuchBucket``); "" for any other failure."""
    if not isinstance(exc, ClientError):
        return ""
    return str((exc.response.get("Error") or {}).get("Code") or "")


def error_message(exc: Exception) -> str:
    """The message of an error answer; "" for any other failure."""
    if not isinstance(exc, ClientError):
        return ""
    return str((exc.response.get("Error") or {}).get("Message") or "")


def error_status(exc: Exception) -> int | None:
    """The HTTP status of an error answer."""
    if not isinstance(exc, ClientError):
        return None
    status = (exc.response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    return int(status) if status is not None else None


def explain(exc: Exception) -> tuple[str, str]:
    """(code, one-line message) of an answer that was an error (one of ``ANSWERS``)."""
    if isinstance(exc, ClientError):
        return error_code(exc) or "Error", error_message(exc) or str(exc)
    return "InvalidResponse", (str(exc).splitlines() or [type(exc).__name__])[0]


def transient(exc: ClientError) -> bool:
    """An error answer worth a retry (throttling, a 5xx), not a verdict."""
    return from_client_error(exc).transient


def error_line(exc: ClientError, service: str) -> str:
    """An error answer of ``service`` (``s3``) as one short line: ``AccessDenied: ...``."""
    obs = from_client_error(exc, model.label(service))
    text = f"{obs.error_code or f'HTTP {obs.http_status}'}: {obs.message}".strip()
    return text if len(text) <= 200 else text[:197] + "..."


def reach(name: str, where: str, call: Callable[[], Any]) -> None:
    """Make one request of target ``name`` (``validate --strict``); any answer will do.

    Raises ``NoCredentials`` without credentials, ``TargetUnreachable`` without an answer.
    """
    try:
        call()
    except ClientError:
        return  # it answered: reachable, whatever it thinks of our keys
    except NoCredentialsError:
        raise NoCredentials(f"target '{name}': {NO_CREDENTIALS}") from None
    except BotoCoreError as exc:
        raise unreachable(f"target '{name}' at {where}", exc) from None
