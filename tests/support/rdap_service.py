"""A local RDAP service (RFC 9083) for the domain family's tests, served by ``HttpService``.

``/rdap/domain/NAME`` answers as a registry's server does, with expiry dates relative to the
moment of the request; ``/bootstrap/...`` redirects there as rdap.org does; ``/loop/...``
redirects to itself; ``/slow/...`` answers only after ``SLOW`` seconds. Names in
``DOMAINS`` answer; a few special ones misbehave (see ``build_rdap_app``); any other is 404.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse, RedirectResponse, Response

RDAP_JSON = "application/rdap+json"
SLOW = 5.0
# name -> days until expiry (None: the registry publishes no expiration event)
DOMAINS: dict[str, float | None] = {
    "example.test": 400,
    "soon.test": 10,
    "expired.test": -5,
    "noexpiry.test": None,
    "xn--bcher-kva.test": 90,  # bücher.test
}


def _date(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def domain_answer(name: str, days: float | None) -> dict[str, Any]:
    """An RDAP domain object as registries fill it (events, registrar, status, servers)."""
    events = [
        {"eventAction": "registration", "eventDate": _date(-3000)},
        {"eventAction": "last changed", "eventDate": _date(-30)},
    ]
    if days is not None:
        events.append({"eventAction": "expiration", "eventDate": _date(days)})
    return {
        "objectClassName": "domain",
        "rdapConformance": ["rdap_level_0"],
        "ldhName": name.upper(),
        "events": events,
        "status": ["client transfer prohibited"],
        "entities": [
            {
                "objectClassName": "entity",
                "handle": "292",
                "roles": ["registrar"],
                "vcardArray": [
                    "vcard",
                    [["version", {}, "text", "4.0"], ["fn", {}, "text", "Test Registrar, Inc."]],
                ],
            }
        ],
        "nameservers": [{"objectClassName": "nameserver", "ldhName": "NS1.EXAMPLE.TEST"}],
    }


def _not_found(name: str) -> JSONResponse:
    body = {"errorCode": 404, "title": "Not Found", "description": [f"{name} is not registered"]}
    return JSONResponse(body, status_code=404, media_type=RDAP_JSON)


def build_rdap_app() -> FastAPI:
    """The app; ``app.state.hits`` counts the queries per name."""
    app = FastAPI()
    app.state.hits = Counter()

    @app.get("/rdap/help")
    def help_() -> dict[str, Any]:
        return {"rdapConformance": ["rdap_level_0"], "notices": []}

    @app.get("/rdap/domain/{name}")
    def domain(name: str) -> Response:
        app.state.hits[name] += 1
        if name == "malformed.test":
            return Response(b'{"ldhName": "MALFORMED.TEST", "events": [', media_type=RDAP_JSON)
        if name == "array.test":
            return JSONResponse(["not", "an", "object"], media_type=RDAP_JSON)
        if name == "baddate.test":
            answer = domain_answer(name, None)
            answer["events"].append({"eventAction": "expiration", "eventDate": "next tuesday"})
            return JSONResponse(answer, media_type=RDAP_JSON)
        if name == "busy.test":
            return JSONResponse({"errorCode": 429, "title": "Too Many Requests"}, status_code=429)
        if name == "broken.test":
            return Response(b"upstream registry unavailable", status_code=503)
        if name not in DOMAINS:
            return _not_found(name)
        return JSONResponse(domain_answer(name, DOMAINS[name]), media_type=RDAP_JSON)

    @app.get("/bootstrap/domain/{name}")
    def bootstrap(name: str) -> RedirectResponse:
        return RedirectResponse(f"/rdap/domain/{name}", status_code=302)

    @app.get("/loop/domain/{name}")
    def loop(name: str) -> RedirectResponse:
        return RedirectResponse(f"/loop/domain/{name}", status_code=302)

    @app.get("/slow/domain/{name}")
    async def slow(name: str) -> Response:
        await asyncio.sleep(SLOW)
        return domain(name)

    return app
