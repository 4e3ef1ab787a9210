"""Reading an RDAP domain answer (RFC 9083): its events, registrar, status and name servers.

Pure functions of the parsed JSON. Registries fill answers unevenly, so anything missing or
of the wrong shape reads as absent; only a date that is there but unreadable is an error.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

EXPIRATION = "expiration"
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def ascii_name(name: str) -> str:
    """A domain name in the form RDAP queries take: lower case, IDN labels as A-labels.

    Raises ``ValueError`` for anything that is not a name under a top-level domain.
    """
    text = name.strip().rstrip(".").lower()
    try:
        converted = text.encode("idna").decode("ascii")
    except UnicodeError:
        converted = ""
    labels = converted.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise ValueError(f"'name' must be a domain name such as example.com, got {name!r}")
    return converted


def parse_date(text: Any) -> datetime:
    """An RDAP date (RFC 3339) as an aware datetime; ``ValueError`` when it is not one."""
    if not isinstance(text, str):
        raise ValueError(f"eventDate is not a date: {text!r}")
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"eventDate is not an RFC 3339 date: {text!r}") from None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _events(doc: dict[str, Any]) -> list[dict[str, Any]]:
    events = doc.get("events")
    return [e for e in events if isinstance(e, dict)] if isinstance(events, list) else []


def event_date(doc: dict[str, Any], action: str) -> datetime | None:
    """The latest date of the ``action`` events (``expiration``, ``registration``...)."""
    dates = [parse_date(e.get("eventDate")) for e in _events(doc) if e.get("eventAction") == action]
    return max(dates) if dates else None


def _vcard_name(entity: dict[str, Any]) -> str | None:
    card = entity.get("vcardArray")
    if not (isinstance(card, list) and len(card) == 2 and isinstance(card[1], list)):
        return None
    for item in card[1]:
        if isinstance(item, list) and len(item) >= 4 and item[0] == "fn":
            return str(item[3])
    return None


def registrar(doc: dict[str, Any]) -> str | None:
    """The registrar's name (its entity's vCard ``fn``), else its handle."""
    for entity in doc.get("entities") or []:
        if isinstance(entity, dict) and "registrar" in (entity.get("roles") or []):
            handle = entity.get("handle")
            return _vcard_name(entity) or (str(handle) if handle else None)
    return None


def _shown_date(doc: dict[str, Any], action: str) -> str | None:
    try:
        when = event_date(doc, action)
    except ValueError:  # a report's extra: an unreadable one is left out, not an error
        return None
    return when.isoformat() if when else None


def summary(doc: dict[str, Any]) -> dict[str, Any]:
    """What a report shows of a domain besides its expiry (dates as ISO text)."""
    servers = doc.get("nameservers")
    status = doc.get("status")
    return {
        "ldh_name": doc.get("ldhName"),
        "unicode_name": doc.get("unicodeName"),
        "registrar": registrar(doc),
        "registered": _shown_date(doc, "registration"),
        "last_changed": _shown_date(doc, "last changed"),
        "status": [str(s) for s in status] if isinstance(status, list) else [],
        "nameservers": [
            str(ns.get("ldhName")).lower()
            for ns in (servers if isinstance(servers, list) else [])
            if isinstance(ns, dict) and ns.get("ldhName")
        ],
    }


def error_text(doc: Any) -> str:
    """An RDAP error answer's title and description (RFC 9083 section 6), if it has them."""
    if not isinstance(doc, dict):
        return ""
    parts = [str(doc["title"])] if doc.get("title") else []
    description = doc.get("description")
    if isinstance(description, list):
        parts += [str(line) for line in description]
    return ": ".join(parts)
