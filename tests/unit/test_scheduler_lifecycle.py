"""Re-anchoring, stopping and meeting clocks: history kept, facts announced with stable ids."""

from __future__ import annotations

from datetime import date

from sprg_scheduler.domain import lifecycle, schedule
from sprg_scheduler.domain.clocks import Clock
from sprg_shared.contracts.clocks import (
    ClockBreached,
    ClockMet,
    ClockRecalculated,
    ClockStarted,
    ClockStopped,
)
from tests.unit.test_scheduler_schedule import CAL, POLICY, due, started, utc


def reanchor(clock: Clock, on: date, anchor_date: date, event_id: str) -> Clock | None:
    return lifecycle.apply_assessment(
        clock,
        due(on, anchor_date),
        event_id=event_id,
        now=utc(2026, 4, 2, 10),
        policy=POLICY,
        calendar=CAL,
    )


def test_a_new_clock_announces_its_start_once_with_the_historic_id() -> None:
    clock = started(date(2026, 4, 13), utc(2026, 4, 2, 9))
    facts = lifecycle.facts_caused_by(clock, "assessed-1")
    assert [type(f.event) for f in facts] == [ClockStarted]
    assert lifecycle.facts_caused_by(clock, "someone-else") == []
    assert clock.next_fire_at == schedule.plan(clock.due, POLICY, CAL)[0].at
    assert clock.remind_from == date(2026, 4, 9)


def test_a_corrected_awareness_date_recalculates_and_keeps_every_due_date() -> None:
    # Awareness 2 April 2026 -> due 13 April (Easter). Corrected to 31 March -> due 8 April.
    clock = started(date(2026, 4, 13), utc(2026, 4, 2, 9), anchor_date=date(2026, 4, 2))
    corrected = reanchor(clock, date(2026, 4, 8), date(2026, 3, 31), "assessed-2")
    assert corrected is not None
    assert corrected.due == date(2026, 4, 8)
    assert [(h.change, h.due, h.by_event) for h in corrected.history] == [
        ("started", date(2026, 4, 13), "assessed-1"),
        ("recalculated", date(2026, 4, 8), "assessed-2"),
    ]
    assert "corrected from 2026-04-02 to 2026-03-31" in corrected.history[1].reason
    # 2 working days before 8 April, over Easter, is 2 April: already past, fired at once.
    assert corrected.next_fire_at == utc(2026, 4, 2, 7)
    (fact,) = lifecycle.facts_caused_by(corrected, "assessed-2")
    assert isinstance(fact.event, ClockRecalculated)
    assert (fact.event.previous_due, fact.event.due) == (date(2026, 4, 13), date(2026, 4, 8))
    # The same assessment again (a redelivery) changes nothing and re-announces the same id.
    assert reanchor(corrected, date(2026, 4, 8), date(2026, 3, 31), "assessed-2") is None
    assert lifecycle.facts_caused_by(corrected, "assessed-2")[0].event_id == fact.event_id


def test_an_unchanged_due_date_is_not_a_recalculation() -> None:
    clock = started(date(2026, 4, 13), utc(2026, 4, 2, 9))
    assert reanchor(clock, date(2026, 4, 13), clock.anchor_date, "assessed-2") is None


def test_a_breached_clock_reopens_when_the_correction_moves_its_due_date_ahead() -> None:
    clock = started(date(2026, 3, 30), utc(2026, 3, 20))
    firing = schedule.fire(clock, utc(2026, 4, 1), POLICY, CAL)
    assert firing is not None
    assert isinstance(firing.event, ClockBreached)
    reopened = reanchor(firing.clock, date(2026, 4, 13), date(2026, 4, 2), "assessed-2")
    assert reopened is not None
    assert reopened.state == "open"
    assert reopened.next_fire_at is not None
    still_late = reanchor(firing.clock, date(2026, 3, 27), date(2026, 3, 20), "assessed-3")
    assert still_late is not None
    assert (still_late.state, still_late.next_fire_at) == ("breached", None)


def test_a_clock_no_longer_listed_is_stopped_with_the_reason_and_restarts_if_listed_again() -> None:
    clock = started(date(2026, 4, 13), utc(2026, 4, 2, 9))
    stopped = lifecycle.stop(
        clock, outcome="stopped", reason="no longer required", by="assessed-2", now=utc(2026, 4, 3)
    )
    assert stopped is not None
    (fact,) = lifecycle.facts_caused_by(stopped, "assessed-2")
    assert isinstance(fact.event, ClockStopped)
    assert fact.event.reason == "no longer required"
    assert (
        lifecycle.stop(stopped, outcome="closed", reason="x", by="y", now=utc(2026, 4, 4)) is None
    )
    restarted = reanchor(stopped, date(2026, 4, 13), clock.anchor_date, "assessed-3")
    assert restarted is not None
    assert restarted.state == "open"
    assert restarted.history[-1].change == "restarted"
    (again,) = lifecycle.facts_caused_by(restarted, "assessed-3")
    assert isinstance(again.event, ClockStarted)
    assert again.event_id != lifecycle.facts_caused_by(clock, "assessed-1")[0].event_id


def test_met_late_is_recorded_and_a_met_clock_ignores_later_assessments() -> None:
    clock = started(date(2026, 4, 13), utc(2026, 4, 2, 9))
    met = lifecycle.meet(clock, met_on=date(2026, 4, 14), by="user:bt", now=utc(2026, 4, 14))
    assert met is not None
    assert met.late
    (fact,) = lifecycle.facts_caused_by(met, "user:bt")
    assert isinstance(fact.event, ClockMet)
    assert fact.event.late
    assert reanchor(met, date(2026, 4, 20), date(2026, 4, 9), "assessed-2") is None
    assert lifecycle.meet(met, met_on=date(2026, 4, 15), by="user:bt", now=utc(2026, 4, 15)) is None


def test_an_assessment_saying_met_or_late_meets_the_clock_on_the_right_side_of_due() -> None:
    clock = started(date(2026, 4, 13), utc(2026, 4, 2, 9))
    in_time = due(date(2026, 4, 13)).model_copy(update={"status": "met"})
    met = lifecycle.settle(clock, in_time, event_id="a2", now=utc(2026, 4, 10, 9), policy=POLICY)
    assert met is not None
    assert (met.state, met.met_on, met.late, met.next_fire_at) == (
        "met",
        date(2026, 4, 10),
        False,
        None,
    )
    assert [type(f.event) for f in lifecycle.facts_caused_by(met, "a2")] == [ClockMet]
    late = due(date(2026, 4, 13)).model_copy(update={"status": "late"})
    was_late = lifecycle.settle(clock, late, event_id="a3", now=utc(2026, 4, 13, 9), policy=POLICY)
    assert was_late is not None
    assert (was_late.met_on, was_late.late) == (date(2026, 4, 14), True)
    still_open = due(date(2026, 4, 13)).model_copy(update={"status": "open"})
    assert (
        lifecycle.settle(clock, still_open, event_id="a4", now=utc(2026, 4, 3), policy=POLICY)
        is None
    )


def test_an_assessment_carrying_the_facts_date_meets_the_clock_on_that_date() -> None:
    """The SIN submitted on 9 April meets the clock on 9 April, whenever the assessment
    arrives; submitted on 14 April (after the 13th) it is late, met on the 14th."""
    clock = started(date(2026, 4, 13), utc(2026, 4, 2, 9))
    on_time = due(date(2026, 4, 13)).model_copy(
        update={"status": "met", "met_on": date(2026, 4, 9)}
    )
    met = lifecycle.settle(clock, on_time, event_id="a2", now=utc(2026, 9, 1, 9), policy=POLICY)
    assert met is not None and (met.met_on, met.late) == (date(2026, 4, 9), False)
    late = due(date(2026, 4, 13)).model_copy(update={"status": "late", "met_on": date(2026, 4, 14)})
    was_late = lifecycle.settle(clock, late, event_id="a3", now=utc(2026, 9, 1), policy=POLICY)
    assert was_late is not None and (was_late.met_on, was_late.late) == (date(2026, 4, 14), True)
