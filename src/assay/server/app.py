"""``create_app(settings)``: the FastAPI app, built on demand (nothing exists at import).

The app is the shared base (database, jobs, errors, middleware, metrics, tracing) with every
feature of ``features.FEATURES`` plugged in: each adds its routers, jobs and start/stop hooks
(``feature.Plugged``). The lifespan applies migrations (unless told not to), starts the
features and the background jobs and, on shutdown, stops them and closes the database pool.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from opentelemetry.sdk.trace import TracerProvider

from assay import __version__
from assay.server.api import ERRORS
from assay.server.api.deps import API_PREFIX
from assay.server.context import ServerContext, new_worker_id
from assay.server.db import Database
from assay.server.db.migrate import upgrade
from assay.server.db.tables import utcnow
from assay.server.errors import install_error_handlers
from assay.server.feature import Plugged
from assay.server.features import FEATURES
from assay.server.jobs import JobContext, JobRegistry, Scheduler
from assay.server.jobs import database as database_jobs
from assay.server.middleware import RequestContext
from assay.server.ratelimit import RateLimiter
from assay.server.settings import Settings, load_settings, register_secrets
from assay.server.tracing import Tracing, provider_from_environment

log = logging.getLogger("assay.server")
SETTINGS_ENV = "ASSAY_SERVE_SETTINGS"  # how `assay serve` hands settings to its workers
GC_YOUNG = 50_000  # allocations between two collections of the youngest generation

DESCRIPTION = """assay's server keeps every run's results: **sessions** of **results**, from
`assay run` or imported from any CI runner's JUnit XML; checks **integrations** (endpoints
with an assay check) on an interval; and turns **feedback** into GitHub issues.

Every `/api/v1` call needs `Authorization: Bearer <token>` (`assay token create`): reads
need the viewer role, writes the runner role. `/health*` is public. Errors always have the
shape `{"error": {"status", "code", "message", "request_id", "details"}}`.
"""


def create_app(
    settings: Settings | None = None,
    jobs: JobRegistry | None = None,
    tracer_provider: TracerProvider | None = None,
) -> FastAPI:
    """The app for ``settings`` (default: from the environment); ``jobs`` adds to ours;
    traces go to ``tracer_provider``, by default where the ``OTEL_*`` variables say."""
    settings = settings or load_settings()
    register_secrets(settings)
    registry = jobs or JobRegistry()
    database_jobs.register(registry, settings.heartbeat_interval, settings.housekeeping_interval)
    context = ServerContext(
        settings=settings,
        db=Database(settings.effective_database_url),
        limiter=RateLimiter(settings.rate_limit, settings.rate_limit_storage),
        jobs=registry,
        worker_id=new_worker_id(),
        started_at=utcnow(),
    )
    plugged: list[Plugged] = [feature.plug(context) for feature in FEATURES]
    for part in plugged:
        for job in part.jobs:
            registry.add(job)
    provider = tracer_provider or provider_from_environment()
    if provider is not None:
        context.tracing = Tracing(provider, owned=tracer_provider is None)
        context.tracing.instrument_engine(context.db.engine)
    context.metrics.watch_pool(context.db.engine)
    context.metrics.info.labels(__version__, context.db.dialect).set(1)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # sync routes run in this loop's thread pool: a few threads keep the database busy,
        # while dozens (anyio's default is 40) only fight over the GIL
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        if context.tracing:
            context.tracing.start_outbound()
        if settings.migrate_on_start:
            context.revision = await asyncio.to_thread(upgrade, context.db.engine)
        job_context = JobContext(context.db, settings, context.worker_id, log)
        threads = settings.job_threads + sum(part.threads for part in plugged)
        context.scheduler = Scheduler(registry, job_context, context.metrics.job_finished, threads)
        for part in plugged:
            if part.start is not None:
                await asyncio.to_thread(part.start)
        if settings.jobs_enabled:
            await context.scheduler.start()
        log.info(
            "assay server %s ready: database %s, worker %s",
            __version__,
            context.db.display_url,
            context.worker_id,
        )
        try:
            yield
        finally:
            await context.scheduler.stop()
            for part in reversed(plugged):
                if part.stop is not None:
                    await asyncio.to_thread(part.stop)
            context.db.dispose()
            context.metrics.close()
            if context.tracing:
                context.tracing.stop()

    app = FastAPI(
        title="assay server",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url="/openapi.json" if settings.docs else None,
        docs_url="/docs" if settings.docs else None,
        redoc_url=None,
    )
    app.state.context = context
    install_error_handlers(app)
    for part in plugged:
        for router in part.routers:
            api = router.prefix.startswith(API_PREFIX)
            app.include_router(router, responses=ERRORS if api else None)
    app.add_middleware(RequestContext, max_body=settings.max_request_bytes, metrics=context.metrics)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    if context.tracing:
        context.tracing.instrument_app(app)
    return app


def tune_gc() -> None:
    """Collect young objects less often, and never scan what start-up created.

    Process-wide, so only the processes ``assay serve`` owns call it (its own when it serves
    alone, each worker's from ``create_app_from_environment``), never ``create_app``: an
    app embedded in another process (tests, a user's own server) leaves its GC alone.

    Each request makes thousands of short-lived objects (rows, models); with the default
    threshold (700) the cyclic collector ran over and over through every live object, and
    under 500 users the server spent 7.4 ms of CPU per request instead of 5.5
    (bench/server_load.py). Reference counting still frees almost everything at once.
    """
    gc.collect()
    gc.freeze()
    if gc.get_threshold()[0] < GC_YOUNG:
        gc.set_threshold(GC_YOUNG, 50, 100)


def settings_for_workers(settings: Settings) -> str:
    """Settings as JSON for worker processes (secret values included: same user only)."""
    data = settings.model_dump(mode="json")
    data["database_url"] = settings.effective_database_url
    return json.dumps(data)


def create_app_from_environment() -> FastAPI:
    """The factory uvicorn's worker processes call (``assay serve --workers N``)."""
    raw = os.environ.get(SETTINGS_ENV)
    settings = Settings(**json.loads(raw)) if raw else load_settings()
    app = create_app(settings)
    tune_gc()
    return app
