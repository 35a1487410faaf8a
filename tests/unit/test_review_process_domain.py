"""Issue 13's pure pieces: the closure's superseding decision, a clock met after the fact,
the shared vocabulary's checks."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

import pytest

from sprg_intake.domain.rapid_review import rapid_review_state
from sprg_reporting.domain.asof import clock_state
from sprg_rules.handlers.decisions import superseded_by_closure
from sprg_shared.contracts.decisions import CaseAssessed, ClockDue, Decision, RulepackRef
from sprg_shared.vocabulary import attendance_problems, horizon, unstorable


def _assessed(sin_status: Literal["open", "met", "late"]) -> CaseAssessed:
    return CaseAssessed(
        case_id="c1",
        trigger_event_id="closure",
        rulepack=RulepackRef(id="statutory-england", version="2026.1", hash="h"),
        panel_notification_required=True,
        panel_notification_subsection="a",
        notifying_area="this_area",
        rapid_review_required=False,
        dfe_ofsted_reasons=(),
        csab_liaison_required=False,
        clocks=(
            ClockDue(
                kind="sin_notification",
                anchor="aware_date",
                anchor_date=date(2026, 6, 1),
                due=date(2026, 6, 8),
                rule="sin.s16c_1_a",
                status=sin_status,
            ),
        ),
        decisions=(
            Decision(
                rule="sin.s16c_1_a",
                outcome="panel_notification_required",
                because=("child aged 6",),
                source="Children Act 2004 s16C(1)(a)",
            ),
            Decision(
                rule="rr.not_required",
                outcome="rapid_review_not_required",
                because=("found on 2026-06-20 not to meet the notification criteria",),
                source="WT2023",
            ),
        ),
    )


def test_a_closure_supersedes_the_notification_decision_and_drops_an_unmet_sin_clock() -> None:
    closed = superseded_by_closure(_assessed("open"), date(2026, 6, 20))
    assert not closed.panel_notification_required and closed.notifying_area is None
    assert [d.rule for d in closed.decisions] == ["closure.criteria_not_met", "rr.not_required"]
    assert "supersedes sin.s16c_1_a" in " ".join(closed.decisions[0].because)
    assert closed.clocks == ()
    submitted = superseded_by_closure(_assessed("late"), date(2026, 6, 20))
    assert [c.status for c in submitted.clocks] == ["late"]  # a SIN sent stays sent


def test_a_clock_met_on_a_past_day_stays_met_whatever_was_recorded_later() -> None:
    steps = [
        ("2026-11-09", "open", "2026-11-30"),
        ("2026-12-01", "breached", "2026-11-30"),
        ("2026-12-07", "recalculated", "2026-11-25"),
        ("2026-11-18", "met", "2026-11-25"),
    ]
    history = [{"date": d, "known": "2026-12-07", "state": s, "due": due} for d, s, due in steps]
    doc: dict[str, Any] = {"_id": "k", "case_id": "c1", "kind": "rapid_review", "history": history}
    state = clock_state(doc, date(2026, 12, 7))
    assert state is not None and (state.state, state.due) == ("met", date(2026, 11, 25))


def test_the_rapid_review_state_shows_the_copy_to_the_panel_as_its_own_duty() -> None:
    held = {"kind": "rapid_review_held", "facts": {"held_date": "2026-11-18",
            "recommendation": "lcspr", "partners_view": "local_review"}}  # fmt: skip
    sent = {"kind": "rapid_review_sent_to_panel", "facts": {"sent_date": "2026-11-20"}}
    assert rapid_review_state([held])["copy_to_panel"] == {"state": "due", "sent_date": None}
    state = rapid_review_state([held, sent])
    assert state["status"] == "held" and state["held"]["partners_view"] == "local_review"
    assert state["copy_to_panel"] == {"state": "sent", "sent_date": "2026-11-20"}


class _Member:
    def __init__(self, attendance: str, proxy: bool | None = None) -> None:
        self.attendance, self.proxy_similar_seniority = attendance, proxy
        self.apologies_received_date: date | None = None


@pytest.mark.parametrize(
    ("member", "as_of", "field"),
    [
        (_Member("in_person"), date(2026, 6, 5), "members.0.attendance"),
        (_Member("expected"), date(2026, 6, 10), "members.0.attendance"),
        (_Member("proxy"), date(2026, 6, 10), "members.0.proxy_similar_seniority"),
    ],
)
def test_attendance_the_quoracy_rules_cannot_read_is_named(
    member: _Member, as_of: date, field: str
) -> None:
    found = list(attendance_problems(date(2026, 6, 10), as_of, [member]))
    assert [f for f, _ in found] == [field]


def test_the_vocabulary_refuses_what_cannot_be_stored_and_plans_five_years_ahead() -> None:
    assert unstorable({"children": [{"name": "A \ud800"}]}) == (
        "children.0.name",
        "contains a character that is not valid text (lone surrogate)",
    )
    assert unstorable({"x": float("nan")}) is not None
    assert unstorable({"name": "Zoë"}) is None
    assert horizon(date(2028, 2, 29)) == date(2033, 2, 28)
