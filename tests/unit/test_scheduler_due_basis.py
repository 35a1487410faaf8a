"""One owner for a duty's length: the rule pack says "5 working days after awareness", the
decision carries it (``ClockDue.basis``), and the scheduler counts a due date again on a new
calendar the way the decision says, never with a duration of its own."""

from __future__ import annotations

from datetime import date
from importlib.resources import files

from sprg_rules.domain.loader import load_default_pack
from sprg_scheduler.domain import lifecycle
from sprg_scheduler.domain.calendar_change import counting_for, moves
from sprg_scheduler.domain.kinds import read_back
from sprg_shared.contracts.decisions import DueBasis
from tests.unit.test_scheduler_calendar_versions import closed
from tests.unit.test_scheduler_schedule import CAL, POLICY, due, started, utc


def test_the_pack_alone_says_how_long_each_statutory_duty_is() -> None:
    specs = {
        spec.clock: spec
        for rule in load_default_pack().pack.rules
        for spec in rule.clocks
        if not spec.if_setting
    }
    assert (specs["sin_notification"].working_days, specs["sin_notification"].anchor) == (
        5,
        ("aware_date",),
    )
    assert specs["rapid_review_conservative"].working_days == 15
    text = files("sprg_scheduler").joinpath("config", "clock_kinds.yaml").read_text("utf-8")
    assert "counting:" not in text and "5 WD" not in text


def test_a_basis_says_itself_in_words() -> None:
    assert DueBasis(count=5, unit="working_days").words() == "5 working days after"
    assert DueBasis(count=1, unit="working_days").words() == "1 working day after"
    assert DueBasis(count=7, unit="working_days", direction="before").words() == (
        "7 working days before"
    )
    assert DueBasis(count=6, unit="months").words() == "6 months after"


def test_the_clock_counts_again_as_its_decision_says() -> None:
    aware = date(2026, 8, 26)
    six_months = due(date(2027, 2, 26), aware).model_copy(
        update={"basis": DueBasis(count=6, unit="months")}
    )
    working = due(date(2026, 9, 2), aware).model_copy(
        update={"basis": DueBasis(count=5, unit="working_days")}
    )
    clocks = [
        lifecycle.start(
            "case-1",
            d,
            event_id="assessed-1",
            now=utc(2026, 8, 26, 9),
            calendar_version="test",
            policy=POLICY,
            calendar=CAL,
        ).model_copy(update={"clock_id": d.basis.words() if d.basis else ""})
        for d in (six_months, working)
    ]
    assert [c.basis for c in clocks] == [six_months.basis, working.basis]
    found = moves(clocks, closed(date(2026, 9, 1), date(2027, 2, 25)), {})
    # The closure inside the 5 working days moves that clock by one; months never move.
    assert [(m.clock_id, m.old_due, m.new_due) for m in found] == [
        ("5 working days after", date(2026, 9, 2), date(2026, 9, 3))
    ]


def test_a_decision_without_a_basis_is_read_back_from_its_dates() -> None:
    """Decisions already on the bus carry no basis: read from their dates on the calendar."""
    aware = date(2026, 4, 2)  # Thursday before Easter
    assert read_back(aware, date(2026, 4, 13), CAL) == DueBasis(count=5, unit="working_days")
    assert read_back(date(2026, 8, 31), date(2027, 2, 28), CAL) == DueBasis(count=6, unit="months")
    assert read_back(date(2026, 9, 11), date(2026, 9, 2), CAL) == DueBasis(
        count=7, unit="working_days", direction="before"
    )


def test_a_clock_stored_without_counting_is_counted_as_its_dates_say() -> None:
    clock = started(date(2026, 4, 9), utc(2026, 4, 2, 9), anchor_date=date(2026, 4, 2))
    assert clock.basis is None  # the ClockDue carried no basis
    assert counting_for(clock) == "working_days_after"
    before = clock.model_copy(update={"due": date(2026, 3, 25)})
    assert counting_for(before) == "working_days_before"
    requested = clock.model_copy(update={"key": "request-1"})
    assert counting_for(requested) == "set_by_coordinator"  # a date a person set
    months = clock.model_copy(update={"basis": DueBasis(count=6, unit="months")})
    assert counting_for(months) == "calendar_months"
