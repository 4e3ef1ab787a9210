"""The one boundary where botocore's exceptions become assay observations.

Every botocore call of the s3 and aws families ends here: an error code, an HTTP status,
whether it is worth a retry (throttling, 5xx, a dropped connection) and whether the endpoint
could not be reached at all. Parameter errors are assay's own (``InvalidParameters``), and
so is a missing credential (``NoCredentials``).
"""

from __future__ import annotations

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
