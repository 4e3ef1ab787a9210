"""A local fake of the part of GitHub's REST API that assay uses, served by uvicorn.

It implements ``POST /repos/{owner}/{repo}/issues``, ``GET /repos/{owner}/{repo}/issues``
(the listing the delivery job searches for its marker) and ``GET /search/issues``, checks
the token, sends rate-limit headers, and records every request it receives. A test plans
the next answers to ``POST .../issues``: a status (5xx, 404), a primary rate limit (403 with
``X-RateLimit-Remaining: 0`` and ``X-RateLimit-Reset``), a secondary one (429 with
``Retry-After``), an answer that comes only after the client gave up (the issue is created
all the same), or a 401 that echoes the credentials it was sent.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.support.http_service import HttpService


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    at: float  # time.time() when the request arrived
    answered: int
    json: Any = None


@dataclass(frozen=True)
class Plan:
    """The answer to one coming ``POST .../issues``."""

    kind: str  # status | rate_limit | secondary | slow | echo_token
    status: int = 0
    seconds: float = 0.0


@dataclass
class FakeGitHub:
    token: str
    repository: str = "acme/widgets"
    issues: list[dict[str, Any]] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    plans: deque[Plan] = field(default_factory=deque)
    resets: list[int] = field(default_factory=list)  # X-RateLimit-Reset values sent
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""
    service: HttpService | None = None

    def plan(self, *plans: Plan) -> None:
        with self.lock:
            self.plans.extend(plans)

    def posts(self) -> list[Received]:
        return [r for r in self.received if r.method == "POST"]

    def issues_with(self, text: str) -> list[dict[str, Any]]:
        with self.lock:
            return [i for i in self.issues if text in i["body"]]

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop()


def _headers(remaining: int = 4999, reset: int | None = None) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": "5000",
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(reset if reset is not None else int(time.time()) + 3600),
        "X-RateLimit-Resource": "core",
    }


def build(fake: FakeGitHub) -> FastAPI:
    app = FastAPI()

    def record(request: Request, status: int, body: Any = None) -> None:
        with fake.lock:
            fake.received.append(
                Received(request.method, request.url.path, time.time(), status, body)
            )

    def authorised(request: Request) -> bool:
        return request.headers.get("authorization") in (
            f"token {fake.token}",
            f"Bearer {fake.token}",
        )

    def unauthorised() -> JSONResponse:
        body = {"message": "Bad credentials", "documentation_url": "https://docs.github.com"}
        return JSONResponse(body, status_code=401, headers=_headers())

    def new_issue(owner: str, repo: str, body: dict[str, Any]) -> dict[str, Any]:
        with fake.lock:
            number = len(fake.issues) + 1
            now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            issue = {
                "number": number,
                "id": 1000 + number,
                "html_url": f"https://github.example/{owner}/{repo}/issues/{number}",
                "url": f"{fake.url}/repos/{owner}/{repo}/issues/{number}",
                "title": body.get("title", ""),
                "body": body.get("body") or "",
                "labels": [{"name": n} for n in body.get("labels", [])],
                "state": "open",
                "created_at": now,
                "updated_at": now,
            }
            fake.issues.append(issue)
        return issue

    @app.post("/repos/{owner}/{repo}/issues")
    async def create(owner: str, repo: str, request: Request) -> JSONResponse:
        body = await request.json()
        if not authorised(request):
            record(request, 401, body)
            return unauthorised()
        with fake.lock:
            plan = fake.plans.popleft() if fake.plans else None
        if f"{owner}/{repo}" != fake.repository:
            plan = Plan("status", 404)
        if plan is None or plan.kind == "slow":
            issue = new_issue(owner, repo, body)
            record(request, 201, body)
            if plan is not None:
                await asyncio.sleep(plan.seconds)  # created, but the client has given up
            return JSONResponse(issue, status_code=201, headers=_headers())
        if plan.kind == "rate_limit":
            reset = int(time.time() + plan.seconds) + 1
            fake.resets.append(reset)
            record(request, 403, body)
            message = {"message": "API rate limit exceeded for user ID 1."}
            return JSONResponse(message, status_code=403, headers=_headers(0, reset))
        if plan.kind == "secondary":
            record(request, 429, body)
            message = {"message": "You have exceeded a secondary rate limit."}
            headers = _headers() | {"Retry-After": str(int(plan.seconds))}
            return JSONResponse(message, status_code=429, headers=headers)
        if plan.kind == "echo_token":
            record(request, 401, body)
            sent = request.headers.get("authorization", "")
            message = {"message": f"Bad credentials: {sent}"}
            return JSONResponse(message, status_code=401, headers=_headers())
        record(request, plan.status, body)
        names = {404: "Not Found", 502: "Bad Gateway", 503: "Service Unavailable"}
        message = {"message": names.get(plan.status, "Server Error")}
        return JSONResponse(message, status_code=plan.status, headers=_headers())

    @app.get("/repos/{owner}/{repo}/issues")
    def listing(
        owner: str,
        repo: str,
        request: Request,
        since: str = "",
        per_page: int = 30,
        page: int = 1,
    ) -> JSONResponse:
        if not authorised(request):
            record(request, 401)
            return unauthorised()
        with fake.lock:
            found = [i for i in reversed(fake.issues) if not since or i["updated_at"] >= since]
        record(request, 200)
        start = (page - 1) * per_page
        return JSONResponse(found[start : start + per_page], headers=_headers())

    @app.get("/search/issues")
    def search(request: Request, q: str = "") -> JSONResponse:
        if not authorised(request):
            record(request, 401)
            return unauthorised()
        words = [w for w in q.split() if ":" not in w]
        with fake.lock:
            found = [i for i in fake.issues if all(w in i["body"] for w in words)]
        record(request, 200)
        body = {"total_count": len(found), "incomplete_results": False, "items": found}
        return JSONResponse(body, headers=_headers())

    return app


def start_fake(token: str, repository: str = "acme/widgets") -> FakeGitHub:
    """The fake on a free loopback port, holding ``repository``."""
    fake = FakeGitHub(token, repository)
    fake.service = HttpService(app=build(fake))
    fake.url = fake.service.url
    return fake
