"""The placeholders of the condition language (``[STATUS]``, ``[IP]``...), registered by name.

Core registers what every observation has: ``[STATUS]``, ``[RESPONSE_TIME]`` and ``[BODY]``.
A check family registers its own when it is imported, as it registers its check kinds (the
net family ``[CERTIFICATE_EXPIRATION]``, ``[CONNECTED]``, ``[DNS_RCODE]``, ``[IP]``; the http
family ``[HEADER]``). Conditions are parsed against this registry, so the families are
imported before a suite is (``import assay.checks``); an unknown name is a load-time error
with a suggestion.

A placeholder has a ``kind`` that types the bare values compared with it ("number"; "ms" and
"s", which also take durations such as ``1h30m``; "text"; "bool"), ``fields`` saying what may
follow it (nothing; a path into a JSON ``document``; one case-insensitive ``name`` of a
mapping, as a header's), and ``read``: how its value comes out of an observation, by default
``observation.context[name]``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from assay.core.checks import Observation
from assay.core.registry import Registry

Kind = Literal["number", "ms", "s", "text", "bool"]
Fields = Literal["none", "document", "name"]
Read = Callable[[Observation], Any]


@dataclass(frozen=True)
class Placeholder:
    """One ``[NAME]`` of the condition language: its type, what may follow it, its value."""

    name: str
    kind: Kind
    description: str  # one line, for listings and docs
    fields: Fields = "none"
    # for fields="name": what the name is, as a parse error shows it ("one header name, ...")
    usage: str = ""
    read: Read | None = None

    def value(self, observation: Observation) -> Any:
        """The value in ``observation`` (None when the check did not observe it)."""
        if self.read is not None:
            return self.read(observation)
        return observation.context.get(self.name)


PLACEHOLDERS: Registry[Placeholder] = Registry("placeholder")


def register(placeholder: Placeholder) -> Placeholder:
    """Register a placeholder under its name; a name registered twice is a programming error."""
    if placeholder.fields == "name" and not placeholder.usage:
        raise ValueError(f"placeholder [{placeholder.name}] takes a name: give its 'usage'")
    return PLACEHOLDERS.register(placeholder.name, placeholder)


def placeholder(name: str) -> Placeholder:
    """The registered placeholder ``name`` (KeyError when there is none)."""
    found = PLACEHOLDERS.get(name)
    if found is None:
        raise KeyError(name)
    return found


def with_fields(*fields: Fields) -> list[str]:
    """The names of the placeholders whose ``fields`` is one of ``fields``, sorted."""
    return [name for name in PLACEHOLDERS if placeholder(name).fields in fields]


def values(observation: Observation, names: Iterable[str]) -> dict[str, Any]:
    """The values of the named placeholders in ``observation``, by name."""
    return {name: placeholder(name).value(observation) for name in names}


def _observed(name: str, fallback: Read) -> Read:
    """The check's own value of ``name`` when it gave one, else ``fallback``'s."""

    def read(observation: Observation) -> Any:
        if name in observation.context:
            return observation.context[name]
        return fallback(observation)

    return read


def _total_ms(observation: Observation) -> float | None:
    total = observation.timings.get("total")
    return None if total is None else total * 1000


for _core in (
    Placeholder(
        "STATUS",
        "number",
        "the HTTP status",
        read=_observed("STATUS", lambda o: o.http_status),
    ),
    Placeholder(
        "RESPONSE_TIME",
        "ms",
        "milliseconds the check took (the kind's own measure, else its total)",
        read=_observed("RESPONSE_TIME", _total_ms),
    ),
    Placeholder(
        "BODY",
        "text",
        "the body text, or a path into its JSON (a response document, a description)",
        fields="document",
        read=_observed("BODY", lambda o: o.body),
    ),
):
    register(_core)
