"""What happens when a decision (or a person) changes a clock.

A ``CaseAssessed`` (or a ``SubjectDecided`` on a matter without a case, an escalation)
starts the clocks it lists, re-anchors those whose due date moved (the history keeps
every due date and the event that set it) and stops the clocks it no longer lists.
Deadlines people set (an information request's, an IMR's, an action's) are clocks too,
one per request or action, met by the return or the action done.

Every change is one conditional single-document write (``rev``); what it announces is
derived from the stored clock, so a redelivery after a crash between the write and the
publish announces the same events with the same ids.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from sprg_scheduler.adapters.ports import ClockStore
from sprg_scheduler.adapters.repository import Stored
from sprg_scheduler.domain import lifecycle
from sprg_scheduler.domain.clocks import Clock, ClockLabels, clock_id_for, keyed_clock_id
from sprg_scheduler.domain.kinds import ClockKinds, read_back
from sprg_scheduler.domain.schedule import ReminderPolicy
from sprg_shared.calendar import WorkingDayCalendar
from sprg_shared.contracts.clocks import SubjectOfClock
from sprg_shared.contracts.decisions import CaseAssessed, ClockDue, DueBasis, SubjectDecided
from sprg_shared.contracts.intake import (
    ActionRecorded,
    CaseNoticeRecorded,
    InformationRequested,
    LcsprProgressed,
    LcsprPublicationRecorded,
    RapidReviewClosed,
    RapidReviewHeld,
    RapidReviewSentToPanel,
    ReturnReceived,
)
from sprg_shared.envelope import Envelope, EventData
from sprg_shared.store import Document
from sprg_shared.tracing import child_traceparent

log = logging.getLogger(__name__)

_ATTEMPTS = 10


class ClockNotFound(Exception):
    """No clock has this id."""


class ConcurrentChange(Exception):
    """The clock kept changing under us; the caller retries the whole message."""


@dataclass
class SchedulerDeps:
    repo: ClockStore
    publish: Callable[[EventData, str, str | None], Awaitable[Envelope]]
    now: Callable[[], datetime]
    calendar_version: str
    calendar: WorkingDayCalendar
    """The calendar version in force; replaced when an administrator confirms a new one."""
    policy: ReminderPolicy
    kinds: ClockKinds = field(default_factory=ClockKinds)

    def use_calendar(self, calendar: WorkingDayCalendar) -> None:
        self.calendar, self.calendar_version = calendar, calendar.version


async def on_case_assessed(event: CaseAssessed, envelope: Envelope, deps: SchedulerDeps) -> None:
    reason = (
        f"no longer required by the assessment {envelope.id} "
        f"(rule pack {event.rulepack.id} {event.rulepack.version})"
    )
    about = About(event.reference, "case")
    await _apply_decision(event.case_id, event.clocks, envelope, reason, deps, about)
    await _csab_liaison(event, envelope, about, deps)


CSAB_LIAISON = "csab_liaison"
DFE_OFSTED = "dfe_ofsted_notification"


async def _csab_liaison(
    event: CaseAssessed, envelope: Envelope, about: About, deps: SchedulerDeps
) -> None:
    """A care leaver aged 18 to 24 died: a liaison task with the CSAB, its clock a local
    target (``target_working_days`` of the kind) from the day the LA became aware. Keyed,
    so later assessments leave it alone unless they find liaison no longer required."""
    clock_id = keyed_clock_id(event.case_id, CSAB_LIAISON)
    trace = child_traceparent(envelope.traceparent)
    aware = next((c.anchor_date for c in event.clocks if c.kind == DFE_OFSTED), None)
    target = deps.kinds.of(CSAB_LIAISON).target_working_days
    if event.csab_liaison_required and aware is not None and target is not None:
        due = ClockDue(
            kind=CSAB_LIAISON,
            anchor="aware_date",
            anchor_date=aware,
            due=deps.calendar.add_working_days(aware, target),
            rule=f"local target: liaise with the CSAB within {target} working days",
            basis=DueBasis(count=target, unit="working_days"),
        )
        clock = await _start_or_reanchor(
            event.case_id, due, envelope.id, deps, about, key=CSAB_LIAISON
        )
        await _announce(clock, envelope.id, trace, deps)
    elif not event.csab_liaison_required and await deps.repo.get(clock_id) is not None:
        clock = await _change(
            clock_id,
            lambda c: lifecycle.stop(
                c,
                outcome="stopped",
                reason=f"CSAB liaison no longer required by the assessment {envelope.id}",
                by=envelope.id,
                now=deps.now(),
            ),
            deps,
        )
        await _announce(clock, envelope.id, trace, deps)


async def on_notice_recorded(
    event: CaseNoticeRecorded, envelope: Envelope, deps: SchedulerDeps
) -> None:
    """The DfE and Ofsted were notified, or the CSAB liaised with: the clock is met on
    that day (late if after its due date). Recorded before the case's assessment started
    the clock, it is kept and applied when the clock starts (never dead-lettered for that)."""
    if event.notice == "dfe_ofsted":
        clock_id = clock_id_for(event.case_id, DFE_OFSTED)
    else:
        clock_id = keyed_clock_id(event.case_id, CSAB_LIAISON)
    settlement = {"how": "meet", "on": event.notified_date.isoformat(), "by": envelope.id}
    await _end(clock_id, settlement, deps, child_traceparent(envelope.traceparent))


@dataclass(frozen=True)
class About:
    """How people know a clock's subject, and the agency that must act (if one must)."""

    reference: str | None
    subject_kind: SubjectOfClock
    owner_agency: str | None = None

    def labels(self, kind: str, deps: SchedulerDeps) -> ClockLabels:
        return ClockLabels(
            reference=self.reference,
            subject_kind=self.subject_kind,
            owner_agency=self.owner_agency,
            statutory=deps.kinds.of(kind).statutory,
        )


_SUBJECT_PAGES: dict[str, SubjectOfClock] = {
    "escalation": "escalation",
    "case_of_concern": "case_of_concern",
    "meeting": "meeting",
}


async def on_subject_decided(
    event: SubjectDecided, envelope: Envelope, deps: SchedulerDeps
) -> None:
    """The clocks of a matter that is not a case: an escalation's stage response target.

    A matter on a case (an LCSPR's publication, say) is left to the case's own
    assessment, which lists the same clocks: the rules re-decide the case from the same
    fact, and a case's clocks have one owner so that neither stops the other's.
    """
    if event.case_id is not None:
        return
    reason = (
        f"no longer required by the {event.kind.replace('_', ' ')} decision {envelope.id} "
        f"(rule pack {event.rulepack.id} {event.rulepack.version})"
    )
    about = About(event.reference, _SUBJECT_PAGES.get(event.kind, "case"))
    await _apply_decision(event.subject_id, event.clocks, envelope, reason, deps, about)


async def _apply_decision(
    subject_id: str,
    clocks: tuple[ClockDue, ...],
    envelope: Envelope,
    stop_reason: str,
    deps: SchedulerDeps,
    about: About,
) -> None:
    """Start or re-anchor the clocks a decision lists; stop the ones it owned and dropped."""
    trace = child_traceparent(envelope.traceparent)
    listed = {due.kind for due in clocks}
    for listed_due in clocks:
        due = listed_due
        if due.basis is None:  # a decision published before decisions carried it
            due = due.model_copy(
                update={"basis": read_back(due.anchor_date, due.due, deps.calendar)}
            )
        clock = await _apply_due(subject_id, due, envelope.id, deps, about)
        await _announce(clock, envelope.id, trace, deps)
    for stored in await deps.repo.for_case(subject_id):
        # Clocks with a key (requests, actions) are people's deadlines, not the decision's.
        if stored.clock.kind in listed or stored.clock.key is not None:
            continue
        clock = await _change(
            stored.clock.clock_id,
            lambda c: lifecycle.stop(
                c, outcome="stopped", reason=stop_reason, by=envelope.id, now=deps.now()
            ),
            deps,
        )
        await _announce(clock, envelope.id, trace, deps)


async def _apply_due(
    case_id: str, due: ClockDue, event_id: str, deps: SchedulerDeps, about: About
) -> Clock:
    clock = await _start_or_reanchor(case_id, due, event_id, deps, about)
    if due.status in {"met", "late"}:  # the fact that stops it came in
        return await _change(
            clock.clock_id,
            lambda c: lifecycle.settle(
                c, due, event_id=event_id, now=deps.now(), policy=deps.policy
            ),
            deps,
        )
    return clock


async def _start_or_reanchor(
    case_id: str,
    due: ClockDue,
    event_id: str,
    deps: SchedulerDeps,
    about: About,
    key: str | None = None,
    reason: str | None = None,
) -> Clock:
    clock_id = clock_id_for(case_id, due.kind, key)
    existing = await deps.repo.get(clock_id)
    labels = about.labels(due.kind, deps)
    if existing is None:
        started = lifecycle.start(
            case_id,
            due,
            event_id=event_id,
            now=deps.now(),
            calendar_version=deps.calendar_version,
            policy=deps.policy,
            calendar=deps.calendar,
            key=key,
        ).model_copy(update=dict(labels))
        if await deps.repo.add(started):
            pending = await deps.repo.settlement(clock_id)
            if pending is None:
                return started
            # The fact that ends it arrived first: apply it now, and say so.
            await _announce(started, event_id, None, deps)
            ended = await _change(clock_id, lambda c: _settled(c, pending, deps.now()), deps)
            await _announce(ended, str(pending["by"]), None, deps)
            return ended

    def reanchor(clock: Clock) -> Clock | None:
        changed = lifecycle.apply_assessment(
            clock,
            due,
            event_id=event_id,
            now=deps.now(),
            policy=deps.policy,
            calendar=deps.calendar,
            reason=reason,
        )
        if clock.reference is None and labels["reference"] is not None:
            # A clock started before its subject's reference was carried learns it now.
            changed = (changed or clock).model_copy(update=dict(labels))
        return changed

    return await _change(clock_id, reanchor, deps)


# --- deadlines people set: information requests, IMR returns, actions ---

SET_BY_COORDINATOR = "set by the coordinator"


def request_clock_kind(requested: str) -> str:
    """An IMR's return is its own clock kind (its own owner and reminders)."""
    return "imr_return" if requested == "imr" else "information_request"


async def on_information_requested(
    event: InformationRequested, envelope: Envelope, deps: SchedulerDeps
) -> None:
    """A coordinator asked an agency for information (or an IMR) by a date: a clock to it.

    Asked again with another date, the clock moves and keeps the old date in its history.
    """
    kind = request_clock_kind(event.kind)
    due = ClockDue(
        kind=kind,
        anchor="requested_date",
        anchor_date=event.requested_date,
        due=event.due_date,
        rule=f"{SET_BY_COORDINATOR}: {event.kind} request to {event.agency}",
    )
    clock = await _start_or_reanchor(
        event.case_id,
        due,
        envelope.id,
        deps,
        About(event.reference, "case", event.agency),
        key=event.request_id,
        reason=f"the coordinator set a new deadline for the {event.kind} request",
    )
    await _announce(clock, envelope.id, child_traceparent(envelope.traceparent), deps)


async def on_return_received(
    event: ReturnReceived, envelope: Envelope, deps: SchedulerDeps
) -> None:
    """The agency's return came in: its request's clock is met (late if after the due date)."""
    met_on = event.received_date
    try:
        clock = await _change(
            keyed_clock_id(event.case_id, event.request_id),
            lambda c: lifecycle.meet(c, met_on=met_on, by=envelope.id, now=deps.now()),
            deps,
        )
    except ClockNotFound:
        log.warning(
            "a return for a request with no clock",
            extra={"case_id": event.case_id, "request_id": event.request_id},
        )
        return
    await _announce(clock, envelope.id, child_traceparent(envelope.traceparent), deps)


async def on_action_recorded(
    event: ActionRecorded, envelope: Envelope, deps: SchedulerDeps
) -> None:
    """An action's due date is a clock on its source (the case, meeting or review): a new
    due date moves it, ``done`` meets it on the day it was updated, ``dropped`` stops it."""
    clock_id = keyed_clock_id(event.source_id, event.action_id)
    existing = await deps.repo.get(clock_id)
    anchor_date = existing.clock.anchor_date if existing else event.updated_date
    due = ClockDue(
        kind="action_due",
        anchor="action_recorded",
        anchor_date=min(anchor_date, event.due_date),
        due=event.due_date,
        rule=f"{SET_BY_COORDINATOR}: action owned by {event.owner_role} ({event.owner_agency})",
    )
    reference = event.reference or "an action"
    if event.source_reference:
        reference = f"{reference} from {event.source_reference}"
    clock = await _start_or_reanchor(
        event.source_id,
        due,
        envelope.id,
        deps,
        About(reference, "action", event.owner_agency),
        key=event.action_id,
        reason="the action's due date was changed",
    )
    if event.status == "done":
        clock = await _change(
            clock_id,
            lambda c: lifecycle.meet(c, met_on=event.updated_date, by=envelope.id, now=deps.now()),
            deps,
        )
    elif event.status == "dropped":
        clock = await _change(
            clock_id,
            lambda c: lifecycle.stop(
                c,
                outcome="stopped",
                reason="the action was dropped",
                by=envelope.id,
                now=deps.now(),
            ),
            deps,
        )
    await _announce(clock, envelope.id, child_traceparent(envelope.traceparent), deps)


# --- the Rapid Review: held, its copy to the Panel, closed (criteria not met) ---

RAPID_REVIEW_CLOCKS = ("rapid_review", "rapid_review_conservative")
PANEL_COPY = "rapid_review_panel_copy"
PANEL_COPY_KEY = "rapid-review-copy-to-panel"
"""The copy to the Panel is a person's duty, not a decision's: keyed, so a later
assessment of the case never stops it."""


async def on_rapid_review_held(
    event: RapidReviewHeld, envelope: Envelope, deps: SchedulerDeps
) -> None:
    """The Rapid Review was held: both its clocks are met on the held date (late if after
    their due dates), and the copy to the Panel becomes its own duty, due by the local
    target (``clock_kinds.yaml``) after the held date."""
    trace = child_traceparent(envelope.traceparent)
    for kind in RAPID_REVIEW_CLOCKS:
        await _end(
            clock_id_for(event.case_id, kind),
            {"how": "meet", "on": event.held_date.isoformat(), "by": envelope.id},
            deps,
            trace,
        )
    target = deps.kinds.of(PANEL_COPY).target_working_days or 0
    due = ClockDue(
        kind=PANEL_COPY,
        anchor="rapid_review_held_date",
        anchor_date=event.held_date,
        due=deps.calendar.add_working_days(event.held_date, target),
        rule=(
            f"local target: the Rapid Review goes to the Panel within {target} working day(s) "
            "of completion, with the partners' view (Working Together 2023, chapter 5)"
        ),
        basis=DueBasis(count=target, unit="working_days"),
    )
    # The copy is known by the case's reference, which its Rapid Review clock carries.
    review = await deps.repo.get(clock_id_for(event.case_id, "rapid_review"))
    about = About(review.clock.reference if review else None, "case")
    clock = await _start_or_reanchor(
        event.case_id, due, envelope.id, deps, about, key=PANEL_COPY_KEY
    )
    await _announce(clock, envelope.id, trace, deps)


async def on_sent_to_panel(
    event: RapidReviewSentToPanel, envelope: Envelope, deps: SchedulerDeps
) -> None:
    """The copy went to the Panel: its duty is met on the day it was sent."""
    await _end(
        keyed_clock_id(event.case_id, PANEL_COPY_KEY),
        {"how": "meet", "on": event.sent_date.isoformat(), "by": envelope.id},
        deps,
        child_traceparent(envelope.traceparent),
    )


async def on_rapid_review_closed(
    event: RapidReviewClosed, envelope: Envelope, deps: SchedulerDeps
) -> None:
    """The SIN criteria were found not met: the SIN clock (unless already met) and the
    Rapid Review's clocks close with that reason, whatever a decision did to them first."""
    settlement = {"how": "close", "reason": event.reason_text(), "by": envelope.id}
    trace = child_traceparent(envelope.traceparent)
    for kind in ("sin_notification", *RAPID_REVIEW_CLOCKS):
        await _end(clock_id_for(event.case_id, kind), settlement, deps, trace)
    await _end(keyed_clock_id(event.case_id, PANEL_COPY_KEY), settlement, deps, trace)


# --- the LCSPR: its final report to the Panel before publication, its publication ---

LCSPR_COMPLETION = "lcspr_completion"
LCSPR_PREPUBLICATION = "lcspr_prepublication"


async def on_lcspr_progressed(
    event: LcsprProgressed, envelope: Envelope, deps: SchedulerDeps
) -> None:
    """The final report went to the Panel and the Secretary of State: the pre-publication
    duty (at least 7 working days before publication) is met that day, late if after it."""
    if event.milestone != "sent_to_panel_and_secretary_of_state":
        return
    await _end(
        clock_id_for(event.case_id, LCSPR_PREPUBLICATION),
        {"how": "meet", "on": event.milestone_date.isoformat(), "by": envelope.id},
        deps,
        child_traceparent(envelope.traceparent),
    )


async def on_lcspr_publication(
    event: LcsprPublicationRecorded, envelope: Envelope, deps: SchedulerDeps
) -> None:
    """The review's report was published: the LCSPR is complete, its completion clock met
    on the published date (late if after the target). A planned date alone changes nothing
    here (the case's assessment starts the pre-publication clock from it)."""
    if event.published_date is None:
        return
    await _end(
        clock_id_for(event.case_id, LCSPR_COMPLETION),
        {"how": "meet", "on": event.published_date.isoformat(), "by": envelope.id},
        deps,
        child_traceparent(envelope.traceparent),
    )


def _settled(clock: Clock, settlement: Document, now: datetime) -> Clock | None:
    by = str(settlement["by"])
    if settlement["how"] == "meet":
        met_on = date.fromisoformat(str(settlement["on"]))
        return lifecycle.meet(clock, met_on=met_on, by=by, now=now)
    return lifecycle.close(clock, reason=str(settlement["reason"]), by=by, now=now)


async def _end(clock_id: str, settlement: Document, deps: SchedulerDeps, trace: str | None) -> None:
    """Meet or close a clock; one not started yet is settled when it starts."""
    try:
        clock = await _change(clock_id, lambda c: _settled(c, settlement, deps.now()), deps)
    except ClockNotFound:
        await deps.repo.settle_later(clock_id, settlement)
        return
    await _announce(clock, str(settlement["by"]), trace, deps)


async def _change(
    clock_id: str, change: Callable[[Clock], Clock | None], deps: SchedulerDeps
) -> Clock:
    """Apply ``change`` to the stored clock with optimistic concurrency; the clock as stored."""
    for _ in range(_ATTEMPTS):
        stored: Stored | None = await deps.repo.get(clock_id)
        if stored is None:
            raise ClockNotFound(clock_id)
        changed = change(stored.clock)
        if changed is None:
            return stored.clock
        if await deps.repo.replace(changed, stored.rev):
            return changed
    raise ConcurrentChange(clock_id)


async def _announce(clock: Clock, cause: str, trace: str | None, deps: SchedulerDeps) -> None:
    for fact in lifecycle.facts_caused_by(clock, cause):
        await deps.publish(fact.event, fact.event_id, trace)
        log.info(
            "clock changed",
            extra={"case_id": clock.case_id, "kind": clock.kind, "event": fact.event.TYPE},
        )


async def mark_met(clock_id: str, met_on: date, by: str, deps: SchedulerDeps) -> Clock:
    """A person records the duty as done. Repeating it re-announces the same event."""
    clock = await _change(
        clock_id, lambda c: lifecycle.meet(c, met_on=met_on, by=by, now=deps.now()), deps
    )
    await _announce(clock, by, None, deps)
    return clock


async def mark_stopped(
    clock_id: str,
    outcome: Literal["stopped", "closed"],
    reason: str,
    by: str,
    deps: SchedulerDeps,
) -> Clock:
    """A person stops the clock (the duty no longer applies) or closes it (the case closed)."""
    clock = await _change(
        clock_id,
        lambda c: lifecycle.stop(c, outcome=outcome, reason=reason, by=by, now=deps.now()),
        deps,
    )
    await _announce(clock, by, None, deps)
    return clock


async def pause_clock(clock_id: str, on: date, reason: str, by: str, deps: SchedulerDeps) -> Clock:
    """Pause a running clock whose kind may pause (configuration); a repeat changes nothing.

    Raises ``lifecycle.NotPausable`` when policy or the clock's state forbids it."""
    stored = await deps.repo.get(clock_id)
    if stored is None:
        raise ClockNotFound(clock_id)
    if not deps.kinds.of(stored.clock.kind).pausable:
        raise lifecycle.NotPausable(f"policy does not let a {stored.clock.kind} clock pause")
    clock = await _change(
        clock_id,
        lambda c: lifecycle.pause(
            c, on=on, reason=reason, by=by, now=deps.now(), calendar=deps.calendar
        ),
        deps,
    )
    fact = lifecycle.pause_fact(clock)
    if fact is not None:
        await deps.publish(fact.event, fact.event_id, None)
    return clock


async def resume_clock(clock_id: str, on: date, by: str, deps: SchedulerDeps) -> Clock:
    """Resume a paused clock: its due date moves by the working days it was paused."""
    clock = await _change(
        clock_id,
        lambda c: lifecycle.resume(
            c, on=on, by=by, now=deps.now(), policy=deps.policy, calendar=deps.calendar
        ),
        deps,
    )
    fact = lifecycle.resume_fact(clock)
    if fact is not None:
        await deps.publish(fact.event, fact.event_id, None)
    return clock
