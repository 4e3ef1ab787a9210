"""Verified tokens are cached for a few seconds; revocation still wins (at once in this
process, within the cache's lifetime from another); last use is written in batches."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import update

from assay.server import tokens
from assay.server.db.tables import utcnow
from assay.server.tokens import TokenCache
from assay.server.tokens.tables import ApiToken
from assay.server.tokens.uses import TokenUses
from tests.support.server import Served, assert_error, settings_for
from tests.support.wait import wait_until


def _revoke_elsewhere(served: Served, secret: str) -> None:
    """Revoke as ``assay token revoke`` in another process does: in the database only."""
    token_id = secret.split("_")[1]
    with served.db.write() as session:
        session.execute(update(ApiToken).where(ApiToken.id == token_id).values(revoked_at=utcnow()))


def test_token_cache_revocation_by_another_process_lands_when_the_entry_expires(
    tmp_path: Path, serve: Callable[..., Served]
) -> None:
    served = serve(settings_for(f"sqlite:///{tmp_path / 'c.db'}", token_cache_seconds=0.5))
    with served.client("viewer") as http:
        assert http.get("/api/v1/sessions").status_code == 200  # now cached
        _revoke_elsewhere(served, served.tokens["viewer"])
        # another process's revocation reaches this one when its cache entry expires (0.5 s)
        answer = wait_until(
            lambda: (a := http.get("/api/v1/sessions")).status_code != 200 and a, 10, 0.05
        )
    assert_error(answer, 401, "unauthorized")


def test_token_cache_off_sees_revocation_at_once(
    tmp_path: Path, serve: Callable[..., Served]
) -> None:
    served = serve(settings_for(f"sqlite:///{tmp_path / 'n.db'}", token_cache_seconds=0))
    with served.client("viewer") as http:
        assert http.get("/api/v1/sessions").status_code == 200
        _revoke_elsewhere(served, served.tokens["viewer"])
        assert_error(http.get("/api/v1/sessions"), 401, "unauthorized")


def test_token_cache_is_emptied_by_a_revocation_in_this_process(server: Served) -> None:
    info, secret = tokens.create(server.db, f"cached-{time.monotonic_ns()}", tokens.Role.VIEWER)
    with server.client(headers={"Authorization": f"Bearer {secret}"}) as http:
        assert http.get("/api/v1/sessions").status_code == 200
        assert server.app.state.context.part(TokenCache).get(secret) is not None
        tokens.revoke(server.db, info.id)
        assert server.app.state.context.part(TokenCache).get(secret) is None
        assert_error(http.get("/api/v1/sessions"), 401, "unauthorized")


def test_token_last_use_is_written_in_one_batch(
    tmp_path: Path, serve: Callable[..., Served]
) -> None:
    served = serve(settings_for(f"sqlite:///{tmp_path / 'u.db'}"))
    before = utcnow()
    for role in ("viewer", "runner"):
        with served.client(role) as http:
            assert http.get("/api/v1/sessions").status_code == 200
    used = {t.name.split("-")[0]: t.last_used_at for t in tokens.list_tokens(served.db)}
    assert used == {"viewer": None, "runner": None, "admin": None}  # not one write per request
    served.app.state.context.part(TokenUses).flush()
    used = {t.name.split("-")[0]: t.last_used_at for t in tokens.list_tokens(served.db)}
    assert used["admin"] is None
    assert used["viewer"] is not None and used["viewer"] >= before
    assert used["runner"] is not None and used["runner"] >= before
    names = {j.name for j in served.app.state.context.jobs}
    assert "tokens.last_used" in names
