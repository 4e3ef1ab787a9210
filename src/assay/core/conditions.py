"""The condition language of endpoint checks, after Gatus: ``[STATUS] == 200``.

A condition is ``left comparator right``. The left side is a placeholder (``[STATUS]``), a
path into the JSON body or a header (``[BODY].checks[0].ok``, ``[HEADER].content-type``), or
``len(...)``/``has(...)`` of one. The right side is a value, ``pat(glob)`` (unquoted, up to
the last ``)``) or ``any(v1, v2, ...)``. A bare value ends at ``"``, ``(``, ``)`` or ``,`` and is
typed: ``true``/``false``, a number, a duration (``1h30m``, in the unit of ``[RESPONSE_TIME]``
(ms) or ``[CERTIFICATE_EXPIRATION]`` (s)), else text; a ``"quoted"`` value is always text.

The placeholders are those registered in ``core/placeholders.py``: core's own and each
family's. ``parse`` reports every malformed condition as a ``ConditionError`` with a column, so
suites fail at load time; ``Condition.evaluate`` never raises: a missing value is a failed
``Verdict`` whose text says why, as in ``[BODY].version (missing) == 2``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NoReturn

from assay.core.condition_values import (
    JSON_CACHE,
    ORDER,
    Condition,
    Left,
    Right,
    Value,
    Verdict,
    is_number,
    json_seed,
    number,
)
from assay.core.placeholders import PLACEHOLDERS, placeholder, with_fields
from assay.core.registry import suggest

__all__ = [
    "JSON_CACHE",
    "PLACEHOLDERS",
    "Condition",
    "ConditionError",
    "Verdict",
    "json_seed",
    "parse",
]

FUNCTIONS = ("len", "has", "pat", "any")
COMPARATORS = ("==", "!=", "<=", ">=", "<", ">")  # two-character ones first
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
_NAME = re.compile(r"[A-Za-z_]\w*")
_KEY = re.compile(r"[^\s.\[\]()=!<>,\"]+")
_INDEX = re.compile(r"-?[0-9]{1,18}")
_SPECIAL = re.compile(r'["(),]')  # what ends a bare value
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"', re.DOTALL)
_DURATION = re.compile(r"-?(?:[0-9]+(?:\.[0-9]+)?(?:ms|[smhd]))+")
_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|[smhd])")
_PLACEHOLDER_LIKE = re.compile(r"\[\s*([A-Za-z_]+)\s*\]")


class ConditionError(ValueError):
    """A malformed condition: ``message`` and the 0-based ``position`` of the problem."""

    def __init__(self, message: str, position: int, hint: str = "") -> None:
        # str() shows a 1-based column, like the loader's locations, before any suggestion
        super().__init__(f"{message} at column {position + 1}{hint}")
        self.message = message + hint
        self.position = position


def parse(text: str) -> Condition:
    """Parse one condition; raise ``ConditionError`` at the first problem."""
    return _Parser(text).condition()


class _Parser:
    """Recursive descent over one condition; ``pos`` is the cursor."""

    def __init__(self, text: str) -> None:
        self.text, self.pos = text, 0

    def fail(self, message: str, at: int | None = None, hint: str = "") -> NoReturn:
        raise ConditionError(message, self.pos if at is None else at, hint)

    def skip(self) -> str:
        """Skip whitespace; return the next character ('' at the end)."""
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1
        return self.text[self.pos : self.pos + 1]

    def condition(self) -> Condition:
        left = self.left()
        self.skip()
        for comparator in COMPARATORS:
            if self.text.startswith(comparator, self.pos):
                self.pos += len(comparator)
                return Condition(self.text, left, comparator, self.right(left, comparator))
        hint = " (did you mean ==?)" if self.text.startswith("=", self.pos) else ""
        self.fail("missing comparator (==, !=, <, <=, >, >=)", hint=hint)

    def call(self) -> tuple[str, int] | None:
        """``name(`` at the cursor: step past the '(' and return the name and its column."""
        match = _NAME.match(self.text, self.pos)
        if match is None:
            return None
        after = len(self.text) - len(self.text[match.end() :].lstrip())
        if not self.text.startswith("(", after):
            return None
        self.pos = after + 1
        return match.group(), match.start()

    def unknown(self, func: str, at: int, allowed: tuple[str, ...], side: str) -> NoReturn:
        if func in FUNCTIONS:
            self.fail(f"{func}() belongs on the {side} side", at)
        self.fail(f"unknown function {func}()", at, _hint(func, allowed, "{}()"))

    def left(self) -> Left:
        if self.skip() == "[":
            at = self.pos
            return self.checked(self.placeholder(""), at)
        call = self.call()
        if call is None:
            self.fail("expected a placeholder like [STATUS], or len(...) or has(...)")
        func, at = call
        if func not in ("len", "has"):
            self.unknown(func, at, ("len", "has"), "right")
        if self.skip() != "[":
            self.fail(f"{func}() takes a placeholder, like {func}([BODY].items)")
        left = self.placeholder(func)
        if self.skip() != ")":
            self.fail(f"missing ')' to close {func}(")
        self.pos += 1
        return self.checked(left, at)

    def checked(self, left: Left, at: int) -> Left:
        """Reject what the placeholder cannot resolve, e.g. ``len([STATUS])``."""
        name, path, fields = left.name, left.path, left.fields
        if left.func == "len" and fields != "document":
            self.fail(f"len() only works on {_listing(with_fields('document'))}", at)
        if left.func == "has" and fields == "none":
            self.fail(f"has() only works on {_listing(with_fields('document', 'name'))}", at)
        if fields == "name" and (len(path) != 1 or isinstance(path[0], int)):
            self.fail(f"[{name}] takes {placeholder(name).usage}", at)
        if fields == "none" and path:
            self.fail(f"[{name}] has no fields", at)
        return left

    def placeholder(self, func: str) -> Left:
        """``[NAME]`` and a path of ``.key`` and ``[index]``, as the argument of ``func``."""
        at = self.pos
        name = self.bracket()
        if name not in PLACEHOLDERS:
            self.fail(f"unknown placeholder [{name}]", at, _hint(name, PLACEHOLDERS, "[{}]"))
        path: list[str | int] = []
        while (char := self.text[self.pos : self.pos + 1]) and char in ".[":
            if char == "[":
                at = self.pos
                index = self.bracket()
                if not _INDEX.fullmatch(index):
                    self.fail("an index must be a whole number, like [0]", at)
                path.append(int(index))
                continue
            key = _KEY.match(self.text, self.pos + 1)
            if key is None:
                self.fail("missing field name after '.'", self.pos + 1)
            path.append(key.group())
            self.pos = key.end()
        return Left(func, name, tuple(path), placeholder(name).fields)

    def bracket(self) -> str:
        """The text between the '[' at the cursor and its ']', stripped."""
        close = self.text.find("]", self.pos)
        if close < 0 or "[" in self.text[self.pos + 1 : close]:
            self.fail("unclosed '['")
        inner = self.text[self.pos + 1 : close].strip()
        self.pos = close + 1
        return inner

    def right(self, left: Left, comparator: str) -> Right:
        if not self.skip():
            self.fail(f"missing value after '{comparator}'")
        start = self.pos
        values: tuple[Value, ...]
        call = self.call()
        if call is None:
            func, values = "", (self.value(left, top=True),)
        else:
            func, at = call
            if func not in ("pat", "any"):
                self.unknown(func, at, ("pat", "any"), "left")
            if comparator not in ("==", "!="):
                self.fail(f"{func}() only works with == and !=", at)
            values = (self.pattern(),) if func == "pat" else self.any_values(left)
        end = self.pos
        if char := self.skip():
            self.fail(f"unexpected {char!r} after the value (quote values with special characters)")
        if comparator in ORDER and not is_number(values[0]):
            self.fail(f"{comparator} needs a number, not {self.text[start:end]}", start)
        return Right(func, values, self.text[start:end])

    def quoted(self) -> str:
        """The "..." string at the cursor; a backslash escapes the next character."""
        match = _QUOTED.match(self.text, self.pos)
        if match is None:
            self.fail("unclosed quote")
        self.pos = match.end()
        return re.sub(r"\\(.)", r"\1", match.group(1), flags=re.DOTALL)

    def value(self, left: Left, top: bool) -> Value:
        """A quoted string, or a bare value typed by what ``left`` resolves to."""
        if self.skip() == '"':
            return self.quoted()
        at = self.pos
        stop = _SPECIAL.search(self.text, at)
        token = self.text[at : stop.start() if stop else len(self.text)].rstrip()
        self.pos = at + len(token)
        if not token:
            self.fail("missing value")
        if self.text.startswith("(", self.pos):
            self.fail("unexpected '(' (functions do not nest; quote values with parentheses)")
        written = _PLACEHOLDER_LIKE.match(token)
        if top and written and written.group(1).upper() in PLACEHOLDERS:
            self.fail("a placeholder only goes on the left side (quote text like it)", at)
        return self.typed(token, left, at)

    def typed(self, token: str, left: Left, at: int) -> Value:
        kind = {"len": "number", "has": "bool"}.get(left.func) or placeholder(left.name).kind
        value: Value = token
        if token.lower() in ("true", "false"):
            value = token.lower() == "true"
        elif (parsed := number(token)) is not None:
            value = parsed
        elif kind in _UNIT_MS and _DURATION.fullmatch(token):
            sign = -1 if token.startswith("-") else 1
            parts = _DURATION_PART.findall(token)
            value = sign * sum(float(n) * _UNIT_MS[unit] for n, unit in parts) / _UNIT_MS[kind]
        if kind in _UNIT_MS and not is_number(value):
            self.fail(f"bad duration {token!r} (a number, or units ms, s, m, h, d: 1h30m)", at)
        if kind == "number" and not is_number(value):
            self.fail(f"{left} is a number, not {token!r}", at)
        if kind == "bool" and not isinstance(value, bool):
            self.fail(f"{left} is true or false, not {token!r}", at)
        return value

    def pattern(self) -> str:
        """pat()'s glob: quoted, or the raw text up to the last ')' (so it may hold spaces)."""
        if self.skip() == '"':
            pattern = self.quoted()
        else:
            close = self.text.rfind(")")
            if close < self.pos:
                self.fail("missing ')' to close pat(")
            pattern, self.pos = self.text[self.pos : close].strip(), close
            if not pattern:
                self.fail("pat() needs a pattern, like pat(api-*)")
        if self.skip() != ")":
            self.fail("missing ')' to close pat(")
        self.pos += 1
        return pattern

    def any_values(self, left: Left) -> tuple[Value, ...]:
        values = [self.value(left, top=False)]
        while (char := self.skip()) == ",":
            self.pos += 1
            values.append(self.value(left, top=False))
        if char != ")":
            self.fail("missing ')' to close any(")
        self.pos += 1
        return tuple(values)


def _listing(names: list[str]) -> str:
    """``[A]``, ``[A] and [B]``, ``[A], [B] and [C]``."""
    shown = [f"[{name}]" for name in names]
    return " and ".join(filter(None, [", ".join(shown[:-1]), *shown[-1:]]))


def _hint(name: str, choices: Iterable[str], template: str) -> str:
    """``suggest``'s hint, reworded to show the choice as written in a condition."""
    found = re.search(r"'(.*)'", suggest(name, list(choices)))
    return f" (did you mean {template.format(found.group(1))}?)" if found else ""
