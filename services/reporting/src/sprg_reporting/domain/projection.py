"""How each event changes the per-case read model.

Each is a set of fields, so applying an event twice is harmless.
"""

from __future__ import annotations

from sprg_shared.contracts.clocks import (
    ClockBreached,
    ClockMet,
    ClockPaused,
    ClockRecalculated,
    ClockReminderDue,
    ClockResumed,
    ClockStarted,
    ClockStopped,
)
from sprg_shared.contracts.decisions import CaseAssessed
from sprg_shared.contracts.intake import IncidentReported, SinSubmitted
from sprg_shared.contracts.notifications import NotificationSent
from sprg_shared.store import Document


def incident_reported(event: IncidentReported) -> Document:
    return {
        "type": "incident",
        "reference": event.reference,
        "reporting_agency": event.reporting_agency,
        "reported_at": event.reported_at.isoformat(),
        "aware_date": event.aware_date.isoformat(),
        "incident_kind": event.incident.kind,
        "children": len(event.children),
    }


def case_assessed(event: CaseAssessed) -> Document:
    statuses = {c.kind: c.status for c in event.clocks if c.status is not None}
    return {
        "sin_notification_status": statuses.get("sin_notification"),
        "panel_notification_required": event.panel_notification_required,
        "rapid_review_required": event.rapid_review_required,
        "rulepack": event.rulepack.model_dump(),
        **_reference(event.reference),
    }


def clock_started(event: ClockStarted) -> Document:
    return {
        f"clocks.{event.kind}": {
            "due": event.due.isoformat(),
            "state": "open",
            "clock_id": event.clock_id,
        },
        **_reference(event.reference),
    }


def _reference(reference: str | None) -> Document:
    """The decision and the clocks travel on other topics than the incident and can reach
    reporting first: each carries the case's reference, so the read model names the case by
    it whichever arrives first (the console lists cases by reference)."""
    return {"reference": reference} if reference else {}


def notification_sent(event: NotificationSent) -> Document:
    return {
        f"notifications.{event.notification_id}": {
            "template": event.template,
            "channel": event.channel,
            "role": event.recipient_role,
            "status": event.status,
        }
    }


def sin_submitted(event: SinSubmitted) -> Document:
    return {"sin_submitted_date": event.submitted_date.isoformat()}


def clock_reminded(event: ClockReminderDue) -> Document:
    return {
        f"clocks.{event.kind}.state": "reminded",
        f"clocks.{event.kind}.due": event.due.isoformat(),
    }


def clock_breached(event: ClockBreached) -> Document:
    return {
        f"clocks.{event.kind}.state": "breached",
        f"clocks.{event.kind}.due": event.due.isoformat(),
    }


def clock_met(event: ClockMet) -> Document:
    return {
        f"clocks.{event.kind}.state": "met_late" if event.late else "met",
        f"clocks.{event.kind}.met_on": event.met_on.isoformat(),
    }


def clock_stopped(event: ClockStopped) -> Document:
    return {f"clocks.{event.kind}.state": event.outcome}


def clock_recalculated(event: ClockRecalculated) -> Document:
    return {
        f"clocks.{event.kind}.due": event.due.isoformat(),
        f"clocks.{event.kind}.previous_due": event.previous_due.isoformat(),
    }


def clock_paused(event: ClockPaused) -> Document:
    return {
        f"clocks.{event.kind}.state": "paused",
        f"clocks.{event.kind}.due": event.due.isoformat(),
    }


def clock_resumed(event: ClockResumed) -> Document:
    return {
        f"clocks.{event.kind}.state": "open",
        f"clocks.{event.kind}.due": event.due.isoformat(),
        f"clocks.{event.kind}.previous_due": event.previous_due.isoformat(),
    }
