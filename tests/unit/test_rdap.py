"""Reading RDAP answers (assay.checks.domain.rdap): names, dates, events, registrars."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from assay.checks.domain import rdap


@pytest.mark.parametrize(
    ("given", "queried"),
    [
        ("example.com", "example.com"),
        ("Example.COM.", "example.com"),
        (" sub.example.co.uk ", "sub.example.co.uk"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
    ],
    ids=["plain", "case-and-dot", "spaces", "idn", "a-label"],
)
def test_rdap_names_are_queried_in_ascii(given: str, queried: str) -> None:
    assert rdap.ascii_name(given) == queried


@pytest.mark.parametrize(
    "bad", ["localhost", "", "exa mple.com", "-a.com", "a..com", "x" * 64 + ".com", "a_b.com"]
)
def test_rdap_names_that_are_not_domains_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="must be a domain name such as example.com"):
        rdap.ascii_name(bad)


def test_rdap_dates_take_rfc3339_forms_and_assume_utc() -> None:
    assert rdap.parse_date("2030-01-02T03:04:05Z") == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert rdap.parse_date("2030-01-02T03:04:05.123+02:00").utcoffset() is not None
    assert rdap.parse_date("2030-01-02T03:04:05").tzinfo is UTC
    for bad in ("soon", 20300102, None):
        with pytest.raises(ValueError, match="eventDate is not"):
            rdap.parse_date(bad)


def test_rdap_expiration_is_the_latest_expiration_event() -> None:
    doc = {
        "events": [
            {"eventAction": "expiration", "eventDate": "2030-01-01T00:00:00Z"},
            "junk",
            {"eventAction": "registration", "eventDate": "2000-01-01T00:00:00Z"},
            {"eventAction": "expiration", "eventDate": "2031-01-01T00:00:00Z"},
        ]
    }
    assert rdap.event_date(doc, rdap.EXPIRATION) == datetime(2031, 1, 1, tzinfo=UTC)
    assert rdap.event_date({"events": "none"}, rdap.EXPIRATION) is None
    assert rdap.event_date({}, rdap.EXPIRATION) is None


def test_rdap_summary_tolerates_what_registries_leave_out() -> None:
    doc = {
        "ldhName": "EXAMPLE.COM",
        "events": [{"eventAction": "registration", "eventDate": "garbage"}],
        "entities": [{"roles": ["registrar"], "handle": "292"}, "junk"],
        "nameservers": [{"ldhName": "A.IANA-SERVERS.NET"}, {"noName": 1}, "junk"],
        "status": "active",
    }
    assert rdap.summary(doc) == {
        "ldh_name": "EXAMPLE.COM",
        "unicode_name": None,
        "registrar": "292",
        "registered": None,
        "last_changed": None,
        "status": [],
        "nameservers": ["a.iana-servers.net"],
    }


def test_rdap_error_answers_are_told_by_title_and_description() -> None:
    assert rdap.error_text({"title": "Not Found", "description": ["a", "b"]}) == "Not Found: a: b"
    assert rdap.error_text({"errorCode": 404}) == ""
    assert rdap.error_text(["x"]) == ""
