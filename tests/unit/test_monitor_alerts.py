"""Alert rules: which notices a change of state, or an incident that stays open, makes due;
each with a key that names it once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assay.server.monitors.alerts import Event, Rule, event_of, on_change, over_time
from assay.server.monitors.state import Change, State

T0 = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
S = State


def test_events_of_changes() -> None:
    table = {
        (S.UP, S.DOWN): Event.DOWN,
        (S.UNKNOWN, S.DOWN): Event.DOWN,
        (S.MAINTENANCE, S.DOWN): Event.DOWN,
        (S.UP, S.DEGRADED): Event.DEGRADED,
        (S.DOWN, S.UP): Event.RECOVERED,
        (S.DEGRADED, S.UP): Event.RECOVERED,
        (S.DOWN, S.DEGRADED): Event.RECOVERED,
        (S.UNKNOWN, S.UP): None,
        (S.DOWN, S.MAINTENANCE): None,
        (S.UP, S.PAUSED): None,
        (S.DEGRADED, S.DOWN): Event.DOWN,
    }
    assert {k: event_of(Change(*k, T0)) for k in table} == table


def test_on_change_notifies_each_provider_of_each_matching_rule_once() -> None:
    rules = [
        Rule(notify=("slack", "hook")),
        Rule(notify=("pager",), on=frozenset({Event.DOWN}), selector={"tier": "1"}),
        Rule(notify=("mail",), on=frozenset({Event.DEGRADED})),
    ]
    down = on_change("api", {"tier": "1"}, Change(S.UP, S.DOWN, T0), "i1", rules)
    assert [(n.event, n.provider, n.key) for n in down] == [
        (Event.DOWN, "slack", "api/i1/down/slack"),
        (Event.DOWN, "hook", "api/i1/down/hook"),
        (Event.DOWN, "pager", "api/i1/down/pager"),
    ]
    other_tier = on_change("web", {"tier": "2"}, Change(S.UP, S.DOWN, T0), "i2", rules)
    assert [n.provider for n in other_tier] == ["slack", "hook"]
    up = on_change("api", {"tier": "1"}, Change(S.DOWN, S.UP, T0), "i1", rules)
    assert {n.event for n in up} == {Event.RECOVERED} and {n.provider for n in up} == {
        "slack",
        "hook",
    }
    assert on_change("api", {}, Change(S.UP, S.UP, T0), "i1", rules) == []


def test_flapping_is_notified_when_a_rule_asks() -> None:
    rule = Rule(notify=("slack",), on=frozenset({Event.FLAPPING}))
    notices = on_change("api", {}, Change(S.UP, S.UP, T0, flapping=True), "f1", [rule])
    assert [(n.event, n.key) for n in notices] == [(Event.FLAPPING, "api/f1/flapping/slack")]


def test_reminders_while_down_until_acknowledged_and_one_escalation() -> None:
    rule = Rule(notify=("slack",), remind_every=timedelta(minutes=30),
                escalate_after=timedelta(minutes=45), escalate_to=("pager",))  # fmt: skip

    def at(minutes: int, acknowledged: bool = False) -> list[str]:
        now = T0 + timedelta(minutes=minutes)
        return [n.key for n in over_time("api", {}, T0, "i1", acknowledged, [rule], now)]

    assert at(10) == []
    assert at(31) == ["api/i1/reminder/1/slack"]
    assert at(50) == ["api/i1/reminder/1/slack", "api/i1/escalation/pager"]
    assert at(95) == ["api/i1/reminder/3/slack", "api/i1/escalation/pager"]
    assert at(95, acknowledged=True) == []
    reminder = over_time("api", {}, T0, "i1", False, [rule], T0 + timedelta(minutes=61))[0]
    assert reminder.at == T0 + timedelta(minutes=60) and reminder.event is Event.REMINDER
