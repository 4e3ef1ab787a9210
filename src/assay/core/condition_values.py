"""A parsed condition and its evaluation: resolve its left side in a check's context, compare.

A check's context is a plain dict (``Observation.context``). Nothing here raises on what a
check put in it: a value that is missing or unusable becomes an ``Absent`` whose reason the
verdict shows in place of the value, as in ``[BODY].version (missing) == 2``.
"""

from __future__ import annotations

import fnmatch
import json
import operator
import re
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

JSON_CACHE = "_BODY_JSON"  # context key of the parsed body, shared by a check's conditions
UNAVAILABLE, MISSING = "not available for this check", "missing"
MAX_SHOWN = 80  # longer values are clipped in verdict texts

Value = bool | int | float | str
ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_ESCAPES = str.maketrans({"\n": "\\n", "\r": "\\r", "\t": "\\t"})
_EQUALITY = ("==", "!=")


@dataclass(frozen=True, slots=True)
class Left:
    """The left side: ``func([NAME].path)``, where ``func`` is "", "len" or "has".

    ``fields`` is the placeholder's: what its path walks ("document": JSON, "name": one
    case-insensitive key of a mapping, "none").
    """

    func: str
    name: str
    path: tuple[str | int, ...]
    fields: str = "none"

    def __str__(self) -> str:
        steps = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in self.path)
        return f"{self.func}([{self.name}]{steps})" if self.func else f"[{self.name}]{steps}"


@dataclass(frozen=True, slots=True)
class Right:
    """The right side: a value, ``pat(glob)`` or ``any(values)``, and its text as written."""

    func: str  # "", "pat" or "any"
    values: tuple[Value, ...]
    source: str


@dataclass(frozen=True, slots=True)
class Absent:
    """No value to compare, and why (shown in place of the value)."""

    reason: str


Judgement = tuple[bool, Any, str]  # ok, the resolved value (or an Absent), a note


@dataclass(frozen=True, slots=True)
class _Parsed:
    """The cached JSON of ``body``; the identity check notices a context reused for another."""

    body: object
    value: Any


def judge(left: Left, comparator: str, right: Right, context: Mapping[str, Any]) -> Judgement:
    """Whether the condition holds in ``context``: (ok, the resolved value, a note)."""
    value = resolve(left, context)
    if isinstance(value, Absent):
        return False, value, ""
    if right.func == "" and comparator in _EQUALITY and len(right.values) == 1:
        # the common case, without the generator of _compare
        return _equal(value, right.values[0]) == (comparator == "=="), value, ""
    ok, note = _compare(comparator, value, right)
    return ok, value, note


def shown(value: Any, note: str = "") -> str:
    """A judged value as an outcome shows it: ``503``, ``missing``, ``abc: not a number``."""
    text = _clip(value.reason) if isinstance(value, Absent) else _show(value)
    return f"{text}: {note}" if note else text


def describe(left: Left, comparator: str, right: Right, value: Any, note: str) -> str:
    """The Gatus-style text of a judgement: ``[STATUS] (503) == 200``."""
    return f"{left} ({shown(value, note)}) {comparator} {right.source}"


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def number(token: str) -> int | float | None:
    """``token`` as a number if it is written as one, else None."""
    if not _NUMBER.fullmatch(token):
        return None
    try:
        return int(token)
    except ValueError:  # a fraction, an exponent, or more digits than int() accepts
        return float(token)


def resolve(left: Left, context: Mapping[str, Any]) -> Any:
    """The value ``left`` names in ``context``, or an ``Absent`` saying why there is none."""
    raw = context.get(left.name)
    if raw is None:
        return Absent(UNAVAILABLE)
    if left.fields == "name":
        value = _named(raw, str(left.path[0]).lower())
    elif left.fields == "document" and (left.path or left.func == "has"):
        value = _walk(_json(context, raw), left.path)
    else:  # a whole document compares as its text
        value = _text(raw) if left.fields == "document" else raw
    absent = isinstance(value, Absent)
    if left.func == "has":  # only a missing path is false; an unusable body stays a failure
        return value if absent and value.reason != MISSING else not absent
    if left.func == "len" and not absent:
        if isinstance(value, str | list | dict):
            return len(value)
        return Absent(f"{_show(value)}: no length")
    return value


def _named(mapping: object, name: str) -> Any:
    if not isinstance(mapping, Mapping):
        return Absent(UNAVAILABLE)
    for key, value in mapping.items():
        if isinstance(key, str) and key.lower() == name:  # as HTTP header names, case ignored
            return value
    return Absent(MISSING)


def json_seed(body: object, value: Any) -> dict[str, Any]:
    """Context entries telling conditions that ``body`` is already parsed as ``value``."""
    return {JSON_CACHE: _Parsed(body, value)}


def _json(context: Mapping[str, Any], body: object) -> Any:
    """The body as JSON, parsed once per context: the parse is cached in the context."""
    cached = context.get(JSON_CACHE)
    if isinstance(cached, _Parsed) and cached.body is body:
        return cached.value
    value: Any = body  # a check may hand over an already decoded document
    if isinstance(body, bytes | bytearray | str):
        try:
            value = json.loads(body)
        except json.JSONDecodeError as exc:
            value = Absent(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
        except (ValueError, RecursionError) as exc:  # bad UTF-8, huge integers, deep nesting
            value = Absent(_clip(f"not JSON: {exc}"))
    if isinstance(context, MutableMapping):
        context[JSON_CACHE] = _Parsed(body, value)
    return value


def _walk(document: Any, path: tuple[str | int, ...]) -> Any:
    if isinstance(document, Absent):
        return document
    for key in path:
        if isinstance(key, int):
            found = isinstance(document, list) and -len(document) <= key < len(document)
        else:
            found = isinstance(document, dict) and key in document
        if not found:
            return Absent(MISSING)
        document = document[key]
    return document


def _compare(comparator: str, value: Any, right: Right) -> tuple[bool, str]:
    """Whether ``value`` satisfies the comparison, and a note when it cannot be compared."""
    if right.func == "pat":
        hit = fnmatch.fnmatchcase(_text(value), str(right.values[0]))
    elif comparator in ORDER:
        given = number(value.strip()) if isinstance(value, str) else value
        if not is_number(given):
            return False, "not a number"
        return ORDER[comparator](given, right.values[0]), ""
    else:
        hit = any(_equal(value, expected) for expected in right.values)
    return hit == (comparator == "=="), ""


def _equal(value: Any, expected: Value) -> bool:
    if isinstance(expected, bool):
        return _text(value).lower() == _text(expected)  # a header may say "True"
    if isinstance(expected, int | float):
        given = number(value.strip()) if isinstance(value, str) else value
        return is_number(given) and bool(given == expected)
    return _text(value) == expected


def _text(value: Any) -> str:
    """A value as text, JSON-style (true, null, compact objects), for == and pat()."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, bool) or value is None:
        return "null" if value is None else "true" if value else "false"
    if isinstance(value, dict | list):
        try:
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
        except (TypeError, ValueError, RecursionError):  # odd keys, cycles in a handed-over value
            return repr(value)
    return str(value)


def _show(value: Any) -> str:
    """A value as shown in a verdict: rounded, escaped, clipped to ``MAX_SHOWN``."""
    if isinstance(value, float):
        value = round(value, 3)
    return _clip(_text(value).translate(_ESCAPES) or '""')


def _clip(text: str) -> str:
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


class Verdict:
    """The verdict of one condition; ``text`` shows the resolved value, pass or fail.

    The text is built on first use: most conditions pass and nobody reads theirs.
    """

    __slots__ = ("_condition", "_note", "_text", "_value", "ok")

    def __init__(self, ok: bool, text: str | None = None) -> None:
        self.ok = ok
        self._text = text
        self._condition: Condition | None = None
        self._value: Any = None
        self._note = ""

    @classmethod
    def judged(cls, condition: Condition, ok: bool, value: Any, note: str) -> Verdict:
        verdict = cls(ok)
        verdict._condition, verdict._value, verdict._note = condition, value, note
        return verdict

    @property
    def observed(self) -> bool:
        """Whether the check saw a value to judge (not missing, not an error's absence)."""
        return self._condition is not None and not isinstance(self._value, Absent)

    @property
    def shown(self) -> str | None:
        """The value judged, as the text shows it (None for a verdict given as text)."""
        return None if self._condition is None else shown(self._value, self._note)

    @property
    def text(self) -> str:
        if self._text is None:
            c = self._condition
            assert c is not None  # a verdict is built with a text or from a judgement
            self._text = describe(c.left, c.comparator, c.right, self._value, self._note)
        return self._text

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Verdict):
            return NotImplemented
        return (self.ok, self.text) == (other.ok, other.text)

    def __hash__(self) -> int:
        return hash((self.ok, self.text))

    def __repr__(self) -> str:
        return f"Verdict(ok={self.ok!r}, text={self.text!r})"


@dataclass(frozen=True, slots=True)
class Condition:
    """A parsed condition, evaluated against the context of each observation."""

    source: str
    left: Left
    comparator: str
    right: Right

    @property
    def placeholders(self) -> frozenset[str]:
        return frozenset({self.left.name})

    def evaluate(self, context: Mapping[str, Any]) -> Verdict:
        """Compare; a value the context lacks is a failure, never an exception."""
        return Verdict.judged(self, *judge(self.left, self.comparator, self.right, context))
