"""The placeholder registry (assay.core.placeholders): families add placeholders to conditions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import assay.checks  # noqa: F401  (every family registers its placeholders)
from assay.core import placeholders
from assay.core.checks import Observation
from assay.core.conditions import ConditionError, parse
from assay.core.placeholders import PLACEHOLDERS, Placeholder, register, values

DOCS = Path(__file__).resolve().parents[2] / "docs" / "suites.md"


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Registrations made in a test are forgotten after it."""
    monkeypatch.setattr(PLACEHOLDERS, "_items", dict(PLACEHOLDERS._items))


def test_placeholders_of_core_and_every_family_are_registered() -> None:
    assert set(PLACEHOLDERS) == {
        "STATUS",
        "RESPONSE_TIME",
        "BODY",
        "HEADER",
        "CERTIFICATE_EXPIRATION",
        "CONNECTED",
        "DNS_RCODE",
        "IP",
        "CHAIN_VALID",
        "HOSTNAME_MATCH",
        "DOMAIN_EXPIRATION",
        "OBJECT_AGE",
        "OBJECT_SIZE",
    }


@pytest.mark.usefixtures("registry")
def test_placeholders_a_family_registers_one_that_is_parsed_typed_and_read() -> None:
    register(Placeholder("QUEUE_AGE", "s", "seconds since the oldest message was queued"))
    condition = parse("[QUEUE_AGE] < 1h")
    assert condition.right.values == (3600.0,)  # a duration, in the placeholder's unit
    with pytest.raises(ConditionError, match=r"\[QUEUE_AGE\] has no fields"):
        parse("[QUEUE_AGE].x < 1")
    with pytest.raises(ConditionError, match="bad duration 'soon'"):
        parse("[QUEUE_AGE] < soon")
    fresh = Observation(success=True, context={"QUEUE_AGE": 120.0})
    assert condition.evaluate(values(fresh, condition.placeholders)).ok
    stale = Observation(success=True, context={"QUEUE_AGE": 7200.0})
    verdict = condition.evaluate(values(stale, condition.placeholders))
    assert (verdict.ok, verdict.text) == (False, "[QUEUE_AGE] (7200.0) < 1h")


@pytest.mark.usefixtures("registry")
def test_placeholders_read_how_the_family_says() -> None:
    register(
        Placeholder(
            "LEASE_EXPIRATION",
            "s",
            "seconds until the lease ends",
            read=lambda obs: obs.data["expires_in"],
        )
    )
    condition = parse("[LEASE_EXPIRATION] > 30d")
    observed = Observation(success=True, data={"expires_in": 31 * 86400})
    assert values(observed, condition.placeholders) == {"LEASE_EXPIRATION": 31 * 86400}
    assert condition.evaluate(values(observed, condition.placeholders)).ok


@pytest.mark.usefixtures("registry")
def test_placeholders_unknown_name_is_rejected_with_a_suggestion() -> None:
    register(Placeholder("QUEUE_AGE", "s", "seconds since the oldest message was queued"))
    with pytest.raises(ConditionError) as caught:
        parse("[QUEUE_AG] < 1h")
    assert caught.value.message == "unknown placeholder [QUEUE_AG] (did you mean [QUEUE_AGE]?)"
    assert caught.value.position == 0


@pytest.mark.usefixtures("registry")
def test_placeholders_a_named_mapping_takes_one_name_and_has() -> None:
    register(
        Placeholder(
            "TAGS", "text", "the resource's tags", fields="name", usage="one tag, like [TAGS].env"
        )
    )
    assert parse("has([TAGS].env) == true").evaluate({"TAGS": {"Env": "prod"}}).ok
    with pytest.raises(ConditionError, match=r"\[TAGS\] takes one tag, like \[TAGS\].env"):
        parse("[TAGS] == x")
    with pytest.raises(ConditionError, match=r"has\(\) only works on \[BODY\], \[HEADER\] and"):
        parse("has([IP]) == true")


@pytest.mark.usefixtures("registry")
def test_placeholders_registration_mistakes_are_programming_errors() -> None:
    with pytest.raises(ValueError, match="'STATUS' is already registered"):
        register(Placeholder("STATUS", "number", "again"))
    with pytest.raises(ValueError, match=r"\[TAGS\] takes a name: give its 'usage'"):
        register(Placeholder("TAGS", "text", "tags", fields="name"))


def test_placeholders_of_every_observation_come_from_its_fields() -> None:
    observed = Observation(success=True, http_status=204, body=b"ok", timings={"total": 0.25})
    assert values(observed, ["STATUS", "RESPONSE_TIME", "BODY", "IP"]) == {
        "STATUS": 204,
        "RESPONSE_TIME": 250.0,
        "BODY": b"ok",
        "IP": None,
    }
    own = Observation(
        success=True,
        http_status=204,
        timings={"total": 0.25},
        context={"STATUS": None, "RESPONSE_TIME": 3.5, "IP": "127.0.0.1"},
    )
    assert values(own, ["STATUS", "RESPONSE_TIME", "BODY", "IP"]) == {
        "STATUS": None,  # the check said it has none
        "RESPONSE_TIME": 3.5,
        "BODY": None,
        "IP": "127.0.0.1",
    }


def test_placeholders_docs_list_exactly_the_registered_ones() -> None:
    text = DOCS.read_text(encoding="utf-8")
    table = text[text.index("| placeholder | value | set by |") :].split("\n\n", 1)[0]
    documented = set(re.findall(r"^\| `\[([A-Z_]+)\]", table, re.MULTILINE))
    assert documented == set(PLACEHOLDERS)
    for name in PLACEHOLDERS:
        assert placeholders.placeholder(name).description
