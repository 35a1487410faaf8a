"""Which report a scheduler duty produces, and paused clocks and LCSPR factors in reports."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from sprg_reporting.domain.dated_models import FOLDS, Document, Meta, apply_in_memory
from sprg_reporting.domain.periods import Period, parse_period, period_for_duty
from sprg_reporting.domain.report import Cell, Report, Snapshot, produce
from sprg_scheduler.domain.duties import DutySchedule, occurrences
from sprg_scheduler.handlers.duties import packaged_schedule
from sprg_shared.calendar import WorkingDayCalendar
from sprg_shared.contracts.clocks import ClockPaused, ClockResumed, ClockStarted
from sprg_shared.contracts.intake import (
    FactorRecord,
    LcsprFactorsRecorded,
    PurposeOutcome,
    RapidReviewHeld,
)
from sprg_shared.envelope import EventData


def test_the_march_meetings_report_is_january_february_produced_late_february() -> None:
    period = period_for_duty(
        "bimonthly_report",
        "due",
        date(2027, 2, 25),
        {"meeting_id": "sprg-meeting-2027-03-11", "meeting_date": "2027-03-11"},
    )
    assert period == parse_period("sprg_bimonthly", "2027-01")


def test_the_january_meetings_report_is_november_december() -> None:
    period = period_for_duty(
        "bimonthly_report", "due", date(2026, 12, 30), {"meeting_date": "2027-01-14"}
    )
    assert period is not None and period.label == "2026-11"


def test_without_a_meeting_date_the_last_period_ended_before_the_due_date() -> None:
    period = period_for_duty("bimonthly_report", "due", date(2027, 2, 25), {})
    assert period is not None and period.label == "2026-11"


@pytest.mark.parametrize(
    ("due", "quarter"),
    [
        (date(2027, 1, 29), "2026-Q4"),
        (date(2027, 4, 29), "2027-Q1"),
        (date(2027, 7, 1), "2027-Q2"),
        (date(2027, 9, 30), "2027-Q2"),
    ],
)
def test_the_executive_update_carries_the_last_quarter_ended(due: date, quarter: str) -> None:
    period = period_for_duty("executive_update", "due", due, {})
    assert period is not None and period.kind == "executive_quarterly"
    assert period.label == quarter


@pytest.mark.parametrize(
    ("duty", "stage"),
    [
        ("bimonthly_report", "reminder"),
        ("executive_update", "reminder"),
        ("sprg_meeting", "due"),
        ("meeting_papers", "due"),
        ("tor_review", "due"),
    ],
)
def test_reminders_and_other_duties_produce_nothing(duty: str, stage: str) -> None:
    assert period_for_duty(duty, stage, date(2027, 2, 25), {"meeting_date": "2027-03-11"}) is None


def test_every_meeting_on_the_shipped_schedule_gets_the_period_just_before_it() -> None:
    plan: DutySchedule = packaged_schedule()
    found = occurrences(plan, date(2026, 12, 1), WorkingDayCalendar())
    reports = [o for o in found if o.duty == "bimonthly_report"]
    assert len(reports) == len(plan.meetings)
    for o in reports:
        meeting = date.fromisoformat(o.details["meeting_date"])
        period = period_for_duty(o.duty, "due", o.due, o.details)
        assert period is not None
        assert period.end < meeting, (o.duty_id, period)
        assert (meeting - period.end).days <= 62, "not the period the meeting reviews"
        assert period.start <= o.due, "the report is produced during or after its period"


# --- paused clocks and LCSPR factors in the reports ------------------------------------


def fold(events: list[tuple[EventData, date]]) -> Snapshot:
    state: dict[str, dict[str, Document]] = {}
    for n, (event, known) in enumerate(events):
        apply_in_memory(state, FOLDS[type(event)](event, Meta(f"e{n}", known)))
    return Snapshot({name: list(docs.values()) for name, docs in state.items()})


def open_clock(report: Report) -> list[Cell]:
    rows = [r for r in report.table("open_clocks").rows if r[0] == "case-p"]
    assert len(rows) == 1
    return rows[0]


STARTED = ClockStarted(
    clock_id="clk-p",
    case_id="case-p",
    kind="lcspr_completion",
    anchor="commissioned",
    anchor_date=date(2030, 1, 10),
    due=date(2030, 3, 1),
    calendar_version="v",
    started_by="t",
)
PAUSED = ClockPaused(
    clock_id="clk-p",
    case_id="case-p",
    kind="lcspr_completion",
    due=date(2030, 3, 1),
    paused_on=date(2030, 2, 20),
    working_days_remaining=6,
    reason="criminal trial",
    paused_by="bt",
)
RESUMED = ClockResumed(
    clock_id="clk-p",
    case_id="case-p",
    kind="lcspr_completion",
    previous_due=date(2030, 3, 1),
    due=date(2030, 7, 15),
    paused_on=date(2030, 2, 20),
    resumed_on=date(2030, 5, 4),
    working_days_paused=52,
    resumed_by="bt",
)


def test_a_paused_clock_is_shown_paused_and_not_overdue_past_its_old_due_date() -> None:
    snapshot = fold([(STARTED, date(2030, 1, 10)), (PAUSED, date(2030, 2, 20))])
    report = produce(snapshot, parse_period("sprg_bimonthly", "2030-03"))
    assert open_clock(report)[3:] == ["2030-03-01", "paused"]
    assert report.headline["clocks_open"] == 1
    assert report.headline["clocks_overdue"] == 0
    assert not any("past due" in line for line in report.attention)


def test_the_same_clock_never_paused_is_overdue() -> None:
    report = produce(
        fold([(STARTED, date(2030, 1, 10))]), parse_period("sprg_bimonthly", "2030-03")
    )
    assert open_clock(report)[4] == "overdue"
    assert report.headline["clocks_overdue"] == 1


def test_a_resumed_clock_counts_again_towards_its_moved_due_date() -> None:
    events = [
        (STARTED, date(2030, 1, 10)),
        (PAUSED, date(2030, 2, 20)),
        (RESUMED, date(2030, 5, 4)),
    ]
    snapshot = fold(events)
    may = produce(snapshot, parse_period("sprg_bimonthly", "2030-05"))
    assert open_clock(may)[3:] == ["2030-07-15", "open"]
    july = produce(snapshot, parse_period("sprg_bimonthly", "2030-07"))
    assert open_clock(july)[4] == "overdue"
    # The past period still reads as it stood: paused.
    march = produce(snapshot, parse_period("sprg_bimonthly", "2030-03"))
    assert open_clock(march)[4] == "paused"


def test_a_report_produced_before_its_period_ends_counts_nothing_overdue_that_was_not() -> None:
    period: Period = parse_period("sprg_bimonthly", "2030-01")
    snapshot = fold([(STARTED.model_copy(update={"due": date(2030, 2, 27)}), date(2030, 1, 10))])
    assert produce(snapshot, period).headline["clocks_overdue"] == 1
    early = produce(snapshot, period, as_of=date(2030, 2, 25))
    assert early.headline["clocks_overdue"] == 0
    assert early.period_end == date(2030, 2, 28)


def test_the_factors_found_present_are_features_of_the_reviews() -> None:
    held = RapidReviewHeld(
        case_id="case-f",
        held_date=date(2030, 3, 5),
        purposes=tuple(
            PurposeOutcome(purpose=p, addressed=True)
            for p in (
                "gather_facts",
                "immediate_safety_action",
                "potential_national_learning",
                "lcspr_decision",
            )
        ),
        recommendation="lcspr",
        recorded_at=datetime(2030, 3, 5, 10, tzinfo=UTC),
    )
    factors = LcsprFactorsRecorded(
        case_id="case-f",
        serious_child_safeguarding_case=True,
        factors={
            "national_importance": FactorRecord(present=True),
            "urgent_action": FactorRecord(present=False),
        },
        recorded_at=datetime(2030, 3, 5, 11, tzinfo=UTC),
    )
    snapshot = fold([(held, date(2030, 3, 5)), (factors, date(2030, 3, 5))])
    themes = produce(snapshot, parse_period("sprg_bimonthly", "2030-03")).table("themes").rows
    assert ["LCSPR factor", "national importance", 1] in themes
    assert not any(row[1] == "urgent action" for row in themes)
    before = produce(snapshot, parse_period("sprg_bimonthly", "2030-01")).table("themes").rows
    assert not any(row[0] == "LCSPR factor" for row in before)
