"""From a subscription and an event to the people who receive it (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sprg_notifier.domain.directory import Agency, Person, receiver_for
from sprg_notifier.domain.subscriptions import Subscription, values_at

# The CSCP Business Team coordinates the review processes (the seed): a clock whose kind
# no one owns in the directory is theirs.
CLOCK_OWNER_FALLBACK = "business_team"


@dataclass(frozen=True)
class Addressee:
    role: str
    member: Person  # who the role resolved to
    receiver: Person  # who gets it: the member, or their proxy while they are away


def addressees(
    subscription: Subscription,
    data: dict[str, Any],
    raw: dict[str, Any],
    people: Sequence[Person],
    agencies: Sequence[Agency],
    day: date,
) -> list[Addressee]:
    """Each (role, member) the subscription names, with who receives on ``day``.

    ``data`` is the validated event (what may be rendered); ``raw`` is the event as
    published, read only for routing (``agencies_from``), so a producer newer than
    this service can name agencies before this service's model knows the field.
    """
    by_id = {p.person_id: p for p in people}
    found: list[Addressee] = []
    for recipient in subscription.recipients:
        if recipient.only_if is not None and not [
            v for v in values_at(raw, recipient.only_if) if v not in (None, "")
        ]:
            continue
        if recipient.role == "coordinator":
            named = {str(v) for v in values_at(raw, "coordinator")}
            members = [p for p in people if p.person_id in named]
        elif recipient.role == "clock_owner":
            members = [p for p in people if data.get("kind") in p.owns_clocks] or [
                p for p in people if CLOCK_OWNER_FALLBACK in p.roles
            ]
        else:
            members = [p for p in people if recipient.role in p.roles]
        if recipient.agencies_from is not None:
            named = {str(v) for v in values_at(raw, recipient.agencies_from)}
            wanted = {a.agency_id for a in agencies if a.agency_id in named or a.codes & named}
            members = [p for p in members if p.agency in wanted | named]
        found.extend(Addressee(recipient.role, m, receiver_for(m, day, by_id)) for m in members)
    return found
