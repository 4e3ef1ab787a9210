"""The secret registry: what is masked, in which order, and how tests restore it."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from assay.core import secrets
from assay.core.secrets import MASK, RedactingFilter, redact, redact_data, register


@pytest.fixture(autouse=True)
def _isolated_registry() -> Iterator[None]:
    saved = secrets.registered()
    secrets.restore(frozenset())
    yield
    secrets.restore(saved)


def test_secrets_registered_values_are_masked_anywhere_in_text() -> None:
    register("hunter22")
    assert redact("password=hunter22; again hunter22") == f"password={MASK}; again {MASK}"


def test_secrets_short_and_empty_values_are_not_registered() -> None:
    register("abc", "", None)
    assert secrets.registered() == frozenset()
    assert redact("abc") == "abc"


def test_secrets_a_secret_containing_another_is_masked_whole() -> None:
    # registered shortest first: the order of masking must not depend on it
    register("tok1")
    register("tok1-extended-part")
    assert redact("x tok1-extended-part y tok1") == f"x {MASK} y {MASK}"


def test_secrets_registering_again_changes_nothing() -> None:
    register("s3cret-value")
    before = secrets.registered()
    register("s3cret-value")
    assert secrets.registered() == before


def test_secrets_redact_data_masks_keys_values_and_nested_lists() -> None:
    register("key-1234")
    data = {"key-1234": ["a key-1234 b", ("key-1234",)], "n": 3, "none": None}
    assert redact_data(data) == {MASK: [f"a {MASK} b", [MASK]], "n": 3, "none": None}


def test_secrets_restore_replaces_the_registry_and_its_masking() -> None:
    register("first-secret")
    saved = secrets.registered()
    register("second-secret")
    secrets.restore(saved)
    assert redact("first-secret second-secret") == f"{MASK} second-secret"


def test_secrets_logging_filter_masks_the_formatted_message() -> None:
    register("pa55word")
    record = logging.LogRecord(
        "t", logging.INFO, __file__, 1, "login %s with %s", ("u", "pa55word"), None
    )
    assert RedactingFilter().filter(record)
    assert record.getMessage() == f"login u with {MASK}"


def test_secrets_generation_changes_only_when_the_registry_does() -> None:
    first = secrets.generation()
    register("gen-secret-1")
    second = secrets.generation()
    register("gen-secret-1", "abc")  # nothing new: a repeat and a too-short value
    assert first != second == secrets.generation()


def test_secrets_cached_request_headers_mask_a_secret_registered_later() -> None:
    """The masked view of a header set is cached; a secret registered since must show."""
    import httpx

    from assay.checks.http.request import secret_headers
    from assay.checks.http.response import request_headers

    def sent() -> dict[str, str]:
        request = httpx.Request("GET", "http://127.0.0.1/", headers={"X-Session": "late-secret-9"})
        return request_headers(request, secret_headers(None))

    assert sent()["x-session"] == "late-secret-9"
    register("late-secret-9")
    assert sent()["x-session"] == MASK
    own = httpx.Request(
        "GET", "http://127.0.0.1/", headers={"X-Api-Key": "k", "Authorization": "b"}
    )
    masked = request_headers(own, secret_headers("X-API-Key"))
    assert masked["x-api-key"] == masked["authorization"] == MASK
