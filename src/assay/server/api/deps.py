"""Dependencies shared by the routes: the server context, and tokens with a role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assay.server import tokens
from assay.server.context import ServerContext
from assay.server.errors import ApiError
from assay.server.tokens import Principal, Role

API_PREFIX = "/api/v1"
bearer = HTTPBearer(
    auto_error=False,
    description="An API token from `assay token create` (viewer, runner or admin).",
)


def get_context(request: Request) -> ServerContext:
    context: ServerContext = request.app.state.context
    return context


ContextDep = Annotated[ServerContext, Depends(get_context)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, message, "unauthorized", headers={"WWW-Authenticate": "Bearer"})


def require(role: Role) -> Callable[..., Principal]:
    """A dependency: a valid, unrevoked token with at least ``role``, within its rate limit."""

    def check(request: Request, context: ContextDep, credentials: Credentials) -> Principal:
        if credentials is None:
            raise _unauthorized(
                "missing API token: send 'Authorization: Bearer <token>' "
                "(create one with 'assay token create')"
            )
        principal = tokens.authenticate(context.db, credentials.credentials)
        if principal is None:
            raise _unauthorized("invalid or revoked API token")
        request.scope.setdefault("state", {})["token_id"] = principal.token_id
        if not principal.role.allows(role):
            raise ApiError(
                403,
                f"this needs a token with the {role} role; token '{principal.name}' "
                f"has the {principal.role} role",
            )
        wait = context.limiter.hit(principal.token_id)
        if wait:
            context.metrics.rate_limited.inc()
            raise ApiError(
                429,
                f"rate limit of {context.limiter.description} exceeded for this token; "
                f"retry in {wait} s",
                headers={"Retry-After": str(wait)},
            )
        if context.should_touch(principal.token_id):
            tokens.touch(context.db, principal.token_id)
        return principal

    return check


SessionId = Annotated[str, Path(min_length=1, max_length=64, description="A session's id.")]
Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
Runner = Annotated[Principal, Depends(require(Role.RUNNER))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
