"""One small typed client per service the console reads or writes through.

Every call carries the signed-in person's bearer token: the services decide what that
person may see and do; the console never holds a token of its own. Answers the console
renders are parsed into the few fields it uses (``Clock``); the rest stay JSON documents.
The Protocols are what handlers depend on; tests give in-memory fakes of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

import httpx
from pydantic import BaseModel, ConfigDict

Document = dict[str, Any]


class ApiError(Exception):
    """A service said no, or did not answer. ``fields`` name what was wrong (a 422)."""

    def __init__(self, status: int, detail: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail
        self.fields = fields or {}


class DueChange(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    change: str
    due: date
    anchor: str
    anchor_date: date
    reason: str = ""


class Clock(BaseModel):
    """A clock as the scheduler shows it today (the fields the console uses)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    clock_id: str
    case_id: str
    kind: str
    key: str | None = None
    anchor: str
    anchor_date: date
    due: date
    state: str
    rule: str = ""
    working_days_remaining: int
    at_risk: bool
    overdue: bool
    met_on: date | None = None
    late: bool = False
    history: tuple[DueChange, ...] = ()
    counted_from: date | None = None
    duty_details: dict[str, str] | None = None


class SchedulerApi(Protocol):
    async def clocks(
        self,
        token: str,
        *,
        state: str | None = None,
        case_id: str | None = None,
        agency: str | None = None,
    ) -> list[Clock]: ...


class IntakeApi(Protocol):
    async def read(self, token: str, path: str, *, reason: str) -> Document:
        """A subject with its personal data (``/v1/cases/{id}`` ...): audited with ``reason``."""
        ...

    async def listing(self, token: str, path: str) -> list[Document]:
        """A list without personal data (``/v1/cases-of-concern``): not audited per read."""
        ...

    async def page(self, token: str, path: str, params: dict[str, str | int]) -> Document:
        """A page of a filtered list (``/v1/actions``, ``/v1/information-requests``):
        ``{total, limit, offset, items}``; with a ``reason``, the words too, audited."""
        ...

    async def post(
        self, token: str, path: str, body: Document, *, idempotency_key: str
    ) -> Document: ...

    async def post_return(
        self,
        token: str,
        path: str,
        fields: dict[str, str],
        files: list[tuple[str, bytes, str]],
        *,
        idempotency_key: str,
    ) -> Document: ...


class RulesApi(Protocol):
    async def decisions(self, token: str, subject_id: str) -> list[Document]: ...


class ReportingApi(Protocol):
    async def case(self, token: str, case_id: str) -> Document | None:
        """The case's read model (no personal data): reference, agency, state."""
        ...

    async def cases_by_id(self, token: str, case_ids: list[str]) -> dict[str, Document]:
        """Many cases' read models at once, by case id (the ones it knows)."""
        ...

    async def summary(self, token: str) -> dict[str, int]: ...

    async def report_page(self, token: str, kind: str, period: str) -> str: ...

    async def report_file(self, token: str, kind: str, period: str, name: str) -> bytes:
        """One of a report's tables as CSV (``name``), or its JSON (``name`` empty)."""
        ...

    async def produce(self, token: str, kind: str, period: str) -> Document: ...


class NotifierApi(Protocol):
    async def agencies(self, token: str) -> list[Document]: ...

    async def people(self, token: str) -> list[Document]: ...


class MeetingsApi(Protocol):
    """SPRG meetings, wherever each part lives today: the schedule and its duty clocks
    (scheduler), the meeting's record, agenda, membership and what is recorded about it
    (intake). One adapter, so that repointing a call is one line in ``HttpMeetings``."""

    async def schedule(self, token: str) -> Document:
        """``{"version": n, "schedule": {"meetings": [{date, chair, deputy_chair}], ...}}``."""
        ...

    async def duties(self, token: str) -> list[Clock]:
        """The duty clocks still running (meetings, papers, reports), by due date."""
        ...

    async def meeting(self, token: str, meeting_id: str, *, reason: str) -> Document | None: ...

    async def agenda(self, token: str, meeting_id: str, *, reason: str) -> Document | None: ...

    async def membership(self, token: str) -> list[Document]: ...

    async def send(
        self, token: str, path: str, body: Document, *, idempotency_key: str
    ) -> Document:
        """Record something about a meeting or an action (``/v1/meetings/...``,
        ``/v1/actions...``)."""
        ...


class RulePacksApi(Protocol):
    """The rules service's pack lifecycle (role rules_admin)."""

    async def packs(self, token: str) -> list[Document]: ...

    async def pack(self, token: str, pack_id: str, version: str) -> Document: ...

    async def dry_run(self, token: str, text: str) -> Document: ...

    async def upload(self, token: str, text: str) -> Document: ...

    async def activate(self, token: str, pack_id: str, version: str, reason: str) -> Document: ...

    async def rollback(self, token: str, pack_id: str, reason: str) -> Document: ...


class AdminApi(Protocol):
    """The Business Team's administration: the notifier's subscriptions, the scheduler's
    calendar of closure days (the directory is ``NotifierApi``, the seats ``MeetingsApi``)."""

    async def subscriptions(self, token: str) -> list[Document]: ...

    async def calendar(self, token: str) -> Document: ...

    async def pending(self, token: str) -> Document: ...

    async def add_closure(self, token: str, day: date, reason: str) -> Document: ...

    async def confirm(self, token: str, expected_number: int) -> Document: ...

    async def person(self, token: str, person_id: str) -> Document | None:
        """One person in the notifier's directory (None if there is no such person)."""
        ...

    async def put_person(self, token: str, person: Document) -> Document:
        """Replace a person in the directory (the whole record)."""
        ...

    async def directory_roles(self, token: str) -> dict[str, str]:
        """The roles messages can be addressed to, each with what it means."""
        ...

    async def subscription(self, token: str, name: str) -> Document | None: ...

    async def put_subscription(self, token: str, subscription: Document) -> Document:
        """Replace a subscription (the whole record)."""
        ...


@dataclass(frozen=True)
class Apis:
    intake: IntakeApi
    rules: RulesApi
    scheduler: SchedulerApi
    reporting: ReportingApi
    notifier: NotifierApi
    meetings: MeetingsApi
    rule_packs: RulePacksApi
    admin: AdminApi


def _fields(detail: Any) -> dict[str, str]:
    """FastAPI's 422 detail as {dotted field: message} (body prefix dropped)."""
    fields: dict[str, str] = {}
    if isinstance(detail, list):
        for item in detail:
            if isinstance(item, dict):
                loc = [str(p) for p in item.get("loc", []) if p not in ("body", "query")]
                fields[".".join(loc) or "form"] = str(item.get("msg", "is not valid"))
    return fields


def _raise_for(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    try:
        detail: Any = response.json().get("detail", response.text)
    except ValueError:
        detail = response.text
    fields = _fields(detail) if response.status_code == 422 else {}
    text = detail if isinstance(detail, str) else "; ".join(f"{k}: {v}" for k, v in fields.items())
    raise ApiError(response.status_code, text, fields)


class _Http:
    def __init__(self, client: httpx.AsyncClient, base_url: str) -> None:
        self._client = client
        self._base = base_url.rstrip("/")

    async def _send(self, method: str, token: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        try:
            response = await self._client.request(
                method, self._base + path, headers=headers, **kwargs
            )
        except httpx.HTTPError as exc:
            raise ApiError(503, f"{self._base} did not answer: {type(exc).__name__}") from exc
        _raise_for(response)
        return response

    async def _json(self, method: str, token: str, path: str, **kwargs: Any) -> Any:
        return (await self._send(method, token, path, **kwargs)).json()


SCHEDULER_PAGE = 1000
"""The most clocks the scheduler lists in one answer."""
MAX_CLOCKS = 20_000
"""The most clocks of one state the console asks for, page after page."""


class HttpScheduler(_Http):
    async def clocks(
        self,
        token: str,
        *,
        state: str | None = None,
        case_id: str | None = None,
        agency: str | None = None,
    ) -> list[Clock]:
        """Every clock matching (up to ``MAX_CLOCKS``), one page of the scheduler after
        another (its order: due date, then id)."""
        params: dict[str, str | int] = {"limit": SCHEDULER_PAGE}
        if state:
            params["state"] = state
        if case_id:
            params["case_id"] = case_id
        if agency:
            params["agency"] = agency
        found: list[Clock] = []
        while len(found) < MAX_CLOCKS:
            rows = await self._json(
                "GET", token, "/v1/clocks", params={**params, "offset": len(found)}
            )
            found += [Clock.model_validate(row) for row in rows]
            if len(rows) < SCHEDULER_PAGE:
                break
        return found


class HttpIntake(_Http):
    async def read(self, token: str, path: str, *, reason: str) -> Document:
        found: Document = await self._json("GET", token, path, params={"reason": reason})
        return found

    async def listing(self, token: str, path: str) -> list[Document]:
        found: list[Document] = await self._json("GET", token, path)
        return found

    async def page(self, token: str, path: str, params: dict[str, str | int]) -> Document:
        found: Document = await self._json("GET", token, path, params=params)
        return found

    async def post(
        self, token: str, path: str, body: Document, *, idempotency_key: str
    ) -> Document:
        answer: Document = await self._json(
            "POST", token, path, json=body, headers={"Idempotency-Key": idempotency_key}
        )
        return answer

    async def post_return(
        self,
        token: str,
        path: str,
        fields: dict[str, str],
        files: list[tuple[str, bytes, str]],
        *,
        idempotency_key: str,
    ) -> Document:
        answer: Document = await self._json(
            "POST",
            token,
            path,
            data=fields,
            files=[("documents", f) for f in files] or None,
            headers={"Idempotency-Key": idempotency_key},
        )
        return answer


class HttpRules(_Http):
    async def decisions(self, token: str, subject_id: str) -> list[Document]:
        found: list[Document] = await self._json(
            "GET", token, "/v1/decisions", params={"case_id": subject_id}
        )
        return found


CASES_AT_ONCE = 200
"""Case ids per batch lookup (the reporting service takes up to 500)."""


class HttpReporting(_Http):
    async def case(self, token: str, case_id: str) -> Document | None:
        try:
            found: Document = await self._json("GET", token, f"/v1/cases/{case_id}")
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise
        return found

    async def cases_by_id(self, token: str, case_ids: list[str]) -> dict[str, Document]:
        named: dict[str, Document] = {}
        wanted = sorted(set(case_ids))
        for start in range(0, len(wanted), CASES_AT_ONCE):
            ids = wanted[start : start + CASES_AT_ONCE]
            rows = await self._json("GET", token, "/v1/cases", params={"ids": ",".join(ids)})
            for row in rows:
                named[str(row.get("case_id") or row.get("_id"))] = row
        return named

    async def summary(self, token: str) -> dict[str, int]:
        found: dict[str, int] = await self._json("GET", token, "/v1/summary")
        return found

    async def report_page(self, token: str, kind: str, period: str) -> str:
        return (await self._send("GET", token, f"/v1/reports/{kind}/{period}/report.html")).text

    async def report_file(self, token: str, kind: str, period: str, name: str) -> bytes:
        path = f"/v1/reports/{kind}/{period}" + (f"/{name}" if name else "")
        return (await self._send("GET", token, path)).content

    async def produce(self, token: str, kind: str, period: str) -> Document:
        found: Document = await self._json("POST", token, f"/v1/reports/{kind}/{period}")
        return found


class HttpNotifier(_Http):
    async def agencies(self, token: str) -> list[Document]:
        found: list[Document] = await self._json("GET", token, "/v1/directory/agencies")
        return found

    async def people(self, token: str) -> list[Document]:
        found: list[Document] = await self._json("GET", token, "/v1/directory/people")
        return found


async def _or_none(answer: Any) -> Any:
    try:
        return await answer
    except ApiError as exc:
        if exc.status == 404:
            return None
        raise


class HttpMeetings:
    def __init__(self, intake: _Http, scheduler: _Http) -> None:
        self._intake = intake
        self._scheduler = scheduler

    async def schedule(self, token: str) -> Document:
        found: Document = await self._scheduler._json("GET", token, "/v1/duties/schedule")
        return found

    async def duties(self, token: str) -> list[Clock]:
        rows = await self._scheduler._json("GET", token, "/v1/duties")
        return [Clock.model_validate(row) for row in rows]

    async def meeting(self, token: str, meeting_id: str, *, reason: str) -> Document | None:
        found: Document | None = await _or_none(
            self._intake._json(
                "GET", token, f"/v1/meetings/{meeting_id}", params={"reason": reason}
            )
        )
        return found

    async def agenda(self, token: str, meeting_id: str, *, reason: str) -> Document | None:
        found: Document | None = await _or_none(
            self._intake._json(
                "GET", token, f"/v1/meetings/{meeting_id}/agenda", params={"reason": reason}
            )
        )
        return found

    async def membership(self, token: str) -> list[Document]:
        found: list[Document] = await self._intake._json("GET", token, "/v1/membership")
        return found

    async def send(
        self, token: str, path: str, body: Document, *, idempotency_key: str
    ) -> Document:
        answer: Document = await self._intake._json(
            "POST", token, path, json=body, headers={"Idempotency-Key": idempotency_key}
        )
        return answer


YAML = {"Content-Type": "application/yaml"}


class HttpRulePacks(_Http):
    async def packs(self, token: str) -> list[Document]:
        found: list[Document] = await self._json("GET", token, "/v1/rulepacks")
        return found

    async def pack(self, token: str, pack_id: str, version: str) -> Document:
        found: Document = await self._json("GET", token, f"/v1/rulepacks/{pack_id}/{version}")
        return found

    async def dry_run(self, token: str, text: str) -> Document:
        found: Document = await self._json(
            "POST", token, "/v1/rulepacks/diff", content=text.encode(), headers=YAML
        )
        return found

    async def upload(self, token: str, text: str) -> Document:
        found: Document = await self._json(
            "POST", token, "/v1/rulepacks", content=text.encode(), headers=YAML
        )
        return found

    async def activate(self, token: str, pack_id: str, version: str, reason: str) -> Document:
        found: Document = await self._json(
            "POST", token, f"/v1/rulepacks/{pack_id}/{version}/activate", json={"reason": reason}
        )
        return found

    async def rollback(self, token: str, pack_id: str, reason: str) -> Document:
        found: Document = await self._json(
            "POST", token, f"/v1/rulepacks/{pack_id}/rollback", json={"reason": reason}
        )
        return found


class HttpAdmin:
    def __init__(self, notifier: _Http, scheduler: _Http) -> None:
        self._notifier = notifier
        self._scheduler = scheduler

    async def subscriptions(self, token: str) -> list[Document]:
        found: list[Document] = await self._notifier._json("GET", token, "/v1/subscriptions")
        return found

    async def calendar(self, token: str) -> Document:
        found: Document = await self._scheduler._json("GET", token, "/v1/calendar")
        return found

    async def pending(self, token: str) -> Document:
        found: Document = await self._scheduler._json("GET", token, "/v1/calendar/pending")
        return found

    async def add_closure(self, token: str, day: date, reason: str) -> Document:
        found: Document = await self._scheduler._json(
            "POST",
            token,
            "/v1/calendar/closures",
            json={"date": day.isoformat(), "reason": reason},
        )
        return found

    async def confirm(self, token: str, expected_number: int) -> Document:
        found: Document = await self._scheduler._json(
            "POST", token, "/v1/calendar/confirm", json={"expected_version": expected_number}
        )
        return found

    async def person(self, token: str, person_id: str) -> Document | None:
        found: Document | None = await _or_none(
            self._notifier._json("GET", token, f"/v1/directory/people/{person_id}")
        )
        return found

    async def put_person(self, token: str, person: Document) -> Document:
        found: Document = await self._notifier._json(
            "PUT", token, f"/v1/directory/people/{person['person_id']}", json=person
        )
        return found

    async def directory_roles(self, token: str) -> dict[str, str]:
        found: dict[str, str] = await self._notifier._json("GET", token, "/v1/directory/roles")
        return found

    async def subscription(self, token: str, name: str) -> Document | None:
        found: Document | None = await _or_none(
            self._notifier._json("GET", token, f"/v1/subscriptions/{name}")
        )
        return found

    async def put_subscription(self, token: str, subscription: Document) -> Document:
        found: Document = await self._notifier._json(
            "PUT", token, f"/v1/subscriptions/{subscription['name']}", json=subscription
        )
        return found


def http_apis(client: httpx.AsyncClient, urls: dict[str, str]) -> Apis:
    return Apis(
        intake=HttpIntake(client, urls["intake"]),
        rules=HttpRules(client, urls["rules"]),
        scheduler=HttpScheduler(client, urls["scheduler"]),
        reporting=HttpReporting(client, urls["reporting"]),
        notifier=HttpNotifier(client, urls["notifier"]),
        meetings=HttpMeetings(_Http(client, urls["intake"]), _Http(client, urls["scheduler"])),
        rule_packs=HttpRulePacks(client, urls["rules"]),
        admin=HttpAdmin(_Http(client, urls["notifier"]), _Http(client, urls["scheduler"])),
    )
