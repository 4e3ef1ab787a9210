"""The latency sketch: quantiles within its stated 1 % of an exact nearest-rank percentile,
merging equals sketching the union, and the JSON form round-trips."""

from __future__ import annotations

import json
import math

from hypothesis import given
from hypothesis import strategies as st

from assay.server.monitors.sketch import ACCURACY, LatencySketch

LATENCIES = st.lists(
    st.floats(min_value=0.01, max_value=600_000, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=400,
)


def exact(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


@given(LATENCIES)
def test_sketch_quantiles_are_within_the_stated_error(values: list[float]) -> None:
    sketch = LatencySketch.of(values)
    for q in (0.5, 0.95, 0.99, 1.0):
        got, want = sketch.quantile(q), exact(values, q)
        assert got is not None and abs(got - want) <= ACCURACY * want * 1.0001, (q, got, want)
    assert sketch.count == len(values)
    assert sketch.mean is not None and math.isclose(sketch.mean, sum(values) / len(values))


@given(LATENCIES, LATENCIES)
def test_sketch_merge_is_the_sketch_of_both(a: list[float], b: list[float]) -> None:
    merged = LatencySketch.of(a).merge(LatencySketch.of(b))
    both = LatencySketch.of(a + b)
    assert merged.buckets == both.buckets and merged.count == both.count
    assert math.isclose(merged.total, both.total)


@given(LATENCIES)
def test_sketch_json_round_trip(values: list[float]) -> None:
    sketch = LatencySketch.of(values)
    again = LatencySketch.from_json(json.loads(json.dumps(sketch.to_json())))
    assert again.buckets == sketch.buckets and again.count == sketch.count
    assert again.quantile(0.95) == sketch.quantile(0.95)


def test_sketch_empty_and_tiny_values() -> None:
    assert LatencySketch().quantile(0.5) is None and LatencySketch().mean is None
    assert LatencySketch.from_json(None).count == 0
    tiny = LatencySketch.of([0.0, 0.0001])
    assert tiny.count == 2 and tiny.quantile(1.0) is not None
