"""A route class whose JSON request bodies are parsed by orjson.

FastAPI parses a JSON body with ``json.loads`` in the event loop, where nothing else runs
meanwhile; for result uploads (tens of KB) that was 13 % of the server's CPU under load
(``bench/server_load.py``). orjson parses the same bodies about five times faster, and its
``JSONDecodeError`` is the standard library's, so malformed JSON still gives the usual 422.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from fastapi import Request, Response
from fastapi.routing import APIRoute


class OrjsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = orjson.loads(await self.body())
        return self._json


class OrjsonRoute(APIRoute):
    """Use as ``APIRouter(route_class=OrjsonRoute)`` for routes taking large JSON bodies."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handler(request: Request) -> Response:
            return await handle(OrjsonRequest(request.scope, request.receive))

        return handler
