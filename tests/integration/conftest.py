"""Servers the integration tests share for the whole session: s3rver (tests/support/s3rver.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import s3rver


@pytest.fixture(scope="session")
def s3rver_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running s3rver on a free loopback port; yields its URL (keys: S3RVER/S3RVER)."""
    with s3rver.running(tmp_path_factory.mktemp("s3rver")) as url:
        yield url
