"""In-memory fakes of the meetings, rule-pack and administration APIs the console reads
(``MeetingsApi``, ``RulePacksApi``, ``AdminApi``): what the services would answer, and
what the console sent them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import jwt

from sprg_console.adapters.apis import ApiError, Clock, Document


def _roles(token: str) -> set[str]:
    claims = jwt.decode(token, options={"verify_signature": False})
    return set(claims["realm_access"]["roles"])


@dataclass
class FakeMeetings:
    schedule_: Document = field(
        default_factory=lambda: {
            "version": 1,
            "schedule": {
                "meetings": [
                    {"date": "2026-11-12", "chair": "icb", "deputy_chair": "csc"},
                    {"date": "2027-01-14", "chair": "csc", "deputy_chair": "police"},
                ],
                "papers_working_days_before": 5,
                "standing_items": ["Summary of reviews", "Partnership updates"],
            },
        }
    )
    duties_: list[Clock] = field(default_factory=list)
    records: dict[str, Document] = field(default_factory=dict)
    agendas: dict[str, Document] = field(default_factory=dict)
    seats: list[Document] = field(default_factory=list)
    reads: list[dict[str, Any]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    refuse_with: ApiError | None = None

    async def schedule(self, token: str) -> Document:
        return self.schedule_

    async def duties(self, token: str) -> list[Clock]:
        return self.duties_

    def _readable(self, token: str) -> None:
        if not _roles(token) & {"business_team", "chair", "sprg_member"}:
            raise ApiError(404, "not found")

    async def meeting(self, token: str, meeting_id: str, *, reason: str) -> Document | None:
        self.reads.append({"what": "meeting", "id": meeting_id, "reason": reason})
        self._readable(token)
        return self.records.get(meeting_id)

    async def agenda(self, token: str, meeting_id: str, *, reason: str) -> Document | None:
        self.reads.append({"what": "agenda", "id": meeting_id, "reason": reason})
        self._readable(token)
        return self.agendas.get(meeting_id)

    async def membership(self, token: str) -> list[Document]:
        return self.seats

    async def send(
        self, token: str, path: str, body: Document, *, idempotency_key: str
    ) -> Document:
        self.sent.append({"path": path, "body": body, "key": idempotency_key})
        if self.refuse_with is not None:
            raise self.refuse_with
        return {"recorded": True}


@dataclass
class FakeRulePacks:
    packs_: list[Document] = field(default_factory=list)
    dry_runs: list[str] = field(default_factory=list)
    uploads: list[str] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    golden_failures: list[str] = field(default_factory=list)
    activated: list[dict[str, str]] = field(default_factory=list)
    rolled_back: list[dict[str, str]] = field(default_factory=list)

    def _admin(self, token: str) -> None:
        if "rules_admin" not in _roles(token):
            raise ApiError(403, "requires rules_admin")

    async def packs(self, token: str) -> list[Document]:
        self._admin(token)
        return self.packs_

    async def pack(self, token: str, pack_id: str, version: str) -> Document:
        self._admin(token)
        for p in self.packs_:
            if p["pack_id"] == pack_id and p["version"] == version:
                return p
        raise ApiError(404, "never uploaded")

    def _summary(self, text: str) -> Document:
        version = text.split("version:", 1)[1].split(maxsplit=1)[0] if "version:" in text else "?"
        return {
            "id": "sprg-england",
            "version": version,
            "hash": "h",
            "effective_from": "2026-01-01",
            "effective_to": None,
            "rules": 12,
            "golden_cases": 9,
        }

    async def dry_run(self, token: str, text: str) -> Document:
        self._admin(token)
        if "not yaml" in text:
            raise ApiError(422, "the pack is not valid: line 1: expected a mapping")
        self.dry_runs.append(text)
        return {
            "candidate": self._summary(text),
            "golden_failures": self.golden_failures,
            "activatable": not self.golden_failures,
            "cases_compared": 3,
            "cases_not_judged": 0,
            "not_judged_because": None,
            "cases_changed": len({c["case_id"] for c in self.changes}),
            "changes": self.changes,
        }

    async def upload(self, token: str, text: str) -> Document:
        self._admin(token)
        if self.golden_failures:
            raise ApiError(422, "golden cases fail: " + "; ".join(self.golden_failures))
        self.uploads.append(text)
        summary = self._summary(text)
        self.packs_.append(
            {
                "pack_id": summary["id"],
                "version": summary["version"],
                "hash": "h",
                "text": text,
                "uploaded_by": "demo-rules-admin",
                "uploaded_at": "2026-12-03T10:00:00Z",
                "active": False,
            }
        )
        return {**summary, "created": True}

    async def activate(self, token: str, pack_id: str, version: str, reason: str) -> Document:
        self._admin(token)
        self.activated.append({"pack": f"{pack_id}@{version}", "reason": reason})
        for p in self.packs_:
            if p["pack_id"] == pack_id and p["version"] == version:
                p["active"] = True
        return {"pack": f"{pack_id}@{version}", "status": "active", "at": "2026-12-03T10:01:00"}

    async def rollback(self, token: str, pack_id: str, reason: str) -> Document:
        self._admin(token)
        active = [p for p in self.packs_ if p["pack_id"] == pack_id and p["active"]]
        if len(active) < 2:
            raise ApiError(409, f"{pack_id} has no earlier active version to return to")
        self.rolled_back.append({"pack": pack_id, "reason": reason})
        active[-1]["active"] = False
        return {"pack": f"{pack_id}@{active[-1]['version']}", "status": "withdrawn"}


@dataclass
class FakeAdmin:
    subscriptions_: list[Document] = field(default_factory=list)
    closures: list[Document] = field(default_factory=list)
    pending_: list[Document] = field(default_factory=list)
    moves: list[Document] = field(default_factory=list)
    number: int = 1
    confirmed: list[int] = field(default_factory=list)
    people_: list[Document] = field(default_factory=list)
    """The directory's people (a test points it at the notifier fake's list)."""
    roles_: dict[str, str] = field(
        default_factory=lambda: {
            "business_manager": "the CSCP Business Manager",
            "business_team": "the CSCP Business Team",
            "chair": "Chair of the SPRG",
            "clock_owner": "whoever owns the kind of clock the event is about",
        }
    )
    put: list[Document] = field(default_factory=list)
    refuse_put_with: ApiError | None = None

    def _business_team(self, token: str) -> None:
        if "business_team" not in _roles(token):
            raise ApiError(403, "requires business_team")

    async def subscriptions(self, token: str) -> list[Document]:
        self._business_team(token)
        return self.subscriptions_

    async def calendar(self, token: str) -> Document:
        return {"version": f"v{self.number}", "number": self.number, "closures": self.closures}

    async def pending(self, token: str) -> Document:
        return {
            "current_version": f"v{self.number}",
            "proposed_version": f"v{self.number + 1}",
            "proposed_number": self.number + 1,
            "pending": self.pending_,
            "moves": self.moves,
        }

    async def add_closure(self, token: str, day: date, reason: str) -> Document:
        self._business_team(token)
        if any(c["date"] == day.isoformat() for c in self.pending_ + self.closures):
            raise ApiError(409, f"{day} is already a closure day")
        self.pending_.append({"date": day.isoformat(), "reason": reason})
        return await self.pending(token)

    async def confirm(self, token: str, expected_number: int) -> Document:
        self._business_team(token)
        if expected_number != self.number + 1:
            raise ApiError(409, "the proposal changed since you reviewed it")
        self.confirmed.append(expected_number)
        self.number += 1
        self.closures += [{**c, "in_version": self.number} for c in self.pending_]
        self.pending_, self.moves = [], []
        return {"version": f"v{self.number}", "number": self.number}

    async def person(self, token: str, person_id: str) -> Document | None:
        self._business_team(token)
        return next((p for p in self.people_ if p["person_id"] == person_id), None)

    async def put_person(self, token: str, person: Document) -> Document:
        self._business_team(token)
        if self.refuse_put_with is not None:
            raise self.refuse_put_with
        self.put.append(person)
        self.people_[:] = [
            person if p["person_id"] == person["person_id"] else p for p in self.people_
        ]
        return person

    async def directory_roles(self, token: str) -> dict[str, str]:
        self._business_team(token)
        return dict(self.roles_)

    async def subscription(self, token: str, name: str) -> Document | None:
        self._business_team(token)
        return next((s for s in self.subscriptions_ if s["name"] == name), None)

    async def put_subscription(self, token: str, subscription: Document) -> Document:
        self._business_team(token)
        if self.refuse_put_with is not None:
            raise self.refuse_put_with
        self.put.append(subscription)
        self.subscriptions_[:] = [
            subscription if s["name"] == subscription["name"] else s for s in self.subscriptions_
        ]
        return subscription
