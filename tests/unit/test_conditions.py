"""The condition language (assay.core.conditions): parsing, evaluation, texts, lazy JSON."""

from __future__ import annotations

import contextlib
import json
import warnings
from types import MappingProxyType, ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assay.core.conditions import (
    JSON_CACHE,
    PLACEHOLDERS,
    Condition,
    ConditionError,
    Verdict,
    parse,
)
from tests.support.bench import load_bench

# see test_loader_properties.py: keeps a hypothesis failure a plain failure under -W error
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    with contextlib.suppress(ImportError):
        import hypothesis.extra._patching  # noqa: F401

DOCUMENT: dict[str, Any] = {
    "status": "ok",
    "version": "1.4.2",
    "name": "api-gateway",
    "checks": [{"name": "db", "healthy": True}, {"name": "cache", "healthy": False}],
    "items": [1, 2, 3],
    "data": {"items": [{"name": "a"}, {"name": "b"}, {"name": "x"}]},
    "count": 3,
    "ratio": 0.5,
    "empty": [],
    "nothing": None,
    "text_number": "42",
}


def context(**overrides: Any) -> dict[str, Any]:
    """A context where every condition of PASSING holds; keyword arguments replace entries."""
    base: dict[str, Any] = {
        "STATUS": 200,
        "RESPONSE_TIME": 123.4,
        "BODY": json.dumps(DOCUMENT).encode(),
        "HEADER": {"Content-Type": "application/json; charset=utf-8", "X-Request-Id": "abc123"},
        "CERTIFICATE_EXPIRATION": 30 * 86400 + 5.0,
        "CONNECTED": True,
        "DNS_RCODE": "NOERROR",
        "IP": "127.0.0.1",
    }
    base.update(overrides)
    return base


def body(**changes: Any) -> bytes:
    """DOCUMENT with some keys changed (a value of ... removes the key), as a JSON body."""
    doc = {**DOCUMENT, **changes}
    return json.dumps({k: v for k, v in doc.items() if v is not ...}).encode()


def outcome(text: str, ctx: dict[str, Any] | None = None) -> Verdict:
    return parse(text).evaluate(context() if ctx is None else ctx)


PASSING = [
    "[STATUS] == 200",
    "[STATUS] != 500",
    "[STATUS] < 500",
    "[STATUS] <= 200",
    "[STATUS] > 199",
    "[STATUS] >= 200",
    "[STATUS] == 200.0",
    "[STATUS] == any(200, 204)",
    "[STATUS] != any(500, 503)",
    "[STATUS] == pat(2*)",
    "[RESPONSE_TIME] < 300",
    "[RESPONSE_TIME] < 1.5s",
    "[RESPONSE_TIME] < 200ms",
    "[RESPONSE_TIME] > 0.1s",
    "[RESPONSE_TIME] == any(123.4, 1s)",
    "[BODY].status == ok",
    "[BODY].checks[0].healthy == true",
    "[BODY].checks[1].healthy == false",
    "[BODY].checks[-1].name == cache",
    "[BODY].data.items[2].name == x",
    "[BODY].count == 3",
    "[BODY].count >= 3",
    "[BODY].ratio < 1",
    "[BODY].text_number == 42",
    "[BODY].text_number > 41",
    "[BODY].nothing == null",
    "[BODY].version == 1.4.2",
    '[BODY].items == "[1,2,3]"',
    "len([BODY].items) > 0",
    "len([BODY].items) == 3",
    "len([BODY].empty) == 0",
    "len([BODY].name) == 11",
    "len([BODY].data) == 1",
    "len([BODY]) < 1000",
    "has([BODY].version) == true",
    "has([BODY].missing) == false",
    "has([BODY].checks[1]) == true",
    "has([BODY].checks[5]) == false",
    "has([BODY].nothing) == true",
    "has([BODY]) == true",
    "[BODY].name == pat(api-*)",
    "[BODY].name != pat(web-*)",
    "[BODY].status == any(ok, up)",
    '[BODY].status == any("ok", "up")',
    '[BODY].name == "api-gateway"',
    '[BODY] == pat(*"status": "ok"*)',
    '[BODY] == pat("*\\"name\\": \\"api-*")',
    "[HEADER].content-type == pat(application/json*)",
    "[HEADER].Content-Type == pat(application/json*)",
    "[HEADER].X-REQUEST-ID == abc123",
    "has([HEADER].x-request-id) == true",
    "has([HEADER].etag) == false",
    "[CERTIFICATE_EXPIRATION] > 168h",
    "[CERTIFICATE_EXPIRATION] > 48h",
    "[CERTIFICATE_EXPIRATION] > 30d",
    "[CERTIFICATE_EXPIRATION] > 1h30m",
    "[CERTIFICATE_EXPIRATION] > 604800",
    "[CERTIFICATE_EXPIRATION] < 31d",
    "[CERTIFICATE_EXPIRATION] > -1h",
    "[CONNECTED] == true",
    "[CONNECTED] != false",
    "[CONNECTED] == TRUE",
    "[DNS_RCODE] == NOERROR",
    "[DNS_RCODE] != NXDOMAIN",
    "[DNS_RCODE] == any(NOERROR, NXDOMAIN)",
    "[IP] == 127.0.0.1",
    "[IP] == pat(127.*)",
    "[IP] != 10.0.0.1",
    "  [STATUS]==200  ",
    "[STATUS]\t==\t200",
    "len( [BODY].items ) > 0",
    "[ STATUS ] == 200",
    "[STATUS] == any( 200 ,204 )",
]


@pytest.mark.parametrize("text", PASSING, ids=PASSING)
def test_condition_passes(text: str) -> None:
    result = outcome(text)
    assert result.ok, result.text


@pytest.mark.parametrize(
    ("text", "ctx", "expected"),
    [
        ("[STATUS] == 200", {"STATUS": 503}, "[STATUS] (503) == 200"),
        ("[STATUS] < 500", {"STATUS": 503}, "[STATUS] (503) < 500"),
        ("[STATUS] == any(200, 204)", {"STATUS": 503}, "[STATUS] (503) == any(200, 204)"),
        ("[STATUS] != any(200, 204)", {"STATUS": 200}, "[STATUS] (200) != any(200, 204)"),
        ("[STATUS] == pat(2*)", {"STATUS": 503}, "[STATUS] (503) == pat(2*)"),
        ("[RESPONSE_TIME] < 300", {"RESPONSE_TIME": 412.3}, "[RESPONSE_TIME] (412.3) < 300"),
        ("[RESPONSE_TIME] < 0.4s", {"RESPONSE_TIME": 412.3}, "[RESPONSE_TIME] (412.3) < 0.4s"),
        (
            "[RESPONSE_TIME] < 300",
            {"RESPONSE_TIME": 412.34567},
            "[RESPONSE_TIME] (412.346) < 300",
        ),
        (
            "[BODY].status == ok",
            {"BODY": body(status="degraded")},
            "[BODY].status (degraded) == ok",
        ),
        ("len([BODY].items) > 0", {"BODY": body(items=[])}, "len([BODY].items) (0) > 0"),
        ("[BODY].version == 2", {"BODY": body(version=...)}, "[BODY].version (missing) == 2"),
        ("[BODY].items[5] == 1", {}, "[BODY].items[5] (missing) == 1"),
        ("[BODY].status[0] == o", {}, "[BODY].status[0] (missing) == o"),
        ("[BODY].checks.name == db", {}, "[BODY].checks.name (missing) == db"),
        (
            "has([BODY].version) == true",
            {"BODY": body(version=...)},
            "has([BODY].version) (false) == true",
        ),
        (
            "[BODY].status == ok",
            {"BODY": b"<html>"},
            "[BODY].status (not JSON: Expecting value at line 1 column 1) == ok",
        ),
        (
            "has([BODY].version) == false",
            {"BODY": "{"},
            "has([BODY].version) (not JSON: Expecting property name enclosed in double quotes"
            " at line 1 column 2) == false",
        ),
        ("[BODY].x == 1", {"BODY": b"\xff"}, "[BODY].x (not JSON: 'utf-8' codec can't decode byte"),
        (
            "[BODY].status < 5",
            {"BODY": body(status="degraded")},
            "[BODY].status (degraded: not a number) < 5",
        ),
        ("len([BODY].count) > 0", {}, "len([BODY].count) (3: no length) > 0"),
        (
            "[BODY].checks == x",
            {"BODY": body(checks=[{"ok": True}])},
            '[BODY].checks ([{"ok":true}]) == x',
        ),
        (
            "[BODY].name == pat(api-*)",
            {"BODY": body(name="web-1")},
            "[BODY].name (web-1) == pat(api-*)",
        ),
        (
            "[BODY].name != pat(api-*)",
            {"BODY": body(name="api-1")},
            "[BODY].name (api-1) != pat(api-*)",
        ),
        ("[BODY] == pong", {"BODY": b"pong\n"}, "[BODY] (pong\\n) == pong"),
        ("[BODY] == pong", {"BODY": ""}, '[BODY] ("") == pong'),
        ("[BODY] == x", {"BODY": "a" * 200}, "[BODY] (" + "a" * 77 + "...) == x"),
        ("len([BODY]) < 3", {"BODY": "pong"}, "len([BODY]) (4) < 3"),
        (
            "[HEADER].content-type == pat(application/json*)",
            {"HEADER": {"content-type": "text/html"}},
            "[HEADER].content-type (text/html) == pat(application/json*)",
        ),
        ("[HEADER].etag == x", {}, "[HEADER].etag (missing) == x"),
        (
            "[HEADER].etag == x",
            {"HEADER": "oops"},
            "[HEADER].etag (not available for this check) == x",
        ),
        (
            "[CERTIFICATE_EXPIRATION] > 168h",
            {"CERTIFICATE_EXPIRATION": 3600.0},
            "[CERTIFICATE_EXPIRATION] (3600.0) > 168h",
        ),
        (
            "[CERTIFICATE_EXPIRATION] > 48h",
            {"CERTIFICATE_EXPIRATION": -120.5},
            "[CERTIFICATE_EXPIRATION] (-120.5) > 48h",
        ),
        ("[CONNECTED] == true", {"CONNECTED": False}, "[CONNECTED] (false) == true"),
        ("[DNS_RCODE] == NOERROR", {"DNS_RCODE": "NXDOMAIN"}, "[DNS_RCODE] (NXDOMAIN) == NOERROR"),
        ("[IP] == 127.0.0.1", {"IP": "10.0.0.1"}, "[IP] (10.0.0.1) == 127.0.0.1"),
        ("[STATUS] == 200", {"STATUS": None}, "[STATUS] (not available for this check) == 200"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_condition_fails_with_gatus_style_text(
    text: str, ctx: dict[str, Any], expected: str
) -> None:
    result = outcome(text, context(**ctx))
    assert not result.ok
    assert result.text.startswith(expected)
    if "codec" not in expected:
        assert result.text == expected


@pytest.mark.parametrize("name", sorted(PLACEHOLDERS))
def test_missing_placeholder_is_a_failure_not_an_exception(name: str) -> None:
    path = ".x" if name in ("BODY", "HEADER") else ""
    value = "true" if PLACEHOLDERS.get(name).kind == "bool" else "1"
    for comparator in ("==", "!="):
        result = parse(f"[{name}]{path} {comparator} {value}").evaluate({})
        assert result == Verdict(
            False, f"[{name}]{path} (not available for this check) {comparator} {value}"
        )


def test_missing_certificate_expiration_reads_like_gatus() -> None:
    result = parse("[CERTIFICATE_EXPIRATION] > 168h").evaluate({"STATUS": 200})
    assert result == Verdict(
        False, "[CERTIFICATE_EXPIRATION] (not available for this check) > 168h"
    )


def test_passing_outcome_shows_the_value_too() -> None:
    assert outcome("[STATUS] == 200") == Verdict(True, "[STATUS] (200) == 200")


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("[STATS] == 200", "unknown placeholder [STATS] (did you mean [STATUS]?)", 0),
        ("[status] == 200", "unknown placeholder [status] (did you mean [STATUS]?)", 0),
        (
            "[RESPONSE_TIM] < 1",
            "unknown placeholder [RESPONSE_TIM] (did you mean [RESPONSE_TIME]?)",
            0,
        ),
        ("[NOPE] == 1", "unknown placeholder [NOPE]", 0),
        ("len([BOD]) > 1", "unknown placeholder [BOD] (did you mean [BODY]?)", 4),
        ("[STATUS] 200", "missing comparator (==, !=, <, <=, >, >=)", 9),
        ("[STATUS]", "missing comparator", 8),
        ("[STATUS] = 200", "missing comparator (==, !=, <, <=, >, >=) (did you mean ==?)", 9),
        ("[STATUS] ==", "missing value after '=='", 11),
        ("[STATUS] <=   ", "missing value after '<='", 14),
        ("", "expected a placeholder like [STATUS]", 0),
        ("   ", "expected a placeholder like [STATUS]", 3),
        ("200 == [STATUS]", "expected a placeholder like [STATUS]", 0),
        ("foo([BODY]) == 1", "unknown function foo()", 0),
        ("ln([BODY]) > 1", "unknown function ln() (did you mean len()?)", 0),
        ("[STATUS] == paat(2*)", "unknown function paat() (did you mean pat()?)", 12),
        ("pat([BODY]) == 1", "pat() belongs on the right side", 0),
        ("[STATUS] == len([BODY])", "len() belongs on the left side", 12),
        ("len([STATUS]) > 1", "len() only works on [BODY]", 0),
        ("len([HEADER].x) > 1", "len() only works on [BODY]", 0),
        ("has([IP]) == true", "has() only works on [BODY] and [HEADER]", 0),
        ("len(STATUS) > 1", "len() takes a placeholder", 4),
        ("len([BODY] > 1", "missing ')' to close len(", 11),
        ("[STATUS == 200", "unclosed '['", 0),
        ("[BODY].items[0 == 1", "unclosed '['", 12),
        ("[BODY].x[a] == 1", "an index must be a whole number", 8),
        ("[BODY]. == 1", "missing field name after '.'", 7),
        ("[HEADER] == x", "[HEADER] takes one header name", 0),
        ("[HEADER].a.b == x", "[HEADER] takes one header name", 0),
        ("[HEADER][0] == x", "[HEADER] takes one header name", 0),
        ("[STATUS].code == 1", "[STATUS] has no fields", 0),
        ("[RESPONSE_TIME] < 5y", "bad duration '5y'", 18),
        ("[RESPONSE_TIME] < 1h30x", "bad duration '1h30x'", 18),
        ("[CERTIFICATE_EXPIRATION] > 30days", "bad duration '30days'", 27),
        ("[CERTIFICATE_EXPIRATION] > h", "bad duration 'h'", 27),
        ("[RESPONSE_TIME] == any(1s, soon)", "bad duration 'soon'", 27),
        ("[STATUS] == abc", "[STATUS] is a number, not 'abc'", 12),
        ("[STATUS] == 5s", "[STATUS] is a number, not '5s'", 12),
        ("len([BODY]) > 1h", "len([BODY]) is a number, not '1h'", 14),
        ("[CONNECTED] == yes", "[CONNECTED] is true or false, not 'yes'", 15),
        ("has([BODY].x) == 1", "has([BODY].x) is true or false, not '1'", 17),
        ("[BODY] < abc", "< needs a number, not abc", 9),
        ('[STATUS] > "5"', '> needs a number, not "5"', 11),
        ("[STATUS] < any(1)", "any() only works with == and !=", 11),
        ("[BODY] >= pat(a*)", "pat() only works with == and !=", 10),
        ("[BODY].x == pat(a", "missing ')' to close pat(", 16),
        ("[BODY].x == pat()", "pat() needs a pattern", 16),
        ('[BODY].x == pat("a" b)', "missing ')' to close pat(", 20),
        ("[STATUS] == any(1, 2", "missing ')' to close any(", 20),
        ("[STATUS] == any()", "missing value", 16),
        ("[STATUS] == any(200,)", "missing value", 20),
        ("[STATUS] == any(pat(2*))", "unexpected '(' (functions do not nest", 19),
        ('[BODY] == "abc', "unclosed quote", 10),
        ('[BODY] == "a" b', "unexpected 'b' after the value", 14),
        ("[BODY] == a,b", "unexpected ',' after the value", 11),
        ("[BODY] == a)", "unexpected ')' after the value", 11),
        ("[STATUS] == [BODY].code", "a placeholder only goes on the left side", 12),
    ],
    ids=lambda value: value if isinstance(value, str) else str(value),
)
def test_malformed_condition_raises_with_position(text: str, message: str, position: int) -> None:
    with pytest.raises(ConditionError) as caught:
        parse(text)
    assert caught.value.message.startswith(message), caught.value.message
    assert caught.value.position == position


def test_condition_error_renders_a_one_based_column_then_the_suggestion() -> None:
    with pytest.raises(ConditionError) as caught:
        parse("[STATS] == 200")
    error = caught.value
    assert isinstance(error, ValueError)
    assert str(error) == "unknown placeholder [STATS] at column 1 (did you mean [STATUS]?)"
    assert error.message == "unknown placeholder [STATS] (did you mean [STATUS]?)"
    assert error.position == 0
    assert str(ConditionError("boom", 4)) == "boom at column 5"


def test_parse_keeps_the_source_and_names_the_placeholders() -> None:
    condition = parse("  len([BODY].items) > 0 ")
    assert isinstance(condition, Condition)
    assert condition.source == "  len([BODY].items) > 0 "
    assert condition.placeholders == frozenset({"BODY"})
    assert parse("[HEADER].etag == x").placeholders == frozenset({"HEADER"})
    assert parse("[STATUS] == 200") == parse("[STATUS] == 200")


@pytest.mark.parametrize(
    ("text", "seconds", "ok"),
    [
        ("[CERTIFICATE_EXPIRATION] > 168h", 168 * 3600 + 1, True),
        ("[CERTIFICATE_EXPIRATION] > 168h", 168 * 3600, False),
        ("[CERTIFICATE_EXPIRATION] >= 7d", 7 * 86400, True),
        ("[CERTIFICATE_EXPIRATION] > 1h30m", 5401, True),
        ("[CERTIFICATE_EXPIRATION] > 1h30m", 5399, False),
        ("[CERTIFICATE_EXPIRATION] > 1d12h", 36 * 3600 + 1, True),
        ("[CERTIFICATE_EXPIRATION] > 1.5h", 5401, True),
        ("[CERTIFICATE_EXPIRATION] > 90s", 91, True),
        ("[CERTIFICATE_EXPIRATION] > 500ms", 0.6, True),
        ("[CERTIFICATE_EXPIRATION] > 500ms", 0.4, False),
        ("[CERTIFICATE_EXPIRATION] > 2m", 119, False),
        ("[CERTIFICATE_EXPIRATION] > 30", 31, True),
        ("[CERTIFICATE_EXPIRATION] > 0", -1, False),
        ("[CERTIFICATE_EXPIRATION] > -2h", -3600, True),
    ],
    ids=lambda value: value if isinstance(value, str) else str(value),
)
def test_certificate_durations_compare_in_seconds(text: str, seconds: float, ok: bool) -> None:
    assert outcome(text, context(CERTIFICATE_EXPIRATION=seconds)).ok is ok


@pytest.mark.parametrize(
    ("text", "millis", "ok"),
    [
        ("[RESPONSE_TIME] < 300", 299.9, True),
        ("[RESPONSE_TIME] < 300", 300, False),
        ("[RESPONSE_TIME] < 300ms", 299, True),
        ("[RESPONSE_TIME] < 1.5s", 1499, True),
        ("[RESPONSE_TIME] < 1.5s", 1500, False),
        ("[RESPONSE_TIME] < 1m", 59_999, True),
        ("[RESPONSE_TIME] <= 1s500ms", 1500, True),
    ],
    ids=lambda value: value if isinstance(value, str) else str(value),
)
def test_response_time_durations_compare_in_milliseconds(
    text: str, millis: float, ok: bool
) -> None:
    assert outcome(text, context(RESPONSE_TIME=millis)).ok is ok


def test_a_duration_converts_to_the_left_placeholders_unit() -> None:
    assert parse("[RESPONSE_TIME] < 1.5s").right.values == (1500.0,)
    assert parse("[CERTIFICATE_EXPIRATION] > 168h").right.values == (604800.0,)
    assert parse("[CERTIFICATE_EXPIRATION] > 168").right.values == (168,)
    # elsewhere a duration-looking value is plain text
    assert parse("[BODY].uptime == 5s").right.values == ("5s",)


@pytest.mark.parametrize(
    ("headers", "text", "ok"),
    [
        ({"content-type": "application/json"}, "[HEADER].Content-Type == application/json", True),
        ({"CONTENT-TYPE": "application/json"}, "[HEADER].content-type == application/json", True),
        ({"Content-Type": "text/html"}, "[HEADER].content-type == pat(application/json*)", False),
        ({"X-Count": "42"}, "[HEADER].x-count > 41", True),
        ({"X-Count": "forty"}, "[HEADER].x-count > 41", False),
        ({"X-Flag": "True"}, "[HEADER].x-flag == true", True),
        ({"Etag": '"abc"'}, "has([HEADER].ETAG) == true", True),
        ({}, "has([HEADER].etag) == false", True),
        ({"Server": "nginx/1.25 (Ubuntu)"}, '[HEADER].server == "nginx/1.25 (Ubuntu)"', True),
        ({"Server": "nginx/1.25 (Ubuntu)"}, "[HEADER].server == pat(nginx/* (Ubuntu))", True),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_header_names_match_case_insensitively(
    headers: dict[str, str], text: str, ok: bool
) -> None:
    assert outcome(text, context(HEADER=headers)).ok is ok


@pytest.mark.parametrize(
    ("text", "right"),
    [
        ('[BODY].msg == "hello world"', ("hello world",)),
        ("[BODY].msg == hello world", ("hello world",)),
        ('[BODY].msg == "a \\"quoted\\" word"', ('a "quoted" word',)),
        ('[BODY].msg == "x, (y)"', ("x, (y)",)),
        ('[BODY].code == "200"', ("200",)),
        ("[BODY].code == 200", (200,)),
        ("[BODY].ratio == -0.5", (-0.5,)),
        ("[BODY].big == 1e3", (1000.0,)),
        ("[BODY].ok == true", (True,)),
        ("[BODY].ok == False", (False,)),
        ('[BODY].ok == "true"', ("true",)),
        ("[STATUS] == any(200, 204)", (200, 204)),
        ('[BODY].s == any("a b", c)', ("a b", "c")),
        ("[BODY].name == pat(api-*)", ("api-*",)),
        ("[BODY] == pat(*<h1>Example Domain</h1>*)", ("*<h1>Example Domain</h1>*",)),
        ('[BODY] == pat("*, *")', ("*, *",)),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_values_are_typed_unless_quoted(text: str, right: tuple[Any, ...]) -> None:
    values = parse(text).right.values
    assert values == right
    assert [type(v) for v in values] == [type(v) for v in right]


def test_quoted_numbers_compare_as_text() -> None:
    ctx = context(BODY=json.dumps({"code": 200, "text": "200.0"}))
    assert outcome('[BODY].code == "200"', ctx).ok
    assert outcome("[BODY].text == 200", ctx).ok  # numbers written as text compare as numbers
    assert not outcome('[BODY].text == "200"', ctx).ok


def test_booleans_and_numbers_do_not_mix() -> None:
    ctx = context(BODY=json.dumps({"one": 1, "yes": True}))
    assert not outcome("[BODY].one == true", ctx).ok
    assert not outcome("[BODY].yes == 1", ctx).ok
    assert not outcome("[BODY].yes > 0", ctx).ok


def test_whole_body_condition_works_on_text_and_bytes() -> None:
    for raw in (b"pong", "pong", bytearray(b"pong")):
        assert outcome("[BODY] == pong", {"BODY": raw}).ok
    assert outcome("len([BODY]) == 4", {"BODY": "pong"}).ok
    assert outcome("len([BODY]) == 1", {"BODY": "é".encode()}).ok  # characters, not bytes


def test_a_decoded_document_is_accepted_as_the_body() -> None:
    assert outcome("[BODY].status == ok", {"BODY": {"status": "ok"}}).ok
    assert outcome("len([BODY]) == 2", {"BODY": [1, 2]}).ok is False  # text "[1,2]" has 5
    assert outcome("len([BODY]) == 5", {"BODY": [1, 2]}).ok


# --- lazy JSON parsing ---------------------------------------------------------------------


@pytest.fixture
def json_loads_calls(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Record every body json.loads is called with (from the conditions module)."""
    calls: list[object] = []
    real = json.loads

    def counting(text: Any, **kwargs: Any) -> Any:
        calls.append(text)
        return real(text, **kwargs)

    monkeypatch.setattr("assay.core.condition_values.json.loads", counting)
    return calls


@pytest.mark.parametrize(
    "text",
    [
        "[STATUS] == 200",
        "[BODY] == <html>",
        "[BODY] == pat(<ht*)",
        "len([BODY]) == 6",
        "[HEADER].a == b",
    ],
)
def test_invalid_json_body_is_fine_without_a_json_path(
    text: str, json_loads_calls: list[object]
) -> None:
    ctx = context(BODY=b"<html>", HEADER={"A": "b"})
    assert outcome(text, ctx).ok
    assert json_loads_calls == []
    assert JSON_CACHE not in ctx


def test_body_is_parsed_once_for_several_conditions(json_loads_calls: list[object]) -> None:
    ctx = context()
    texts = ["[BODY].status == ok", "len([BODY].items) == 3", "has([BODY].version) == true"]
    assert all(outcome(text, ctx).ok for text in texts * 3)
    assert len(json_loads_calls) == 1
    assert JSON_CACHE in ctx


def test_a_failed_parse_is_cached_too(json_loads_calls: list[object]) -> None:
    ctx = context(BODY=b"not json")
    first = outcome("[BODY].a == 1", ctx)
    second = outcome("has([BODY].b) == false", ctx)
    assert not first.ok and not second.ok
    assert "not JSON" in second.text
    assert len(json_loads_calls) == 1


def test_cache_follows_a_replaced_body(json_loads_calls: list[object]) -> None:
    ctx = context()
    assert outcome("[BODY].status == ok", ctx).ok
    ctx["BODY"] = body(status="down")
    assert outcome("[BODY].status == down", ctx).ok
    assert len(json_loads_calls) == 2


def test_junk_under_the_cache_key_is_ignored() -> None:
    ctx = context()
    ctx[JSON_CACHE] = {"status": "forged"}
    assert outcome("[BODY].status == ok", ctx).ok


def test_read_only_context_evaluates_without_caching(json_loads_calls: list[object]) -> None:
    ctx = MappingProxyType(context())
    condition = parse("[BODY].status == ok")
    assert condition.evaluate(ctx).ok
    assert condition.evaluate(ctx).ok
    assert len(json_loads_calls) == 2


def test_deeply_nested_json_is_a_failure_not_a_crash() -> None:
    result = outcome("[BODY].a == 1", {"BODY": "[" * 100_000})
    assert not result.ok
    assert "not JSON" in result.text


# --- properties ----------------------------------------------------------------------------

FAST = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FRAGMENTS = [
    *(f"[{name}]" for name in PLACEHOLDERS),
    "[", "]", "(", ")", ".", ",", '"', "\\", " ", "\t", "[0]", "[-1]", ".a", ".status",
    "len(", "has(", "pat(", "any(", "foo(", "==", "!=", "<", "<=", ">", ">=", "=", "!",
    "200", "1.5", "-3", "1e3", "1h30m", "30d", "5y", "ms", "true", "false", "null", "ok", "*", "?",
]  # fmt: skip
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats()
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
CONTEXT_VALUES = (
    JSON_VALUES
    | st.binary(max_size=40)
    | JSON_VALUES.map(lambda v: json.dumps(v).encode())
    | JSON_VALUES.map(json.dumps)
    | st.dictionaries(st.text(max_size=12), st.text(max_size=12), max_size=4)
)
CONTEXTS = st.dictionaries(
    st.sampled_from([*PLACEHOLDERS, JSON_CACHE, "OTHER"]), CONTEXT_VALUES, max_size=8
)


def parses_or_raises_condition_error(text: str) -> Condition | None:
    error: ConditionError | None = None
    try:
        condition = parse(text)
    except ConditionError as caught:
        error = caught
    if error is not None:
        assert 0 <= error.position <= len(text)
        assert error.message and str(error)
        return None
    assert condition.source == text
    assert condition.placeholders <= set(PLACEHOLDERS)
    return condition


@settings(FAST)
@given(st.text())
def test_parse_of_any_text_returns_a_condition_or_raises_condition_error(text: str) -> None:
    parses_or_raises_condition_error(text)


@settings(FAST, max_examples=600)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join), CONTEXTS)
def test_parse_of_condition_like_text_never_crashes(text: str, ctx: dict[str, Any]) -> None:
    condition = parses_or_raises_condition_error(text)
    if condition is not None:
        result = condition.evaluate(ctx)
        assert isinstance(result.ok, bool)
        assert result.text.startswith(str(condition.left))


@settings(FAST)
@given(st.sampled_from(PASSING), CONTEXTS)
def test_evaluate_on_any_context_never_raises(text: str, ctx: dict[str, Any]) -> None:
    result = parse(text).evaluate(ctx)
    assert isinstance(result, Verdict)
    assert isinstance(result.ok, bool)
    assert isinstance(result.text, str)


# --- benchmark smoke -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_bench("conditions")


def test_bench_main_runs_briefly(bench: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    figures = bench.main(["--seconds", "0.01"])
    out = capsys.readouterr().out
    assert figures["conditions"] == len(bench.CONDITIONS) == 10
    assert 1500 <= figures["body_bytes"] <= 3000
    for key in ("parse", "warm", "cold", "no cache"):
        assert figures[key] > 0
    for label in ("parse", "eval warm", "eval cold", "eval no cache", "evaluations/s"):
        assert label in out
