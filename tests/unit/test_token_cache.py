"""The in-process cache of verified tokens: expiry, forgetting, size bound, off switch."""

from __future__ import annotations

from assay.server.tokens import Principal, Role, TokenCache
from tests.support.wait import wait_until

ALICE = Principal("aaaaaaaaaaaa", "alice", Role.VIEWER)
BOB = Principal("bbbbbbbbbbbb", "bob", Role.RUNNER)


def test_token_cache_answers_until_the_entry_expires() -> None:
    cache = TokenCache(0.2)
    cache.put("token-a", ALICE)
    assert cache.get("token-a") == ALICE
    assert cache.get("token-b") is None
    wait_until(lambda: cache.get("token-a") is None, 5, 0.02, "the entry never expired")


def test_token_cache_forgets_one_token_id() -> None:
    cache = TokenCache(60)
    cache.put("token-a", ALICE)
    cache.put("token-a2", ALICE)
    cache.put("token-b", BOB)
    cache.forget(ALICE.token_id)
    assert cache.get("token-a") is None and cache.get("token-a2") is None
    assert cache.get("token-b") == BOB


def test_token_cache_off_and_bounded() -> None:
    off = TokenCache(0)
    off.put("token-a", ALICE)
    assert off.get("token-a") is None
    small = TokenCache(60)
    small.MAX_ENTRIES = 3
    for i in range(3):
        small.put(f"t{i}", ALICE)
    small.put("t3", BOB)  # full: starts again rather than grow without bound
    assert small.get("t0") is None and small.get("t3") == BOB
