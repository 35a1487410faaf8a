"""Closure days move only what they should, and a paused clock does not count its pause."""

from __future__ import annotations

from datetime import date
from importlib.resources import files

import pytest

from sprg_scheduler.domain import lifecycle, schedule
from sprg_scheduler.domain.calendar_change import moves
from sprg_scheduler.domain.kinds import ClockKinds, recount
from sprg_shared.calendar import WorkingDayCalendar
from sprg_shared.contracts.clocks import ClockPaused, ClockResumed
from tests.unit.test_scheduler_schedule import CAL, POLICY, started, utc

KINDS = ClockKinds.parse(
    files("sprg_scheduler").joinpath("config", "clock_kinds.yaml").read_text(encoding="utf-8")
)


def closed(*days: date) -> WorkingDayCalendar:
    return WorkingDayCalendar.numbered(1, frozenset(days))


def test_a_closure_inside_the_count_moves_a_working_day_clock_by_one_working_day() -> None:
    # Aware Thu 2 Apr 2026: Good Friday and Easter Monday skipped, 5 WD is Mon 13 April.
    due = CAL.add_working_days(date(2026, 4, 2), 5)
    assert due == date(2026, 4, 13)
    new = recount("working_days_after", date(2026, 4, 2), due, CAL, closed(date(2026, 4, 8)))
    assert new == date(2026, 4, 14)


@pytest.mark.parametrize(
    "closure",
    [date(2026, 4, 2), date(2026, 4, 1), date(2026, 4, 10), date(2026, 5, 1)],
    ids=["day-0", "before-anchor", "after-due", "long-after"],
)
def test_a_closure_outside_the_count_moves_nothing(closure: date) -> None:
    due = date(2026, 4, 9)
    assert recount("working_days_after", date(2026, 4, 2), due, CAL, closed(closure)) == due


def test_a_closure_before_publication_brings_the_pre_publication_date_earlier() -> None:
    publication = date(2026, 9, 11)  # Friday
    due = CAL.working_days_before(publication, 7)
    assert due == date(2026, 9, 2)
    moved = recount("working_days_before", publication, due, CAL, closed(date(2026, 9, 7)))
    assert moved == date(2026, 9, 1)
    assert recount("working_days_before", publication, due, CAL, closed(date(2026, 9, 11))) == due


@pytest.mark.parametrize("counting", ["calendar_months", "set_by_coordinator"])
def test_months_and_dates_people_set_never_move_with_closures(counting: str) -> None:
    due = date(2027, 2, 26)
    new = closed(date(2027, 2, 26), date(2027, 2, 25))
    assert recount(counting, date(2026, 8, 26), due, CAL, new) == due  # type: ignore[arg-type]


def test_the_proposal_lists_each_running_clock_that_moves_and_skips_paused_and_ended() -> None:
    moving = started(date(2026, 4, 9), utc(2026, 4, 2, 9), anchor_date=date(2026, 4, 2))
    staying = moving.model_copy(update={"clock_id": "c-late", "due": date(2026, 4, 1)})
    met = moving.model_copy(update={"clock_id": "c-met", "state": "met"})
    paused = moving.model_copy(update={"clock_id": "c-paused", "state": "paused"})
    found = moves([moving, staying, met, paused], closed(date(2026, 4, 8)), {})
    assert [(m.clock_id, m.old_due, m.new_due) for m in found] == [
        (moving.clock_id, date(2026, 4, 9), date(2026, 4, 10))
    ]


def test_a_clock_issued_under_a_version_is_counted_from_that_version() -> None:
    v1 = closed(date(2026, 4, 7))
    # Issued under v1 (the 7th closed): the 10th is 3 WD from 2 April (8, 9, 10).
    clock = started(date(2026, 4, 10), utc(2026, 4, 2, 9), anchor_date=date(2026, 4, 2))
    clock = clock.model_copy(update={"calendar_version": v1.version})
    v2 = WorkingDayCalendar.numbered(2, frozenset({date(2026, 4, 7), date(2026, 4, 9)}))
    (move,) = moves([clock], v2, {v1.version: v1})
    assert move.new_due == date(2026, 4, 13)  # only the 9th is new


def test_recalendar_records_the_version_and_the_reason_and_replans_reminders() -> None:
    clock = started(date(2026, 4, 9), utc(2026, 4, 2, 9), anchor_date=date(2026, 4, 2))
    new = closed(date(2026, 4, 8))
    moved = lifecycle.recalendar(
        clock,
        new_due=date(2026, 4, 10),
        calendar_version=new.version,
        reason="calendar version X confirmed",
        event_id="cal-1",
        now=utc(2026, 4, 3),
        policy=POLICY,
        calendar=new,
    )
    assert moved is not None
    assert (moved.due, moved.calendar_version) == (date(2026, 4, 10), new.version)
    assert [h.change for h in moved.history] == ["started", "recalculated"]
    # Reminders: 2 WD before the 10th on the new calendar skips the closed 8th.
    assert schedule.plan(moved.due, POLICY, new)[0].day == date(2026, 4, 7)
    again = lifecycle.recalendar(
        moved,
        new_due=date(2026, 4, 13),
        calendar_version=new.version,
        reason="r",
        event_id="cal-1",
        now=utc(2026, 4, 3),
        policy=POLICY,
        calendar=new,
    )
    assert again is None  # the same confirmation twice changes nothing
    (fact,) = lifecycle.facts_caused_by(moved, "cal-1")
    assert fact.event.model_dump()["previous_due"] == date(2026, 4, 9)


def test_a_paused_clock_never_fires_and_resumes_without_counting_the_paused_days() -> None:
    # Due Fri 17 Apr 2026; paused Mon 13th with 4 WD left (14-17); resumed Wed 22nd.
    clock = started(date(2026, 4, 17), utc(2026, 4, 8, 9), anchor_date=date(2026, 4, 10))
    paused = lifecycle.pause(
        clock,
        on=date(2026, 4, 13),
        reason="criminal trial",
        by="u",
        now=utc(2026, 4, 13, 9),
        calendar=CAL,
    )
    assert paused is not None
    assert (paused.state, paused.next_fire_at) == ("paused", None)
    for day in range(13, 30):
        assert schedule.fire(paused, utc(2026, 4, day, 12), POLICY, CAL) is None
    assert (
        lifecycle.pause(
            paused, on=date(2026, 4, 14), reason="again", by="u", now=utc(2026, 4, 14), calendar=CAL
        )
        is None
    )
    fact = lifecycle.pause_fact(paused)
    assert fact is not None and isinstance(fact.event, ClockPaused)
    assert fact.event.working_days_remaining == 4

    resumed = lifecycle.resume(
        paused, on=date(2026, 4, 22), by="u", now=utc(2026, 4, 22, 9), policy=POLICY, calendar=CAL
    )
    assert resumed is not None
    # 14..22 April: 7 working days paused; 4 left from the 22nd: Tue 28 April.
    assert (resumed.state, resumed.due) == ("open", date(2026, 4, 28))
    assert resumed.pauses[-1].working_days_paused == 7
    assert [h.change for h in resumed.history] == ["started", "resumed"]
    assert resumed.next_fire_at == utc(2026, 4, 24, 7)  # 2 WD before the 28th, 08:00 BST
    again = lifecycle.resume(
        resumed, on=date(2026, 4, 23), by="u", now=utc(2026, 4, 23), policy=POLICY, calendar=CAL
    )
    assert again is None
    fact = lifecycle.resume_fact(resumed)
    assert fact is not None and isinstance(fact.event, ClockResumed)
    assert (fact.event.previous_due, fact.event.due) == (date(2026, 4, 17), date(2026, 4, 28))


def test_ended_clocks_cannot_pause() -> None:
    clock = started(date(2026, 4, 17), utc(2026, 4, 8, 9))
    met = lifecycle.meet(clock, met_on=date(2026, 4, 9), by="u", now=utc(2026, 4, 9))
    assert met is not None
    with pytest.raises(lifecycle.NotPausable):
        lifecycle.pause(
            met, on=date(2026, 4, 10), reason="r", by="u", now=utc(2026, 4, 10), calendar=CAL
        )


def test_which_kinds_may_pause_is_configuration() -> None:
    assert not KINDS.of("sin_notification").pausable
    assert not KINDS.of("rapid_review").pausable
    assert KINDS.of("lcspr_completion").pausable
    custom = ClockKinds.parse("kinds: {rapid_review: {pausable: true}}")
    assert custom.of("rapid_review").pausable
