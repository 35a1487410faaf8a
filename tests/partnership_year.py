"""A year of a partnership's events, generated from a seed (for the reporting tests).

Rapid Reviews (with SIN and Rapid Review clocks, met on time, late or breached, and
information returns), the SPRs some of them lead to, Cases of Concern, Stage 3+
escalations, SPRG meetings (one inquorate), actions and learning. Every event is dated
as it would have been published (``Envelope.time``), and nothing after the year's end is
emitted, so some duties are still open when the year closes. ``truth`` keeps what the
clocks did, for the tests to check the reports against.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sprg_shared.calendar import WorkingDayCalendar
from sprg_shared.contracts.clocks import (
    ClockBreached,
    ClockMet,
    ClockPaused,
    ClockResumed,
    ClockStarted,
)
from sprg_shared.contracts.decisions import CaseAssessed, ClockDue, RulepackRef
from sprg_shared.contracts.intake import (
    ActionRecorded,
    CaseOfConcernReferred,
    CaseOfConcernTriaged,
    CaseTagged,
    ChildFacts,
    EscalationRecorded,
    EscalationStep,
    FactorRecord,
    IncidentFacts,
    IncidentReported,
    InformationRequested,
    LcsprDecided,
    LcsprFactorsRecorded,
    LcsprProgressed,
    LcsprPublicationRecorded,
    LearningShared,
    MeetingAttendanceRecorded,
    MeetingMember,
    MeetingScheduled,
    PurposeOutcome,
    RapidReviewHeld,
    RapidReviewSentToPanel,
    ReturnReceived,
    SinSubmitted,
)
from sprg_shared.contracts.notifications import NotificationSent
from sprg_shared.envelope import Envelope, EventData

AGENCIES = (
    "croydon-csc",
    "met-police",
    "croydon-icb",
    "croydon-health-services",
    "slam-camhs",
    "education",
    "housing",
    "early-help",
)
THEMES = (
    "neglect",
    "domestic abuse",
    "parental mental health",
    "child exploitation",
    "substance misuse",
    "online harm",
    "safe sleep",
    "non-accidental injury",
)
PACK = RulepackRef(id="sin", version="1", hash="h")
CAL = WorkingDayCalendar()


@dataclass(frozen=True)
class ClockTruth:
    kind: str
    due: date
    met_on: date | None
    breached_on: date | None

    def outcome(self, cutoff: date) -> str:
        if self.met_on is not None and self.met_on <= cutoff:
            return "on_time" if self.met_on <= self.due else "late"
        if self.breached_on is not None and self.breached_on <= cutoff:
            return "late"
        return "open"


@dataclass
class Year:
    start: date
    end: date
    rng: random.Random
    events: list[Envelope] = field(default_factory=list)
    truth: list[ClockTruth] = field(default_factory=list)
    counter: int = 0
    # Filled as reviews are generated, emitted at the end (no random draws: the rest of
    # the year is the same with or without them).
    factors: list[tuple[str, date, bool]] = field(default_factory=list)
    completions: list[tuple[str, date]] = field(default_factory=list)
    paused: list[tuple[str, date, date | None]] = field(default_factory=list)

    def emit(self, event: EventData, on: date, subject: str) -> None:
        if on > self.end:
            return
        self.counter += 1
        at = datetime.combine(on, time(9), tzinfo=UTC) + timedelta(seconds=self.counter)
        self.events.append(
            Envelope(
                id=f"gen-{self.counter:06d}",
                source="sprg/test-generator",
                type=event.TYPE,
                subject=subject,
                time=at,
                data=event.model_dump(mode="json"),
            )
        )

    def day(self, last: date) -> date:
        span = (last - self.start).days
        return CAL.add_working_days(self.start + timedelta(days=self.rng.randrange(span)), 0)

    def at(self, on: date) -> datetime:
        return datetime.combine(on, time(10), tzinfo=UTC)

    def tags(self, subject_id: str, review_type: str, on: date) -> None:
        tags = tuple(self.rng.sample(THEMES, self.rng.randint(1, 3)))
        event = CaseTagged(
            subject_id=subject_id, review_type=review_type, tags=tags, tagged_at=self.at(on)
        )
        self.emit(event, on, subject_id)

    def clock(self, case_id: str, kind: str, started: date, due: date, met_on: date | None) -> None:
        clock_id = f"{case_id}-{kind}"
        self.emit(
            ClockStarted(
                clock_id=clock_id,
                case_id=case_id,
                kind=kind,
                anchor="aware_date",
                anchor_date=started,
                due=due,
                calendar_version=CAL.version,
                started_by="gen",
            ),
            started,
            case_id,
        )
        breached_on = due + timedelta(days=1) if met_on is None or met_on > due else None
        if breached_on is not None and breached_on <= self.end:
            self.emit(
                ClockBreached(
                    clock_id=clock_id,
                    case_id=case_id,
                    kind=kind,
                    due=due,
                    breached_at=self.at(breached_on),
                    calendar_version=CAL.version,
                ),
                breached_on,
                case_id,
            )
        if met_on is not None:
            self.emit(
                ClockMet(
                    clock_id=clock_id,
                    case_id=case_id,
                    kind=kind,
                    due=due,
                    met_on=met_on,
                    late=met_on > due,
                    met_by="gen",
                ),
                met_on,
                case_id,
            )
        shown_met = met_on if met_on is not None and met_on <= self.end else None
        shown_breach = breached_on if breached_on is not None and breached_on <= self.end else None
        self.truth.append(ClockTruth(kind, due, shown_met, shown_breach))

    def action(self, source_id: str, on: date) -> None:
        action_id = f"act-{self.counter}"
        due = on + timedelta(days=30)
        owner = self.rng.choice(AGENCIES)
        for status, when in (("open", on), *self._action_end(due)):
            self.emit(
                ActionRecorded(
                    action_id=action_id,
                    source_id=source_id,
                    owner_agency=owner,
                    owner_role="SPRG member",
                    due_date=due,
                    status=status,
                    updated_date=when,
                    recorded_at=self.at(when),
                ),
                when,
                action_id,
            )

    def _action_end(self, due: date) -> list[tuple[str, date]]:
        roll = self.rng.random()
        if roll < 0.6:
            return [("done", due - timedelta(days=self.rng.randint(0, 20)))]
        if roll < 0.75:
            return [("done", due + timedelta(days=self.rng.randint(5, 40)))]
        return []

    def learning(self, source_id: str, on: date) -> None:
        learning_id = f"learn-{self.counter}"
        audiences = tuple(self.rng.sample(("practitioners", "cscp-training", "schools", "gps"), 2))
        for impact, when in ((False, on), (True, on + timedelta(days=60))):
            if impact and self.rng.random() < 0.5:
                continue
            self.emit(
                LearningShared(
                    learning_id=learning_id,
                    source_id=source_id,
                    shared_date=on,
                    audiences=audiences,
                    impact_reported=impact,
                    recorded_at=self.at(when),
                ),
                when,
                learning_id,
            )


def _rapid_review(year: Year, n: int) -> None:
    rng = year.rng
    case_id = f"case-{n:03d}"
    aware = year.day(year.end - timedelta(days=20))
    agency = rng.choice(AGENCIES[:4])
    ages = [rng.choice((0, 0, 1, 3, 7, 12, 14, 15, 16, 17)) for _ in range(rng.randint(1, 2))]
    year.emit(
        IncidentReported(
            case_id=case_id,
            reference=f"SPRG-{aware.year}-{n:04d}",
            reporting_agency=agency,
            reported_at=year.at(aware),
            aware_date=aware,
            incident=IncidentFacts(
                kind=rng.choice(("death", "serious_harm")),
                date=aware - timedelta(days=1),
                location="in_area",
                abuse_or_neglect="suspected",
            ),
            children=tuple(
                ChildFacts(
                    age_years=a,
                    looked_after=False,
                    care_leaver=False,
                    normally_resident_in_area=True,
                )
                for a in ages
            ),
        ),
        aware,
        case_id,
    )
    sin_due = CAL.add_working_days(aware, 5)
    year.emit(
        CaseAssessed(
            case_id=case_id,
            trigger_event_id="gen",
            rulepack=PACK,
            panel_notification_required=True,
            panel_notification_subsection="a",
            notifying_area="this_area",
            rapid_review_required=True,
            dfe_ofsted_reasons=(),
            csab_liaison_required=False,
            clocks=(
                ClockDue(
                    kind="sin_notification",
                    anchor="aware_date",
                    anchor_date=aware,
                    due=sin_due,
                    rule="sin",
                ),
            ),
            decisions=(),
        ),
        aware,
        case_id,
    )
    submitted = CAL.add_working_days(aware, rng.choice((2, 3, 4, 5, 5, 5, 4, 7)))
    year.clock(case_id, "sin_notification", aware, sin_due, submitted)
    year.emit(
        NotificationSent(
            notification_id=f"n-{case_id}",
            case_id=case_id,
            trigger_event_id="gen",
            template="sin_reminder",
            channel="email",
            recipient_role="business_team",
            status=rng.choice(("sent", "sent", "sent", "failed")),
            attempts=1,
        ),
        CAL.add_working_days(aware, 3),
        case_id,
    )
    year.emit(
        SinSubmitted(
            case_id=case_id,
            submitted_date=submitted,
            recorded_at=year.at(submitted),
            recorded_by_agency="croydon-csc",
        ),
        submitted,
        case_id,
    )
    for i, other in enumerate(rng.sample(AGENCIES, 3)):
        requested = CAL.add_working_days(aware, 1)
        due = CAL.add_working_days(requested, 5)
        year.emit(
            InformationRequested(
                case_id=case_id,
                request_id=f"{case_id}-req{i}",
                agency=other,
                kind="information",
                requested_date=requested,
                due_date=due,
                requested_at=year.at(requested),
            ),
            requested,
            case_id,
        )
        shift = rng.choice((-3, -1, 0, 0, 2, 4))
        received = (
            CAL.add_working_days(due, shift) if shift >= 0 else CAL.working_days_before(due, -shift)
        )
        year.emit(
            ReturnReceived(
                case_id=case_id,
                request_id=f"{case_id}-req{i}",
                agency=other,
                received_date=received,
                documents=1,
                received_at=year.at(received),
            ),
            received,
            case_id,
        )
    rr_due = CAL.add_working_days(submitted, 15)
    held = CAL.add_working_days(submitted, rng.choice((10, 12, 14, 15, 15, 18)))
    year.clock(case_id, "rapid_review", submitted, rr_due, held)
    purposes = tuple(
        PurposeOutcome(purpose=p, addressed=True)
        for p in (
            "gather_facts",
            "immediate_safety_action",
            "potential_national_learning",
            "lcspr_decision",
        )
    )
    commission = rng.random() < 0.35
    year.emit(
        RapidReviewHeld(
            case_id=case_id,
            held_date=held,
            purposes=purposes,
            recommendation="lcspr" if commission else "no_lcspr",
            recorded_at=year.at(held),
        ),
        held,
        case_id,
    )
    year.tags(case_id, "rapid_review", held)
    year.action(case_id, held)
    sent = CAL.add_working_days(held, 2)
    year.emit(
        RapidReviewSentToPanel(case_id=case_id, sent_date=sent, recorded_at=year.at(sent)),
        sent,
        case_id,
    )
    decided = CAL.add_working_days(held, 10)
    year.emit(
        LcsprDecided(
            case_id=case_id,
            decision="commission" if commission else "do_not_commission",
            decided_date=decided,
            methodology="systems_review" if commission else None,
            recorded_at=year.at(decided),
        ),
        decided,
        case_id,
    )
    year.factors.append((case_id, held, commission))
    if commission:
        _lcspr(year, case_id, decided)
    else:
        year.learning(case_id, decided + timedelta(days=20))


def _lcspr(year: Year, case_id: str, decided: date) -> None:
    year.tags(case_id, "lcspr", decided)
    steps = (
        ("reviewer_appointed", 20),
        ("started", 40),
        ("draft_received", 120),
        ("final_report_received", 160),
        ("sent_to_panel_and_secretary_of_state", 170),
    )
    for milestone, days in steps:
        on = decided + timedelta(days=days + year.rng.randint(0, 30))
        year.emit(
            LcsprProgressed(
                case_id=case_id, milestone=milestone, milestone_date=on, recorded_at=year.at(on)
            ),
            on,
            case_id,
        )
    published = decided + timedelta(days=200 + year.rng.randint(0, 60))
    year.emit(
        LcsprPublicationRecorded(
            case_id=case_id,
            published_date=published,
            agencies=("croydon-csc", "met-police", "croydon-icb"),
            press_offices_told=("croydon-csc", "met-police", "croydon-icb"),
            recorded_at=year.at(published),
        ),
        published,
        case_id,
    )
    year.learning(case_id, published)
    year.action(case_id, published)
    year.completions.append((case_id, decided))


def _case_of_concern(year: Year, n: int, meetings: list[date]) -> None:
    rng = year.rng
    coc_id = f"coc-{n:03d}"
    referred = year.day(year.end - timedelta(days=10))
    year.emit(
        CaseOfConcernReferred(
            coc_id=coc_id,
            reference=f"CoC-{referred.year}-{n:03d}",
            referring_agency=rng.choice(AGENCIES),
            referred_date=referred,
            meets_sin_criteria=False,
            meets_spr_criteria=False,
            agencies_involved=tuple(rng.sample(AGENCIES, 2)),
            referred_at=year.at(referred),
        ),
        referred,
        coc_id,
    )
    triaged = CAL.add_working_days(referred, rng.randint(2, 8))
    advice = rng.random() < 0.2
    year.emit(
        CaseOfConcernTriaged(
            coc_id=coc_id,
            triage="advice" if advice else "list_for_meeting",
            meeting=None if advice else "sprg",
            triaged_date=triaged,
            triaged_at=year.at(triaged),
        ),
        triaged,
        coc_id,
    )
    year.tags(coc_id, "case_of_concern", triaged)
    if advice:
        return
    meeting = next((m for m in meetings if m > triaged), None)
    if meeting is None:
        return
    year.emit(
        CaseOfConcernTriaged(
            coc_id=coc_id,
            triage="list_for_meeting",
            meeting="sprg",
            approach=rng.choice(("internal_file_review", "appreciative_inquiry", "policy_review")),
            triaged_date=meeting,
            triaged_at=year.at(meeting),
        ),
        meeting,
        coc_id,
    )
    year.action(coc_id, meeting)
    if rng.random() < 0.5:
        year.learning(coc_id, meeting + timedelta(days=45))


def _escalation(year: Year, n: int) -> None:
    rng = year.rng
    escalation_id = f"esc-{n:03d}"
    raised, other = rng.sample(AGENCIES, 2)
    day = year.day(year.end - timedelta(days=15))
    steps: list[EscalationStep] = []
    top = rng.choice((3, 3, 3, 4, 4, 5))
    for stage in range(1, top + 1):
        steps.append(EscalationStep(stage=stage, started_date=day))
        resolved = day + timedelta(days=20) if stage == top and rng.random() < 0.7 else None
        year.emit(
            EscalationRecorded(
                escalation_id=escalation_id,
                reference=f"ESC-{n:03d}",
                raised_by_agency=raised,
                with_agency=other,
                stage=stage,
                stage_started_date=day,
                copy_to_cscp_date=day if stage >= 3 else None,
                history=tuple(steps),
                recorded_at=year.at(day),
            ),
            day,
            escalation_id,
        )
        if resolved is not None:
            year.emit(
                EscalationRecorded(
                    escalation_id=escalation_id,
                    reference=f"ESC-{n:03d}",
                    raised_by_agency=raised,
                    with_agency=other,
                    stage=stage,
                    stage_started_date=day,
                    resolved_date=resolved,
                    copy_to_cscp_date=day,
                    history=tuple(steps),
                    recorded_at=year.at(resolved),
                ),
                resolved,
                escalation_id,
            )
        if stage == 3:
            year.tags(escalation_id, "escalation", day)
        day = CAL.add_working_days(day, rng.randint(3, 8))


def _meetings(year: Year) -> list[date]:
    dates = []
    for i, month in enumerate((1, 3, 5, 7, 9, 11)):
        meeting_date = CAL.add_working_days(date(year.start.year, month, 14), 0)
        dates.append(meeting_date)
        meeting_id = f"sprg-{meeting_date.isoformat()}"
        chair = ("csc", "police", "icb")[i % 3]
        year.emit(
            MeetingScheduled(
                meeting_id=meeting_id,
                meeting_date=meeting_date,
                chair_partner=chair,
                scheduled_at=year.at(year.start),
            ),
            year.start,
            meeting_id,
        )
        police = "apologies" if i == 2 else "in_person"
        members = (
            MeetingMember(role="Chair", partner=chair, attendance="in_person"),
            MeetingMember(role="HOS Early Help & CSC", partner="csc", attendance="in_person"),
            MeetingMember(role="Designated Nurse", partner="icb", attendance="proxy"),
            MeetingMember(role="Detective Inspector", partner="police", attendance=police),
        )
        year.emit(
            MeetingAttendanceRecorded(
                meeting_id=meeting_id,
                meeting_date=meeting_date,
                as_of=meeting_date,
                members=members,
                recorded_at=year.at(meeting_date),
            ),
            meeting_date,
            meeting_id,
        )
    return dates


FACTOR_CODES = ("criteria_met", "national_importance", "learning_for_partners", "urgent_action")


def _factors(year: Year) -> None:
    """The factors weighed at each Rapid Review (codes only): all present when it led to
    an LCSPR, only the first otherwise."""
    for case_id, held, commission in year.factors:
        year.emit(
            LcsprFactorsRecorded(
                case_id=case_id,
                serious_child_safeguarding_case=True,
                factors={
                    code: FactorRecord(present=commission or i == 0)
                    for i, code in enumerate(FACTOR_CODES)
                },
                recorded_at=year.at(held),
            ),
            held,
            case_id,
        )


def _completion_clocks(year: Year) -> None:
    """Each LCSPR's 6-month completion clock (pausable). Every other one pauses 30 days
    after commissioning (a criminal trial, say) for 20 working days, or until the year's end
    if it was paused after 1 December; resumed, its due date moves on by the days paused."""
    for i, (case_id, decided) in enumerate(year.completions):
        clock_id = f"{case_id}-lcspr_completion"
        due = decided + timedelta(days=183)
        year.emit(
            ClockStarted(
                clock_id=clock_id,
                case_id=case_id,
                kind="lcspr_completion",
                anchor="commissioned",
                anchor_date=decided,
                due=due,
                calendar_version=CAL.version,
                started_by="gen",
            ),
            decided,
            case_id,
        )
        if i % 2:
            continue
        paused_on = CAL.add_working_days(decided, 20)
        if paused_on > year.end:
            continue
        year.emit(
            ClockPaused(
                clock_id=clock_id,
                case_id=case_id,
                kind="lcspr_completion",
                due=due,
                paused_on=paused_on,
                working_days_remaining=100,
                reason="criminal trial",
                paused_by="gen",
            ),
            paused_on,
            case_id,
        )
        resumed_on = CAL.add_working_days(paused_on, 20)
        if paused_on >= date(year.end.year, 12, 1):
            year.paused.append((clock_id, paused_on, None))
            continue
        moved = CAL.add_working_days(due, 20)
        year.emit(
            ClockResumed(
                clock_id=clock_id,
                case_id=case_id,
                kind="lcspr_completion",
                previous_due=due,
                due=moved,
                paused_on=paused_on,
                resumed_on=resumed_on,
                working_days_paused=20,
                resumed_by="gen",
            ),
            resumed_on,
            case_id,
        )
        year.paused.append((clock_id, paused_on, resumed_on if resumed_on <= year.end else None))


def generate(
    seed: int, year: int, rapid_reviews: int, cases_of_concern: int, escalations: int
) -> Year:
    made = Year(start=date(year, 1, 1), end=date(year, 12, 31), rng=random.Random(seed))
    meetings = _meetings(made)
    for n in range(rapid_reviews):
        _rapid_review(made, n)
    for n in range(cases_of_concern):
        _case_of_concern(made, n, meetings)
    for n in range(escalations):
        _escalation(made, n)
    _factors(made)
    _completion_clocks(made)
    return made
