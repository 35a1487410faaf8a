"""Administration for the CSCP Business Team: the directory (agencies, people) and the
SPRG's seats, who is told about what (the notifier's subscriptions), and the calendar's
closure days with the recalculation they would cause before it is confirmed."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sprg_console.adapters.apis import ApiError, Document
from sprg_console.domain import forms, words
from sprg_console.handlers.context import Caller, Deps


@dataclass(frozen=True)
class DirectoryView:
    agencies: list[Document]
    people: list[Document]
    seats: list[Document]
    unavailable: list[str]


async def directory(deps: Deps, caller: Caller) -> DirectoryView:
    missing: list[str] = []

    async def ask(what: str, call: Any) -> list[Document]:
        try:
            found: list[Document] = await call
        except ApiError:
            missing.append(what)
            return []
        return found

    agencies, people, seats = await asyncio.gather(
        ask("the agencies (notifier)", deps.apis.notifier.agencies(caller.token)),
        ask("the people (notifier)", deps.apis.notifier.people(caller.token)),
        ask("the SPRG's seats (intake)", deps.apis.meetings.membership(caller.token)),
    )
    names = {str(a.get("agency_id")): str(a.get("name")) for a in agencies}
    return DirectoryView(
        agencies=sorted(agencies, key=lambda a: str(a.get("name", ""))),
        people=[
            {
                **p,
                "agency_name": names.get(str(p.get("agency")), str(p.get("agency", ""))),
                "roles_words": ", ".join(words.humanise(r) for r in sorted(p.get("roles", []))),
                "clocks_words": ", ".join(
                    words.duty_noun(k) for k in sorted(p.get("owns_clocks", []))
                ),
            }
            for p in sorted(people, key=lambda p: str(p.get("name", "")))
        ],
        seats=[
            {**s, "agency_name": names.get(str(s.get("agency")), str(s.get("agency") or ""))}
            for s in seats
        ],
        unavailable=missing,
    )


def subscription_rows(subscriptions: list[Document]) -> list[dict[str, str]]:
    rows = []
    for s in sorted(subscriptions, key=lambda s: str(s.get("name", ""))):
        recipients = []
        for r in s.get("recipients", []):
            said = words.humanise(r.get("role")) if isinstance(r, dict) else str(r)
            if isinstance(r, dict) and r.get("agency"):
                said += f" ({r['agency']})"
            recipients.append(said)
        when = "; ".join(f"{words.humanise(k)} is {v}" for k, v in (s.get("when") or {}).items())
        rows.append(
            {
                "name": str(s.get("name", "")),
                "event": str(s.get("event", "")),
                "when": when or "Always",
                "template": words.humanise(s.get("template")),
                "recipients": ", ".join(recipients),
            }
        )
    return rows


@dataclass
class CalendarView:
    version: str
    number: int
    closures: list[Document]
    pending: list[Document]
    moves: list[Document]
    proposed_number: int
    proposed_version: str
    errors: forms.Errors = field(default_factory=forms.Errors)


async def calendar(deps: Deps, caller: Caller) -> CalendarView:
    found, proposal = await asyncio.gather(
        deps.apis.admin.calendar(caller.token), deps.apis.admin.pending(caller.token)
    )
    return CalendarView(
        version=str(found.get("version", "")),
        number=int(found.get("number", 0)),
        closures=sorted(
            (c for c in found.get("closures", []) if c.get("in_version", 0)),
            key=lambda c: str(c.get("date")),
        ),
        pending=list(proposal.get("pending", [])),
        moves=list(proposal.get("moves", [])),
        proposed_number=int(proposal.get("proposed_number", 0)),
        proposed_version=str(proposal.get("proposed_version", "")),
    )


async def add_closure(
    deps: Deps, caller: Caller, data: dict[str, str], today: date
) -> forms.Errors:
    errors = forms.Errors()
    day = forms.a_date(
        data, "closure", errors, what="the closure day", today=today, not_after_today=False
    )
    reason = forms.text(data, "reason")
    if len(reason) < 3:
        errors.add("reason", "Enter why the offices close (at least 3 characters)")
    elif len(reason) > 200:
        errors.add("reason", "The reason must be 200 characters or fewer")
    if errors or day is None:
        return errors
    try:
        await deps.apis.admin.add_closure(caller.token, day, reason)
    except ApiError as exc:
        if exc.status in (409, 422):
            errors.add("closure", str(exc.detail), "closure-day")
            return errors
        raise
    return errors


async def confirm(deps: Deps, caller: Caller, data: dict[str, str]) -> tuple[str, forms.Errors]:
    """Put the pending closure days in force, as the proposal the person reviewed."""
    errors = forms.Errors()
    try:
        expected = int(data.get("expected", ""))
    except ValueError:
        errors.add("confirm", "The proposal to confirm is missing: reload the page")
        return "", errors
    try:
        done = await deps.apis.admin.confirm(caller.token, expected)
    except ApiError as exc:
        if exc.status in (409, 422):
            errors.add(
                "confirm",
                "The proposal changed since you reviewed it: check the clocks that would "
                f"move again ({exc.detail})",
            )
            return "", errors
        raise
    return str(done.get("version", "")), errors


MAX_PROXIES = 5


async def record_seat_holder(
    deps: Deps,
    caller: Caller,
    seat: Document,
    data: dict[str, str],
    known_agencies: set[str],
    key: str,
    today: date,
) -> forms.Errors:
    """Who holds ``seat`` from a date, and the proxies they name (one a line, up to 5)."""
    errors = forms.Errors()
    name = forms.required_text(data, "name", errors, "Enter the name of the person who holds it")
    agency = forms.text(data, "agency")
    if agency not in known_agencies:
        errors.add("agency", "Select their agency")
    proxies = [p.strip() for p in data.get("proxies", "").splitlines() if p.strip()]
    if len(proxies) > MAX_PROXIES:
        errors.add("proxies", f"Name {MAX_PROXIES} proxies or fewer")
    elif any(len(p) > 200 for p in proxies):
        errors.add("proxies", "Each proxy's name must be 200 characters or fewer")
    since = forms.a_date(
        data, "from", errors, what="the date they hold it from", today=today, not_after_today=False
    )
    if errors or since is None:
        return errors
    body: Document = {
        "seat": seat["seat"],
        "name": name,
        "agency": agency,
        "proxies": proxies,
        "from_date": since.isoformat(),
    }
    try:
        await deps.apis.meetings.send(
            caller.token, "/v1/membership/members", body, idempotency_key=key
        )
    except ApiError as exc:
        if exc.status in (409, 422):
            errors.add("name", str(exc.detail))
            return errors
        raise
    return errors


# --- Editing a person in the directory, and a subscription --------------------------------

DELIVERY = {"each": "One e-mail for each event", "daily_digest": "One digest e-mail a day"}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DYNAMIC_ROLES = frozenset({"clock_owner", "coordinator"})
"""Roles the notifier works out from each event: a subscription may name them, a person
cannot hold them."""


def role_words(roles: dict[str, str], *, for_person: bool) -> dict[str, str]:
    """The roles as choices: "Business team: the CSCP Business Team" (a person cannot hold
    the roles worked out from each event)."""
    return {
        code: f"{words.humanise(code)}: {meaning}"
        for code, meaning in sorted(roles.items())
        if not (for_person and code in DYNAMIC_ROLES)
    }


def clock_words() -> dict[str, str]:
    return {kind: noun for kind, (_, noun) in sorted(words.DUTIES.items())}


def _refusal(exc: ApiError, errors: forms.Errors, fields: dict[str, tuple[str, str]]) -> None:
    """The notifier's refusal in the form's words."""
    if exc.status == 422:
        said = f"{exc.detail} {' '.join(exc.fields)}".lower()
        for needle, (name, message) in fields.items():
            if needle in said:
                errors.add(name, message)
                return
        errors.add("form", "The notifier could not accept this change: nothing was saved")
    elif exc.status in (401, 403):
        errors.add("form", "You cannot change this: administration is for the Business Team")
    else:
        errors.add("form", "Sorry, the notifier is unavailable: nothing was saved, try again")


async def edit_person(
    deps: Deps,
    caller: Caller,
    person: Document,
    data: dict[str, str],
    roles: list[str],
    clocks: list[str],
    known_agencies: set[str],
    offered_roles: set[str],
) -> forms.Errors:
    """Replace a person's name, e-mail, agency, roles, what they are told about and how; the
    rest of their record (channel, webhook, proxy, absences) is kept as it was."""
    e = forms.Errors()
    name = forms.required_text(data, "name", e, "Enter the person's name")
    email = forms.text(data, "email")
    if not email:
        e.add("email", "Enter the person's e-mail address")
    elif not EMAIL.match(email) or len(email) > 254:
        e.add("email", "Enter an e-mail address in the correct format, like name@example.com")
    agency = forms.text(data, "agency")
    if agency not in known_agencies:
        e.add("agency", "Select the person's agency")
    if not roles:
        e.add("roles", "Select at least one role")
    elif not set(roles) <= offered_roles:
        e.add("roles", "Select the roles from the list")
    if not set(clocks) <= set(words.DUTIES):
        e.add("owns_clocks", "Select the duties from the list")
    delivery = forms.choice(data, "delivery", DELIVERY, e, "Select how they receive messages")
    if e:
        return e
    changed = {
        **person,
        "name": name,
        "email": email,
        "agency": agency,
        "roles": sorted(set(roles)),
        "owns_clocks": sorted(set(clocks)),
        "delivery": delivery,
    }
    try:
        await deps.apis.admin.put_person(caller.token, changed)
    except ApiError as exc:
        _refusal(
            exc,
            e,
            {
                "email": (
                    "email",
                    "Enter an e-mail address in the correct format, like name@example.com",
                ),
                "role": ("roles", "Select the roles from the list"),
                "name": ("name", "Enter the person's name"),
                "agency": ("agency", "Select the person's agency"),
            },
        )
    return e


def plain_recipients(subscription: Document) -> list[str]:
    """The roles a subscription sends to without a condition (the ones the form edits)."""
    return sorted(
        str(r["role"])
        for r in subscription.get("recipients", [])
        if isinstance(r, dict) and not r.get("agencies_from") and not r.get("only_if")
    )


def conditional_recipients(subscription: Document) -> list[Document]:
    """Recipients with a condition (an agency found in the event, a value present): kept."""
    return [
        r
        for r in subscription.get("recipients", [])
        if isinstance(r, dict) and (r.get("agencies_from") or r.get("only_if"))
    ]


async def edit_subscription(
    deps: Deps,
    caller: Caller,
    subscription: Document,
    roles: list[str],
    offered_roles: set[str],
) -> forms.Errors:
    """Replace who a subscription sends to (the roles without a condition); its event,
    conditions, message and conditional recipients are kept."""
    e = forms.Errors()
    kept = conditional_recipients(subscription)
    if not roles and not kept:
        e.add("roles", "Select at least one role to send it to")
    elif not set(roles) <= offered_roles:
        e.add("roles", "Select the roles from the list")
    if e:
        return e
    changed = {
        **subscription,
        "recipients": [*kept, *({"role": r} for r in sorted(set(roles)))],
    }
    try:
        await deps.apis.admin.put_subscription(caller.token, changed)
    except ApiError as exc:
        _refusal(exc, e, {"role": ("roles", "Select the roles from the list")})
    return e
