"""What every feature's routes share: the ``/api/v1`` prefix and the server context."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from assay.server.context import ServerContext

API_PREFIX = "/api/v1"


async def get_context(request: Request) -> ServerContext:
    # async: a sync dependency would cost a hop through the thread pool on every request
    context: ServerContext = request.app.state.context
    return context


ContextDep = Annotated[ServerContext, Depends(get_context)]
