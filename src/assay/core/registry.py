"""A small generic registry of named things, with suggestions for unknown names."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


def suggest(name: str, choices: list[str] | tuple[str, ...] | set[str]) -> str:
    """Return ' (did you mean 'x'?)' for the closest choice, or ''."""
    pool = list(choices)
    cutoff = 0.5 if len(name) <= 3 else 0.6  # short names differ a lot by one character
    matches = difflib.get_close_matches(name, pool, n=1, cutoff=cutoff)
    if not matches:
        lowered = {c.lower(): c for c in pool}
        hit = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=cutoff)
        matches = [lowered[hit[0]]] if hit else []
    return f" (did you mean '{matches[0]}'?)" if matches else ""


class Registry(Generic[T]):
    """Named entries; registering a name twice is a programming error."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._items: dict[str, T] = {}

    def register(self, name: str, item: T) -> T:
        if name in self._items:
            raise ValueError(f"{self.what} '{name}' is already registered")
        self._items[name] = item
        return item

    def get(self, name: str) -> T | None:
        return self._items.get(name)

    def names(self) -> list[str]:
        return sorted(self._items)

    def unknown_message(self, name: str) -> str:
        return f"unknown {self.what} '{name}'" + suggest(name, list(self._items))

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._items))

    def __len__(self) -> int:
        return len(self._items)
