"""Which agencies a subject concerns, learnt from the intake events a service consumes.

The rules and the scheduler hold decisions and clocks keyed by a case (or a Case of
Concern, an escalation, an action); neither knew who reported it. Each now keeps, in its
own store (collection ``concerns``), the agencies every subject involves, from the events
on ``sprg.intake`` it already reads:

- an incident: the reporting agency (and whoever corrected it);
- a Rapid Review information request or return: the request (not its case) involves
  the agency asked (it must answer; intake shows it what it needs for that);
- a Case of Concern: the referring agency and the agencies involved;
- an escalation: the agency raising it and the agency it is with;
- an action: the agency owning it (the action's own clocks, not its source's);
- an LCSPR publication: the agencies named.

An agency caller (not the Business Team, Chair or a member) reaches a subject only when
its agency is among these (``sprg_shared.access``). Adding is ``$addToSet`` with upsert:
replaying an event changes nothing. A subject whose event has not been read yet is not
reachable by an agency until it is (a moment after it is reported).
"""

from __future__ import annotations

from collections.abc import Iterable

from pymongo.asynchronous.database import AsyncDatabase

from sprg_shared.contracts.intake import (
    ActionRecorded,
    CaseOfConcernReferred,
    EscalationRecorded,
    IncidentCorrected,
    IncidentReported,
    InformationRequested,
    LcsprPublicationRecorded,
    ReturnReceived,
)
from sprg_shared.envelope import EventData
from sprg_shared.store import Document

__all__ = ["COLLECTION", "EVENTS", "Concerns", "involved"]

COLLECTION = "concerns"
EVENTS: tuple[type[EventData], ...] = (
    IncidentReported,
    IncidentCorrected,
    InformationRequested,
    ReturnReceived,
    CaseOfConcernReferred,
    EscalationRecorded,
    ActionRecorded,
    LcsprPublicationRecorded,
)


def involved(event: EventData) -> list[tuple[str, str]]:
    """(subject id, agency) pairs the event makes known."""
    match event:
        case IncidentReported():
            return [(event.case_id, event.reporting_agency)]
        case IncidentCorrected():
            return [(event.case_id, event.corrected_by_agency)]
        case InformationRequested() | ReturnReceived():
            # The request, not the whole case: its clock, not the case's decisions.
            return [(event.request_id, event.agency)]
        case CaseOfConcernReferred():
            agencies = {event.referring_agency, *event.agencies_involved}
            return [(event.coc_id, a) for a in sorted(agencies)]
        case EscalationRecorded():
            agencies = {event.raised_by_agency, event.with_agency}
            return [(event.escalation_id, a) for a in sorted(agencies)]
        case ActionRecorded():
            return [(event.action_id, event.owner_agency)]
        case LcsprPublicationRecorded():
            return [(event.case_id, a) for a in event.agencies]
    return []


class Concerns:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._docs = db[COLLECTION]

    async def ensure_indexes(self) -> None:
        await self._docs.create_index("agencies")

    async def note(self, event: EventData) -> None:
        for subject, agency in involved(event):
            await self._docs.update_one(
                {"_id": subject}, {"$addToSet": {"agencies": agency}}, upsert=True
            )

    async def agencies(self, subject_id: str) -> set[str]:
        doc = await self._docs.find_one({"_id": subject_id})
        return set(doc["agencies"]) if doc else set()

    async def concerns(self, agency: str, subject_ids: Iterable[str]) -> bool:
        """Whether any of ``subject_ids`` involves ``agency``."""
        ids = [s for s in subject_ids if s]
        found = await self._docs.find_one({"_id": {"$in": ids}, "agencies": agency})
        return found is not None

    async def subjects_of(self, agency: str) -> list[str]:
        return [doc["_id"] async for doc in self._docs.find({"agencies": agency}, {"_id": 1})]
