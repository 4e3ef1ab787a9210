"""API tokens: ``assay_<id>_<secret>``, stored as the SHA-256 of the secret, never in clear.

The secret is 256 random bits, so a fast hash is enough (no password stretching needed:
guessing is hopeless, and a stolen table gives no usable token). The id finds the row; the
hash is compared in constant time; an unknown id is compared against a dummy hash too.

A ``TokenCache`` keeps verified tokens for a few seconds, so most requests authenticate
without reading the database; ``revoke`` empties it in this process at once, and other
processes (``assay token revoke``, other workers) see a revocation when the entry expires.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
import threading
import time
import weakref
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from assay.core.errors import UsageError
from assay.server.db import Database
from assay.server.db.tables import utcnow
from assay.server.tokens.tables import ApiToken

PREFIX = "assay_"
_SHAPE = re.compile(r"^assay_([0-9a-f]{12})_([A-Za-z0-9_-]{20,100})$")
_DUMMY_HASH = hashlib.sha256(b"no such token").hexdigest()
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 ._@:-]{0,99}$"


class Role(enum.StrEnum):
    """viewer < runner < admin: each role can do what the ones below it can."""

    VIEWER = "viewer"
    RUNNER = "runner"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


@dataclass(frozen=True)
class Principal:
    """Who a request acts as: the token's id, name and role (never the secret)."""

    token_id: str
    name: str
    role: Role


@dataclass(frozen=True)
class TokenInfo:
    id: str
    name: str
    role: Role
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(db: Database, name: str, role: Role) -> tuple[TokenInfo, str]:
    """Store a new token; returns its info and the full token (shown once)."""
    if not re.match(NAME_PATTERN, name):
        raise UsageError(
            f"token name '{name}' is not valid: use 1-100 letters, digits, spaces or ._@:-, "
            "starting with a letter or digit"
        )
    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    with db.write() as session:
        if session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
            raise UsageError(f"a token named '{name}' exists already; choose another name")
        row = ApiToken(id=token_id, name=name, role=str(role), secret_hash=_hash(secret))
        session.add(row)
        session.flush()
        info = _info(row)
    return info, f"{PREFIX}{token_id}_{secret}"


def _info(row: ApiToken) -> TokenInfo:
    return TokenInfo(
        row.id, row.name, Role(row.role), row.created_at, row.last_used_at, row.revoked_at
    )


def list_tokens(db: Database) -> list[TokenInfo]:
    with db.read() as session:
        rows = session.scalars(select(ApiToken).order_by(ApiToken.created_at, ApiToken.id))
        return [_info(r) for r in rows]


def revoke(db: Database, id_or_name: str) -> TokenInfo:
    """Revoke by id or name; revoking twice is harmless."""
    with db.write() as session:
        row = session.scalar(
            select(ApiToken).where((ApiToken.id == id_or_name) | (ApiToken.name == id_or_name))
        )
        if row is None:
            raise UsageError(f"no token with id or name '{id_or_name}' (see: assay token list)")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
        session.flush()
        info = _info(row)
    for cache in list(_caches):
        cache.forget(info.id)
    return info


class TokenCache:
    """Verified tokens for ``seconds`` (0: no caching), keyed by a hash of the token."""

    MAX_ENTRIES = 10_000

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._entries: dict[bytes, tuple[Principal, float]] = {}
        self._lock = threading.Lock()
        _caches.add(self)

    def get(self, token: str) -> Principal | None:
        if self.seconds <= 0:
            return None
        entry = self._entries.get(hashlib.sha256(token.encode()).digest())
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def put(self, token: str, principal: Principal) -> None:
        if self.seconds <= 0:
            return
        with self._lock:
            if len(self._entries) >= self.MAX_ENTRIES:
                self._entries.clear()
            key = hashlib.sha256(token.encode()).digest()
            self._entries[key] = (principal, time.monotonic() + self.seconds)

    def forget(self, token_id: str) -> None:
        with self._lock:
            for key in [k for k, (p, _) in self._entries.items() if p.token_id == token_id]:
                del self._entries[key]


_caches: weakref.WeakSet[TokenCache] = weakref.WeakSet()  # every cache of this process


def authenticate(db: Database, token: str, cache: TokenCache | None = None) -> Principal | None:
    """The principal for a presented token, or None (unknown, malformed or revoked)."""
    if cache is not None and (known := cache.get(token)) is not None:
        return known
    principal = _authenticate(db, token)
    if cache is not None and principal is not None:
        cache.put(token, principal)
    return principal


def _authenticate(db: Database, token: str) -> Principal | None:
    match = _SHAPE.match(token)
    token_id, secret = match.groups() if match else ("", token)
    with db.read() as session:
        row = session.get(ApiToken, token_id) if match else None
        stored = row.secret_hash if row is not None else _DUMMY_HASH
        good = hmac.compare_digest(stored, _hash(secret))
        if row is None or not good or row.revoked_at is not None:
            return None
        return Principal(row.id, row.name, Role(row.role))


def record_use(db: Database, used: dict[str, datetime]) -> None:
    """Record when tokens were last used: one write for all of them (a job calls this)."""
    if not used:
        return
    with db.write() as session:
        for token_id, when in sorted(used.items()):
            session.execute(
                update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=when)
            )
