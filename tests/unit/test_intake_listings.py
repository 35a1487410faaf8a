"""Intake's lists of actions and information requests through its handlers and the in-memory
store (the fast tier; the same against the real store: tests/integration/test_intake_lists.py):
who sees which rows, the state an action is in after its updates, the seal's say."""

from __future__ import annotations

import base64
import os
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

import pytest

from sprg_intake.adapters.crypto import Sealer, fingerprint
from sprg_intake.adapters.memory import InMemoryCaseStore, InMemoryPublisher
from sprg_intake.adapters.outbox import OutboxRelay
from sprg_intake.domain.commands import (
    RecordAction,
    ReportIncident,
    RequestInformation,
    UpdateAction,
)
from sprg_intake.handlers import listings
from sprg_intake.handlers.incident import IntakeDeps, report_incident
from sprg_intake.handlers.rapid_review import receive_return, request_information
from sprg_intake.handlers.sprg import record_action, update_action
from sprg_shared.auth import Principal, Role
from tests.unit.test_intake_handlers import BT, CSC, POLICE, REPORT

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
CHAIR = Principal(subject="u-ch", agency="croydon-csc", roles=frozenset({Role.CHAIR}))
MEMBER = Principal(subject="u-m", agency="met-police", roles=frozenset({Role.SPRG_MEMBER}))
NO_KEY: dict[str, Any] = {"idempotency_key": None, "traceparent": None}


@pytest.fixture
def world() -> tuple[IntakeDeps, InMemoryCaseStore]:
    key = base64.b64encode(os.urandom(32)).decode()
    store = InMemoryCaseStore()
    deps = IntakeDeps(
        repo=store,
        sealer=Sealer(key, "k1"),
        fingerprint=partial(fingerprint, key),
        relay=OutboxRelay(store, InMemoryPublisher(), poll_seconds=1),
        source="sprg/intake",
        now=lambda: NOW,
    )
    return deps, store


async def _case(deps: IntakeDeps) -> str:
    receipt = await report_incident(ReportIncident.model_validate(REPORT), CSC, deps, **NO_KEY)
    return receipt.case_id


async def _ask(deps: IntakeDeps, case_id: str, agency: str, due: str) -> str:
    command = RequestInformation(
        agency=agency, kind="imr", requested_date="2026-04-09", due_date=due
    )
    recorded = await request_information(case_id, command, BT, deps, **NO_KEY)
    return str(recorded.result["record_id"])


def _ids(page: dict[str, Any], key: str) -> list[str]:
    return [row[key] for row in page["items"]]


async def test_an_agency_sees_the_requests_asked_of_it_and_the_chair_all(
    world: tuple[IntakeDeps, InMemoryCaseStore],
) -> None:
    deps, store = world
    case_id = await _case(deps)
    police = await _ask(deps, case_id, "met-police", "2026-05-01")
    csc = await _ask(deps, case_id, "croydon-csc", "2026-07-01")
    query = listings.ListQuery()
    lists = listings.list_information_requests
    assert _ids(await lists(BT, deps, query), "request_id") == [police, csc]
    assert _ids(await lists(CHAIR, deps, query), "request_id") == [police, csc]
    assert _ids(await lists(POLICE, deps, query), "request_id") == [police]
    assert _ids(await lists(MEMBER, deps, query), "request_id") == [police]  # its agency's
    with pytest.raises(listings.OtherAgency):
        await lists(POLICE, deps, listings.ListQuery(agency="croydon-csc"))
    # The agency asked is bound into the request's seal: editing it in the store grants
    # nothing to the agency written in, and takes nothing from the Business Team.
    store.collections["records"][csc]["facts"]["agency"] = "met-police"
    assert _ids(await lists(POLICE, deps, query), "request_id") == [police]
    assert _ids(await lists(BT, deps, query), "request_id") == [police, csc]


async def test_an_action_is_listed_as_its_latest_update_left_it(
    world: tuple[IntakeDeps, InMemoryCaseStore],
) -> None:
    deps, store = world
    case_id = await _case(deps)

    async def act(owner: str, due: str) -> str:
        command = RecordAction(
            source_id=case_id,
            owner_agency=owner,
            owner_role="Lead",
            due_date=due,
            description=f"Asked of {owner}",
        )
        return str((await record_action(command, BT, deps, **NO_KEY)).result["action_id"])

    kept, moved, closed = (
        await act("met-police", "2026-05-20"),
        await act("met-police", "2026-05-21"),
        await act("croydon-csc", "2026-05-22"),
    )
    for action_id, update in (
        (moved, {"status": "open", "due_date": "2026-09-01"}),
        (closed, {"status": "dropped", "note": "No longer needed"}),
    ):
        command = UpdateAction.model_validate({"updated_date": "2026-05-30", **update})
        await update_action(action_id, command, BT, deps, **NO_KEY)

    def query(**kw: Any) -> listings.ListQuery:
        return listings.ListQuery(**kw)

    everything = await listings.list_actions(BT, deps, query())
    assert _ids(everything, "action_id") == [kept, moved, closed]
    assert [r["overdue"] for r in everything["items"]] == [True, False, False]
    assert _ids(await listings.list_actions(BT, deps, query(status="overdue")), "action_id") == [
        kept
    ]
    assert _ids(await listings.list_actions(BT, deps, query(status="done")), "action_id") == [
        closed
    ]
    moved_on = await listings.list_actions(BT, deps, query(due_after=NOW.date()))
    assert _ids(moved_on, "action_id") == [moved]
    assert _ids(await listings.list_actions(POLICE, deps, query()), "action_id") == [kept, moved]
    assert store.reads == []  # no words asked for, nothing read
    said = await listings.list_actions(CHAIR, deps, query(status="done", reason="follow-up"))
    assert said["items"][0]["words"] == {
        "description": "Asked of croydon-csc",
        "note": "No longer needed",
    }
    assert [(r["case_id"], r["reason"], r["granted"]) for r in store.reads] == [
        (closed, "follow-up", True)
    ]
    with pytest.raises(listings.DueRange):
        await listings.list_actions(
            BT, deps, query(due_after=NOW.date(), due_before=NOW.date().replace(month=1))
        )


@pytest.mark.parametrize("few", [0, 200])
async def test_returns_are_matched_to_their_requests_asked_by_id_or_by_kind(
    world: tuple[IntakeDeps, InMemoryCaseStore], monkeypatch: pytest.MonkeyPatch, few: int
) -> None:
    deps, _ = world
    monkeypatch.setattr(listings, "FEW", few)  # 0: every list is "many" requests
    case_id = await _case(deps)
    answered = await _ask(deps, case_id, "met-police", "2026-05-01")
    owed = await _ask(deps, case_id, "met-police", "2026-07-01")
    other = await _ask(deps, case_id, "croydon-csc", "2026-05-02")
    for request_id, who in ((answered, POLICE), (other, CSC)):
        await receive_return(
            case_id, request_id, date(2026, 5, 3), "notes", [], who, deps, **NO_KEY
        )
    for principal, expected in (
        (POLICE, {answered: "done", owed: "open"}),
        (BT, {answered: "done", owed: "open", other: "done"}),
    ):
        page = await listings.list_information_requests(principal, deps, listings.ListQuery())
        assert {r["request_id"]: r["status"] for r in page["items"]} == expected
        assert all(len(r["returns"]) == (r["status"] == "done") for r in page["items"])
