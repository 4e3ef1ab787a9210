"""One error format for every failure, with the request id:

    {"error": {"status": 404, "code": "not_found", "message": "...", "request_id": "...",
               "details": [{"field": "body.environment", "message": "..."}]}}

``ApiError`` is what routes raise; the handlers below render it, Starlette's own 404/405,
validation errors (422) and database errors (translated in ``db.errors``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException

from assay.server.db.errors import describe

log = logging.getLogger("assay.server")

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


class ErrorDetail(BaseModel):
    field: str
    message: str


class ErrorBody(BaseModel):
    status: int
    code: str
    message: str
    request_id: str
    details: list[ErrorDetail] = []


class ErrorOut(BaseModel):
    """The body of every error response."""

    error: ErrorBody


class ApiError(HTTPException):
    """An error a route raises on purpose; rendered in the one error format."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        details: list[ErrorDetail] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status, message, headers)
        self.code = code or CODES.get(status, "error")
        self.message = message
        self.details = details or []


def request_id(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", ""))


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: list[ErrorDetail] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    rid = request_id(request)
    body = ErrorBody(
        status=status, code=code, message=message, request_id=rid, details=details or []
    )
    return JSONResponse(
        ErrorOut(error=body).model_dump(),
        status_code=status,
        headers={**(headers or {}), "X-Request-ID": rid},
    )


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    if isinstance(exc, ApiError):
        return error_response(
            request, exc.status_code, exc.code, exc.message, exc.details, exc.headers
        )
    message = {
        404: f"no such endpoint: {request.method} {request.url.path}",
        405: f"{request.method} is not allowed on {request.url.path}",
    }.get(exc.status_code, str(exc.detail))
    code = CODES.get(exc.status_code, "error")
    return error_response(request, exc.status_code, code, message, headers=exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = []
    for err in exc.errors():
        msg = str(err.get("msg", "invalid")).replace("Value error, ", "")
        if err.get("type") == "extra_forbidden":
            msg = "unknown field"
        details.append(ErrorDetail(field=_field(tuple(err.get("loc", ()))), message=msg))
    summary = "; ".join(f"{d.field}: {d.message}" for d in details[:5])
    more = f" (and {len(details) - 5} more)" if len(details) > 5 else ""
    return error_response(
        request, 422, "validation_error", f"invalid request: {summary}{more}", details
    )


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SQLAlchemyError)
    problem = describe(exc)
    log.error(
        "database error on %s %s: %s",
        request.method,
        request.url.path,
        problem.detail,
        extra={"request_id": request_id(request), "error_code": problem.code},
    )
    headers = {"Retry-After": "5"} if problem.status == 503 else None
    return error_response(request, problem.status, problem.code, problem.message, None, headers)


def install_error_handlers(app: FastAPI) -> None:
    """Render every error in the one format (500s: see ``middleware.RequestContext``)."""
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(SQLAlchemyError, _database_error)
