"""Dependencies shared by the routes: the server context, and tokens with a role."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
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


async def get_context(request: Request) -> ServerContext:
    # async: a sync dependency would cost a hop through the thread pool on every request
    context: ServerContext = request.app.state.context
    return context


ContextDep = Annotated[ServerContext, Depends(get_context)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, message, "unauthorized", headers={"WWW-Authenticate": "Bearer"})


def require(role: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency: a valid, unrevoked token with at least ``role``, within its rate limit.

    Async, and in the event loop when the token is in the cache and limits are counted in
    memory (the usual case); the database and a shared limits store are used from a thread.
    """

    async def check(request: Request, context: ContextDep, credentials: Credentials) -> Principal:
        if credentials is None:
            raise _unauthorized(
                "missing API token: send 'Authorization: Bearer <token>' "
                "(create one with 'assay token create')"
            )
        presented = credentials.credentials
        principal = context.token_cache.get(presented) or await run_in_threadpool(
            tokens.authenticate, context.db, presented, context.token_cache
        )
        if principal is None:
            raise _unauthorized("invalid or revoked API token")
        request.scope.setdefault("state", {})["token_id"] = principal.token_id
        if not principal.role.allows(role):
            raise ApiError(
                403,
                f"this needs a token with the {role} role; token '{principal.name}' "
                f"has the {principal.role} role",
            )
        limiter = context.limiter
        if limiter.local:
            wait = limiter.hit(principal.token_id)
        else:
            wait = await run_in_threadpool(limiter.hit, principal.token_id)
        if wait:
            context.metrics.rate_limited.inc()
            raise ApiError(
                429,
                f"rate limit of {limiter.description} exceeded for this token; retry in {wait} s",
                headers={"Retry-After": str(wait)},
            )
        context.note_use(principal.token_id)
        return principal

    return check


SessionId = Annotated[str, Path(min_length=1, max_length=64, description="A session's id.")]
Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
Runner = Annotated[Principal, Depends(require(Role.RUNNER))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
