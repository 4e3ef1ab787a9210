"""Monitors: suites the server runs on an interval, their state, alerts and history.

The decisions are pure and table-tested: ``state.decide`` (UP/DEGRADED/DOWN from verdicts
and thresholds), ``maintenance`` (windows by id or label selector, one-off or recurring),
``sketch`` (latency percentiles mergeable across roll-ups).
"""
