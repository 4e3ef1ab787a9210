"""How the tokens feature plugs in: the token cache and use tracker, and the job that
writes when each token was last used."""

from __future__ import annotations

import contextlib

from assay.server.context import ServerContext
from assay.server.feature import Feature, Plugged
from assay.server.jobs import Job
from assay.server.tokens import tables
from assay.server.tokens.store import TokenCache
from assay.server.tokens.uses import TOUCH_EVERY_S, TokenUses


def plug(context: ServerContext) -> Plugged:
    uses = TokenUses(context.db)
    context.add_part(TokenCache(context.settings.token_cache_seconds))
    context.add_part(uses)

    def stop() -> None:
        with contextlib.suppress(Exception):  # the database may be gone: uses are a hint
            uses.flush()

    job = Job(
        "tokens.last_used",
        TOUCH_EVERY_S,
        lambda _: uses.flush(),
        "records when each token was last used (one write a minute, not one per request)",
        first_delay=TOUCH_EVERY_S,
    )
    return Plugged(jobs=[job], stop=stop)


FEATURE = Feature("tokens", plug, tables)
