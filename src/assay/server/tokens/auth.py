"""The API's authentication: a dependency that wants a valid token with at least a role.

Every feature's routes declare ``AsViewer`` (reads) or ``AsRunner`` (writes) as a parameter;
``assay token create`` makes the tokens. Role aliases are named ``As…`` so that nothing
reads as the engine's ``Runner``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assay.server.api.deps import ContextDep
from assay.server.errors import ApiError
from assay.server.tokens.store import Principal, Role, TokenCache, authenticate
from assay.server.tokens.uses import TokenUses

bearer = HTTPBearer(
    auto_error=False,
    description="An API token from `assay token create` (viewer, runner or admin).",
)
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
        cache = context.part(TokenCache)
        principal = cache.get(presented) or await run_in_threadpool(
            authenticate, context.db, presented, cache
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
        context.part(TokenUses).note(principal.token_id)
        return principal

    return check


AsViewer = Annotated[Principal, Depends(require(Role.VIEWER))]
AsRunner = Annotated[Principal, Depends(require(Role.RUNNER))]
