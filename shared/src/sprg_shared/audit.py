"""The audit log every service keeps: who read or changed what, when, and whether allowed.

Where it lives: in each service's own store, collection ``audit``, written by the same
request that reads or changes (no bus in between, so an entry cannot be lost or arrive
after the fact, and a service whose broker is down still audits); read back through
``GET /v1/audit`` on each service (Business Team), by case, person, agency, date and
outcome, refusals included. The console puts the five lists side by side.

Append-only: this class is the only code that touches the collection, and it has an
insert and a find, nothing else: no update, no delete, no route that changes an entry.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from sprg_shared.access import Caller
from sprg_shared.auth import Principal
from sprg_shared.ids import new_id
from sprg_shared.store import Document

__all__ = ["COLLECTION", "Action", "AuditLog", "read_audit", "router"]

COLLECTION = "audit"
Action = Literal["read", "change"]


class AuditLog:
    def __init__(self, db: AsyncDatabase[Document], service: str) -> None:
        self._entries = db[COLLECTION]
        self.service = service

    async def ensure_indexes(self) -> None:
        await self._entries.create_index([("case_id", ASCENDING), ("at", ASCENDING)])
        await self._entries.create_index([("at", ASCENDING)])

    async def append(self, entry: dict[str, Any]) -> None:
        """Insert one entry (never replaces: each has its own new id)."""
        await self._entries.insert_one(
            {
                "service": self.service,
                "action": "read",
                "route": None,
                "method": None,
                "reason": None,
                "at": datetime.now(UTC),
                **entry,
                "_id": new_id(),
            }
        )

    async def write(
        self,
        request: Request,
        principal: Principal,
        *,
        action: Action,
        subject: str | None,
        granted: bool,
        reason: str | None = None,
    ) -> None:
        route = request.scope.get("route")
        await self.append(
            {
                "action": action,
                "route": getattr(route, "name", None),
                "method": request.method,
                "path": request.url.path,
                "case_id": subject,
                "by": principal.subject,
                "agency": principal.agency,
                "roles": sorted(principal.roles),
                "reason": reason,
                "granted": granted,
            }
        )

    async def find(
        self,
        *,
        case_id: str | None = None,
        reference: str | None = None,
        person: str | None = None,
        agency: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        granted: bool | None = None,
        action: Action | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        query: Document = {}
        for key, value in (
            ("case_id", case_id),
            ("by", person),
            ("agency", agency),
            ("granted", granted),
            ("action", action),
        ):
            if value is not None:
                query[key] = value
        if reference is not None and case_id is None:
            # SIN-2026-1A2B3C4D names the subject whose id starts 1a2b3c4d (references.minted).
            query["case_id"] = {"$regex": f"^{reference_prefix(reference)}"}
        window: Document = {}
        if since is not None:
            window["$gte"] = since
        if until is not None:
            window["$lt"] = until
        if window:
            query["at"] = window
        cursor = self._entries.find(query, {"_id": 0}).sort("at", DESCENDING).limit(limit)
        return [doc async for doc in cursor]


REFERENCE = r"^[A-Za-z]{2,4}-\d{4}-[0-9A-Fa-f]{8}$"


def reference_prefix(reference: str) -> str:
    """The start of the subject id a reference (``references.minted``) was made from."""
    if not re.fullmatch(REFERENCE, reference):
        raise ValueError(f"not a reference like SIN-2026-1A2B3C4D: {reference!r}")
    return reference.rsplit("-", 1)[1].lower()


def _day_start(day: date | None, *, after: bool = False) -> datetime | None:
    if day is None:
        return None
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start + timedelta(days=1) if after else start


router = APIRouter(tags=["audit"])


@router.get(
    "/v1/audit",
    name="read_audit",
    summary="Who read or changed what here, when, and whether it was allowed (newest first)",
)
async def read_audit(
    request: Request,
    _: Caller,
    case_id: Annotated[str | None, Query(max_length=200, description="the subject")] = None,
    reference: Annotated[
        str | None,
        Query(
            pattern=REFERENCE,
            description="the subject's reference as people were given it (SIN-2026-1A2B3C4D, "
            "COC-..., ESC-...)",
        ),
    ] = None,
    person: Annotated[str | None, Query(max_length=200, description="who (token subject)")] = None,
    agency: Annotated[str | None, Query(max_length=200, description="the caller's agency")] = None,
    since: Annotated[date | None, Query(description="from this day (UTC), inclusive")] = None,
    until: Annotated[date | None, Query(description="to this day (UTC), inclusive")] = None,
    granted: Annotated[bool | None, Query(description="false: the refusals only")] = None,
    action: Action | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    log: AuditLog = request.app.state.audit
    return await log.find(
        case_id=case_id,
        reference=reference,
        person=person,
        agency=agency,
        since=_day_start(since),
        until=_day_start(until, after=True),
        granted=granted,
        action=action,
        limit=limit,
    )
