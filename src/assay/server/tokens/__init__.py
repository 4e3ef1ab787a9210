"""API tokens: create, list, revoke (``assay token``), authenticate every API request.

The public face other features use: ``AsViewer`` and ``AsRunner`` (route parameters that
want a token with that role), ``Principal`` and ``Role``.
"""

from assay.server.tokens.auth import AsRunner, AsViewer, require
from assay.server.tokens.store import (
    Principal,
    Role,
    TokenCache,
    TokenInfo,
    authenticate,
    create,
    list_tokens,
    revoke,
)

__all__ = [
    "AsRunner",
    "AsViewer",
    "Principal",
    "Role",
    "TokenCache",
    "TokenInfo",
    "authenticate",
    "create",
    "list_tokens",
    "require",
    "revoke",
]
