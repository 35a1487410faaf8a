"""The directory: people, the roles they hold, their agencies, proxies and absences.

Pure: who stands in for whom on a given day is decided here, from data the admin API
keeps. A member who is away (an absence covering the day) is replaced by their proxy;
a proxy who is away too is followed to their own proxy, never round in a circle.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Literal, Self

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, EmailStr, Field, model_validator

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]

# The roles the notifier can address. `clock_owner` is resolved from the event (the
# people whose `owns_clocks` holds the clock's kind), the others from `roles`.
ROLES: dict[str, str] = {
    "chair": "Chair of the SPRG (rotating lead from CSC, Police, Health)",
    "deputy_chair": "Deputy Chair of the SPRG",
    "sprg_member": "a member of the SPRG",
    "executive_group": "a member of the CSCP Executive Group (the three statutory partners' leads)",
    "partner_member": "the SPRG member for a statutory partner (CSC, ICB, Police)",
    "business_team": "the CSCP Business Team",
    "business_manager": "the CSCP Business Manager",
    "independent_scrutineer": "the Independent Scrutineer",
    "press_office": "an agency's press office",
    "csab_contact": "the Croydon Safeguarding Adults Board contact",
    "review_coordinator": "a person who coordinates an agency's returns to a review",
    "cscp_mailbox": "the CSCP mailbox (CSCP@croydon.gov.uk)",
    "operations": "the team that runs the system (Alertmanager e-mails them its alerts)",
    "la_notifier": (
        "the local authority's officer who notifies the Secretary of State (DfE) and Ofsted"
        " of a looked-after child's or care leaver's death"
    ),
    "clock_owner": (
        "whoever owns the kind of clock the event is about (Person.owns_clocks);"
        " the CSCP Business Team when no one does"
    ),
    "coordinator": "the person a request names as its coordinator (the event's coordinator)",
}
DYNAMIC_ROLES = frozenset({"clock_owner", "coordinator"})
MAX_PROXY_HOPS = 5


class Absence(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    first_day: date
    last_day: date

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.last_day < self.first_day:
            raise ValueError("last_day is before first_day")
        return self

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


class Person(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    person_id: Slug
    name: Annotated[str, Field(min_length=1, max_length=200)]
    email: EmailStr
    agency: Annotated[str, Field(min_length=1, max_length=100)]
    roles: Annotated[frozenset[str], Field(min_length=1)]
    channel: Literal["email", "webhook"] = "email"
    webhook_url: AnyHttpUrl | None = None
    delivery: Literal["each", "daily_digest"] = Field(
        default="each", description="one message per event, or one digest a day"
    )
    owns_clocks: frozenset[str] = Field(
        default_factory=frozenset, description="clock kinds this person is told about"
    )
    proxy_id: Slug | None = Field(default=None, description="who receives while this one is away")
    absences: tuple[Absence, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.channel == "webhook" and self.webhook_url is None:
            raise ValueError("webhook_url is required when channel is webhook")
        unknown = sorted(self.roles - ROLES.keys() - DYNAMIC_ROLES)
        if unknown or self.roles & DYNAMIC_ROLES:
            raise ValueError(f"unknown role: {', '.join(unknown or sorted(DYNAMIC_ROLES))}")
        if self.proxy_id == self.person_id:
            raise ValueError("a person cannot be their own proxy")
        return self

    def away_on(self, day: date) -> bool:
        return any(a.covers(day) for a in self.absences)


class Agency(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    agency_id: Slug
    name: Annotated[str, Field(min_length=1, max_length=200)]
    statutory_partner: bool = False
    codes: frozenset[str] = Field(
        default_factory=frozenset,
        description="other names events use for this agency (e.g. the rules' 'police')",
    )


def receiver_for(person: Person, day: date, people: Mapping[str, Person]) -> Person:
    """Who receives ``person``'s messages on ``day``: them, or their proxy while they are away.

    With no proxy, or no proxy who is in, the member themselves still receives (the
    message waits for their return rather than being lost).
    """
    current, seen = person, {person.person_id}
    for _ in range(MAX_PROXY_HOPS):
        if not current.away_on(day) or current.proxy_id is None:
            break
        proxy = people.get(current.proxy_id)
        if proxy is None or proxy.person_id in seen:
            break
        seen.add(proxy.person_id)
        current = proxy
    return current if not current.away_on(day) else person
