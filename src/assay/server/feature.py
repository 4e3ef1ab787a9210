"""The one way a feature plugs into the server.

A feature is a folder (``server/sessions/``, ``server/integrations/``, …) with its routes,
store, schemas, tables and, if it has any, a settings section. Its ``feature.py`` declares
``FEATURE = Feature(name, plug, tables)``; ``server/features.py`` lists the features, and
``create_app`` calls each ``plug(context)`` once. ``plug`` keeps what the feature needs on
the context (``context.add_part``) and answers what the app should add: routers, jobs, and
what to do when the app starts (after migrations, before the jobs) and stops.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING

from fastapi import APIRouter

from assay.server.jobs import Job

if TYPE_CHECKING:
    from assay.server.context import ServerContext


@dataclass(frozen=True)
class Plugged:
    """What a feature adds to one app: routers (under ``/api/v1`` they get the API's error
    responses), jobs, and start/stop hooks (synchronous; run in a worker thread)."""

    routers: Sequence[APIRouter] = ()
    jobs: Sequence[Job] = ()
    start: Callable[[], None] | None = None  # context.scheduler exists, not yet started
    stop: Callable[[], None] | None = None
    threads: int = 0  # more threads the feature's jobs need in the scheduler's pool


@dataclass(frozen=True)
class Feature:
    """A feature: its name, how it plugs into an app, and the module declaring its tables
    (imported so that migrations and ``Base.metadata`` see them)."""

    name: str
    plug: Callable[[ServerContext], Plugged] = field(repr=False)
    tables: ModuleType | None = field(default=None, repr=False)
