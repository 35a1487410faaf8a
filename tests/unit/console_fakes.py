"""In-memory fakes of the services and of the realm, for the console's unit tests.

They hold what the real services would answer and record what the console sends, so a
test drives the console through ``bootstrap.build`` and HTTP as a browser would.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from sprg_console.adapters.apis import ApiError, Apis, Clock, Document
from sprg_console.adapters.audit import AuditQuery
from sprg_console.adapters.memory import MemoryPeople, MemorySessions
from sprg_console.adapters.oidc import SignInFailed, Tokens
from sprg_console.bootstrap import build
from sprg_console.settings import ConsoleSettings
from tests.unit.console_admin_fakes import FakeAdmin, FakeMeetings, FakeRulePacks

SECRET = "fake-realm-secret-" + "y" * 32


def clock(
    case_id: str,
    kind: str,
    due: date,
    *,
    days_left: int,
    anchor: str = "aware_date",
    anchor_date: date | None = None,
    at_risk: bool = False,
    state: str = "open",
    key: str | None = None,
    history: list[dict[str, Any]] | None = None,
) -> Clock:
    overdue = days_left < 0 or state == "breached"
    return Clock.model_validate(
        {
            "clock_id": f"clock-{case_id}-{kind}-{key or ''}",
            "case_id": case_id,
            "kind": kind,
            "key": key,
            "anchor": anchor,
            "anchor_date": (anchor_date or due - timedelta(days=7)).isoformat(),
            "due": due.isoformat(),
            "state": state,
            "rule": "r",
            "working_days_remaining": days_left,
            "at_risk": at_risk,
            "overdue": overdue,
            "history": history or [],
        }
    )


@dataclass
class FakeScheduler:
    clocks_: list[Clock] = field(default_factory=list)
    asked: list[dict[str, Any]] = field(default_factory=list)
    concerns: dict[str, set[str]] = field(default_factory=dict)
    """agency -> the subjects it is involved in (``?agency=`` lists only those)."""

    async def clocks(
        self,
        token: str,
        *,
        state: str | None = None,
        case_id: str | None = None,
        agency: str | None = None,
    ) -> list[Clock]:
        self.asked.append({"token": token, "state": state, "case_id": case_id, "agency": agency})
        found = [c for c in self.clocks_ if case_id is None or c.case_id == case_id]
        if agency is not None:
            found = [c for c in found if c.case_id in self.concerns.get(agency, set())]
        if state == "open":
            return [c for c in found if c.state in ("open", "reminded")]
        if state is not None:
            return [c for c in found if c.state == state]
        return found


@dataclass
class FakeIntake:
    cases: dict[str, Document] = field(default_factory=dict)
    readable_by: dict[str, set[str]] = field(default_factory=dict)
    reads: list[dict[str, Any]] = field(default_factory=list)
    posts: list[dict[str, Any]] = field(default_factory=list)
    refuse_with: ApiError | None = None
    lists: dict[str, list[Document]] = field(default_factory=dict)
    listed: list[str] = field(default_factory=list)
    pages: dict[str, list[Document]] = field(default_factory=dict)
    paged: list[dict[str, Any]] = field(default_factory=list)
    answer: Document = field(
        default_factory=lambda: {"case_id": "c-new", "reference": "SIN-2026-NEW1"}
    )

    async def read(self, token: str, path: str, *, reason: str) -> Document:
        self.reads.append({"token": token, "path": path, "reason": reason})
        case_id = path.rsplit("/", 1)[-1]
        agency = jwt.decode(token, options={"verify_signature": False}).get("agency")
        if case_id not in self.cases or (
            case_id in self.readable_by and agency not in self.readable_by[case_id]
        ):
            raise ApiError(404, "not found")
        return self.cases[case_id]

    async def listing(self, token: str, path: str) -> list[Document]:
        self.listed.append(path)
        if self.refuse_with is not None:
            raise self.refuse_with
        return list(self.lists.get(path, []))

    async def page(self, token: str, path: str, params: dict[str, str | int]) -> Document:
        """``pages[path]`` as intake would page it (its order kept; the filters are intake's
        and tested there): what was asked is kept in ``paged``."""
        agency = jwt.decode(token, options={"verify_signature": False}).get("agency")
        self.paged.append({"path": path, "caller": agency, **params})
        if self.refuse_with is not None:
            raise self.refuse_with
        rows = list(self.pages.get(path, []))
        offset, limit = int(params.get("offset", 0)), int(params.get("limit", 50))
        items = [dict(r) for r in rows[offset : offset + limit]]
        if "reason" not in params:
            for item in items:
                item.pop("words", None)
        return {"total": len(rows), "limit": limit, "offset": offset, "items": items}

    async def post(
        self, token: str, path: str, body: Document, *, idempotency_key: str
    ) -> Document:
        self.posts.append({"token": token, "path": path, "body": body, "key": idempotency_key})
        if self.refuse_with is not None:
            raise self.refuse_with
        return {**self.answer, "replayed": False}

    async def post_return(
        self,
        token: str,
        path: str,
        fields: dict[str, str],
        files: list[tuple[str, bytes, str]],
        *,
        idempotency_key: str,
    ) -> Document:
        self.posts.append(
            {"token": token, "path": path, "fields": fields, "files": files, "key": idempotency_key}
        )
        return {"return_id": "ret-1"}


@dataclass
class FakeRules:
    by_subject: dict[str, list[Document]] = field(default_factory=dict)

    async def decisions(self, token: str, subject_id: str) -> list[Document]:
        return self.by_subject.get(subject_id, [])


@dataclass
class FakeReporting:
    cases: dict[str, Document] = field(default_factory=dict)
    page: str = "<html><body><h1>Report</h1></body></html>"

    batches: int = 0

    async def case(self, token: str, case_id: str) -> Document | None:
        return self.cases.get(case_id)

    async def cases_by_id(self, token: str, case_ids: list[str]) -> dict[str, Document]:
        self.batches += 1
        return {i: self.cases[i] for i in case_ids if i in self.cases}

    async def summary(self, token: str) -> dict[str, int]:
        return {}

    async def report_page(self, token: str, kind: str, period: str) -> str:
        return self.page

    async def report_file(self, token: str, kind: str, period: str, name: str) -> bytes:
        return b"a,b\n"

    async def produce(self, token: str, kind: str, period: str) -> Document:
        return {}


@dataclass
class FakeNotifier:
    agencies_: list[Document] = field(default_factory=list)
    people_: list[Document] = field(default_factory=list)

    async def agencies(self, token: str) -> list[Document]:
        roles = jwt.decode(token, options={"verify_signature": False})["realm_access"]["roles"]
        if "business_team" not in roles:
            raise ApiError(403, "requires business_team")
        return self.agencies_

    async def people(self, token: str) -> list[Document]:
        await self.agencies(token)
        return self.people_


def access_token(user: str, agency: str, roles: list[str], ttl: timedelta) -> str:
    now = datetime.now(UTC)
    return jwt.encode(
        {
            "sub": user,
            "preferred_username": user,
            "agency": agency,
            "realm_access": {"roles": [*roles, "offline_access"]},
            "iat": now,
            "exp": now + ttl,
        },
        SECRET,
        algorithm="HS256",
    )


@dataclass
class FakeRealm:
    """Signs in whoever ``next_user`` names; checks the PKCE verifier like a provider."""

    users: dict[str, tuple[str, list[str]]]
    next_user: str = ""
    access_ttl: timedelta = timedelta(minutes=5)
    challenges: dict[str, tuple[str, str]] = field(default_factory=dict)
    refreshed: int = 0
    ended: list[str] = field(default_factory=list)

    async def authorization_url(
        self, *, state: str, nonce: str, code_challenge: str, redirect_uri: str
    ) -> str:
        code = f"code-{self.next_user}-{len(self.challenges)}"
        self.challenges[code] = (code_challenge, nonce)
        return "/auth/callback?" + urlencode({"state": state, "code": code})

    def _tokens(self, user: str, nonce: str) -> Tokens:
        agency, roles = self.users[user]
        return Tokens(
            access_token=access_token(user, agency, roles, self.access_ttl),
            expires_at=datetime.now(UTC) + self.access_ttl,
            refresh_token=f"refresh-{user}",
            id_token=jwt.encode({"sub": user, "nonce": nonce}, SECRET, algorithm="HS256"),
        )

    async def exchange(self, code: str, code_verifier: str, redirect_uri: str) -> Tokens:
        challenge, nonce = self.challenges.pop(code)
        digest = hashlib.sha256(code_verifier.encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != challenge:
            raise SignInFailed("PKCE verifier does not match")
        user = code.split("-")[1]
        return self._tokens(user, nonce)

    async def refresh(self, refresh_token: str) -> Tokens:
        self.refreshed += 1
        self.access_ttl = timedelta(minutes=5)
        return self._tokens(refresh_token.removeprefix("refresh-"), "")

    async def end_session(self, tokens: Tokens) -> None:
        self.ended.append(tokens.refresh_token or "")


@dataclass
class FakeAudit:
    """Each service's audit log; ``down`` services answer 503."""

    logs: dict[str, list[Document]] = field(default_factory=dict)
    asked: list[tuple[str, AuditQuery]] = field(default_factory=list)
    down: set[str] = field(default_factory=set)

    async def entries_of(self, service: str, query: AuditQuery) -> list[Document]:
        found = self.logs.get(service, [])
        if query.reference is not None:
            start = query.reference.rsplit("-", 1)[1].lower()
            found = [e for e in found if str(e.get("case_id", "")).startswith(start)]
        for name, key in (("case_id", "case_id"), ("person", "by"), ("agency", "agency")):
            wanted = getattr(query, name)
            if wanted is not None:
                found = [e for e in found if e.get(key) == wanted]
        if query.granted is not None:
            found = [e for e in found if e.get("granted") is query.granted]
        if query.action is not None:
            found = [e for e in found if e.get("action") == query.action]
        return found[: query.limit]

    async def entries(self, token: str, service: str, query: AuditQuery) -> list[Document]:
        self.asked.append((service, query))
        if service in self.down:
            raise ApiError(503, "not answering")
        return await self.entries_of(service, query)


USERS = {
    "bt": ("cscp", ["business_team"]),
    "chair": ("croydon-csc", ["chair", "sprg_member"]),
    "executive": ("croydon-csc", ["executive_reader"]),
    "police": ("met-police", ["agency_submitter"]),
    "school": ("croydon-schools", ["agency_submitter"]),
    "rulesadmin": ("cscp", ["rules_admin"]),
    "member": ("met-police", ["sprg_member"]),
}
AGENCIES = [
    {"agency_id": "croydon-csc", "name": "Croydon Children's Social Care"},
    {"agency_id": "met-police", "name": "Metropolitan Police Service"},
]


@dataclass
class World:
    scheduler: FakeScheduler = field(default_factory=FakeScheduler)
    intake: FakeIntake = field(default_factory=FakeIntake)
    rules: FakeRules = field(default_factory=FakeRules)
    reporting: FakeReporting = field(default_factory=FakeReporting)
    notifier: FakeNotifier = field(default_factory=lambda: FakeNotifier(agencies_=list(AGENCIES)))
    realm: FakeRealm = field(default_factory=lambda: FakeRealm(users=dict(USERS)))
    meetings: FakeMeetings = field(default_factory=FakeMeetings)
    rule_packs: FakeRulePacks = field(default_factory=FakeRulePacks)
    admin: FakeAdmin = field(default_factory=FakeAdmin)
    audit: FakeAudit = field(default_factory=FakeAudit)
    today: date = date(2026, 12, 3)
    sessions: MemorySessions = field(default_factory=MemorySessions)
    people: MemoryPeople = field(default_factory=MemoryPeople)

    def client(self) -> httpx.AsyncClient:
        settings = ConsoleSettings(session_secret="s" * 40, public_url="http://console.test")
        app = build(
            settings,
            apis=Apis(
                intake=self.intake,
                rules=self.rules,
                scheduler=self.scheduler,
                reporting=self.reporting,
                notifier=self.notifier,
                meetings=self.meetings,
                rule_packs=self.rule_packs,
                admin=self.admin,
            ),
            oidc=self.realm,
            agencies=tuple(AGENCIES),
            today=lambda: self.today,
            audit_api=self.audit,
            session_store=self.sessions,
            people=self.people,
        )
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://console.test",
            follow_redirects=True,
        )

    @asynccontextmanager
    async def signed_in(self, user: str) -> AsyncIterator[httpx.AsyncClient]:
        async with self.client() as client:
            self.realm.next_user = user
            answer = await client.get("/sign-in")
            assert answer.status_code == 200, answer.text
            yield client
