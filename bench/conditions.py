"""Speed of the condition language: parsing, and evaluating against a check's context.

    python bench/conditions.py [--seconds S]

Ten realistic conditions (status, response time, JSON paths, len/has, pat/any, a header, the
certificate) are parsed once, then evaluated against a context holding a ~2 KB JSON body.
Each phase runs for S seconds (default 0.5, so about 2 s in all):

* parse: the ten conditions parsed again and again (conditions parsed per second);
* warm: one context whose body was already parsed, as every condition after a check's first;
* cold: a fresh context every round, so the first JSON condition parses the body and the
  others reuse it (the engine's real case: one context per observation);
* no cache: a read-only context (``MappingProxyType``), so every JSON condition parses the
  body again: what the cache saves.

Figures are conditions evaluated per second; a round is the ten conditions on one context.
The exit status is non-zero only if a condition does not pass (the figures would be wrong).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import assay.checks  # noqa: F401  (the families register their placeholders: [HEADER], ...)
from assay.core.conditions import Condition, parse

CONDITIONS = [
    "[STATUS] == 200",
    "[RESPONSE_TIME] < 1.5s",
    "[BODY].status == ok",
    "[BODY].checks[0].healthy == true",
    "[BODY].data.items[2].name == item-2",
    "len([BODY].data.items) > 0",
    "has([BODY].version) == true",
    "[BODY].name == pat(api-*)",
    "[HEADER].content-type == pat(application/json*)",
    "[CERTIFICATE_EXPIRATION] > 168h",
]


def make_body(size: int = 2048) -> bytes:
    """A health-check style JSON document of about ``size`` bytes."""
    doc: dict[str, Any] = {
        "status": "ok",
        "name": "api-gateway",
        "version": "1.4.2",
        "checks": [{"name": n, "healthy": True, "latency_ms": 3.5} for n in ("db", "cache")],
        "data": {"items": []},
    }
    while len(json.dumps(doc)) < size:
        i = len(doc["data"]["items"])
        doc["data"]["items"].append({"id": i, "name": f"item-{i}", "tags": ["a", "b"]})
    return json.dumps(doc).encode()


def make_context(body: bytes) -> dict[str, Any]:
    return {
        "STATUS": 200,
        "RESPONSE_TIME": 87.5,
        "BODY": body,
        "HEADER": {"Content-Type": "application/json; charset=utf-8"},
        "CERTIFICATE_EXPIRATION": 90 * 86400.0,
        "CONNECTED": True,
    }


def rate(seconds: float, work: Callable[[], int]) -> tuple[float, int]:
    """Run ``work`` (which returns how many items it did) for ``seconds``: items/s, items."""
    done, start = 0, time.perf_counter()
    while True:
        done += work()
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed, done


def evaluate_all(conditions: list[Condition], context: Mapping[str, Any]) -> int:
    for condition in conditions:
        if not condition.evaluate(context).ok:
            raise SystemExit(f"condition failed: {condition.evaluate(context).text}")
    return len(conditions)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.5, help="duration of each phase")
    args = parser.parse_args(argv)
    body = make_body()
    conditions = [parse(text) for text in CONDITIONS]
    warm = make_context(body)
    evaluate_all(conditions, warm)  # fills the JSON cache
    frozen = MappingProxyType(make_context(body))

    figures: dict[str, Any] = {"conditions": len(conditions), "body_bytes": len(body)}
    figures["parse"], _ = rate(args.seconds, lambda: len([parse(text) for text in CONDITIONS]))
    phases = {
        "warm": lambda: evaluate_all(conditions, warm),
        "cold": lambda: evaluate_all(conditions, make_context(body)),
        "no cache": lambda: evaluate_all(conditions, frozen),
    }
    for name, work in phases.items():
        figures[name], figures[f"{name} evaluations"] = rate(args.seconds, work)

    print(f"assay conditions benchmark: {len(conditions)} conditions, {len(body)}-byte JSON body")
    print(f"  parse            {figures['parse']:>12,.0f} conditions/s")
    for name in phases:
        rounds = figures[name] / len(conditions)
        print(f"  eval {name:<11} {figures[name]:>12,.0f} evaluations/s ({rounds:,.0f} rounds/s)")
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
