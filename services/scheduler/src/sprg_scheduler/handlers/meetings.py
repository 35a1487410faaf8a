"""One meeting identity: a meeting intake records (``POST /v1/meetings``, published as
``sprg.meeting.scheduled.v1``) joins the scheduler's meeting schedule under the same id
(``sprg-meeting-<date>``, ``sprg_shared.references.meeting_id``), so its duties follow it:
the meeting itself, its papers deadline and the bi-monthly report for it. A meeting the
Business Team planned here is the same meeting intake records on that day (intake names
it by the same id), never a second one.
"""

from __future__ import annotations

from sprg_scheduler.handlers import duties as duty_handlers
from sprg_scheduler.handlers.duties import DutyDeps
from sprg_shared.contracts.intake import MeetingScheduled
from sprg_shared.envelope import Envelope


async def on_meeting_scheduled(
    event: MeetingScheduled, envelope: Envelope, *, deps: DutyDeps
) -> None:
    """Note the meeting (once: a unique id) and bring the duty clocks in line."""
    await deps.store.note_meeting(
        event.meeting_id, event.meeting_date, event.chair_partner, f"intake:{envelope.id}"
    )
    await duty_handlers.sync(deps)
