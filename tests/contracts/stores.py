"""What each service's store port promises its handlers, held against the in-memory adapter
(tests/unit/test_store_contracts.py) and the store (tests/integration/test_store_ports.py).

Each base class needs a fixture giving the adapter under test on an empty store.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sprg_notifier.adapters.ports import NotifierStore
from sprg_notifier.domain.directory import Agency, Person
from sprg_notifier.domain.render import Templates
from sprg_notifier.domain.subscriptions import Subscription, load_subscriptions
from sprg_reporting.adapters.ports import ReadModelStore
from sprg_reporting.domain.dated_models import Change
from sprg_reporting.domain.folded import Folded
from sprg_rules.adapters.ports import DecisionStore, SubjectStore
from sprg_scheduler.adapters.ports import ClaimStore, ClockStore
from sprg_scheduler.adapters.repository import ClockQuery
from sprg_scheduler.domain.clocks import Clock
from sprg_shared.contracts.decisions import CaseAssessed, RulepackRef, SubjectDecided

T0 = datetime(2026, 11, 23, 9, tzinfo=UTC)


def _close(a: Any, b: datetime) -> bool:
    """The store keeps milliseconds: equal to the millisecond."""
    return isinstance(a, datetime) and abs(a.replace(tzinfo=a.tzinfo or UTC) - b) < timedelta(
        milliseconds=1
    )


class NotifierStoreContract:
    async def test_a_delivery_is_recorded_once_and_the_first_record_wins(
        self, notifier_store: NotifierStore
    ) -> None:
        first = {"_id": "d1", "case_id": "c1", "status": "pending", "created_at": T0}
        assert await notifier_store.record_intent(dict(first)) == first
        again = await notifier_store.record_intent({**first, "status": "queued"})
        assert again["status"] == "pending"
        await notifier_store.mark("d1", "sent", T0 + timedelta(seconds=1), 1, None)
        (sent,) = await notifier_store.deliveries(case_id="c1", status="sent")
        assert (sent["_id"], sent["attempts"], sent["error"]) == ("d1", 1, None)
        assert _close(sent["sent_at"], T0 + timedelta(seconds=1))

    async def test_deliveries_come_oldest_first_filtered_and_limited(
        self, notifier_store: NotifierStore
    ) -> None:
        for n, person in ((3, "p1"), (1, "p2"), (2, "p1")):
            await notifier_store.record_intent(
                {
                    "_id": f"d{n}",
                    "case_id": "c",
                    "person_id": person,
                    "status": "queued",
                    "created_at": T0 + timedelta(minutes=n),
                }
            )
        assert [d["_id"] for d in await notifier_store.deliveries(case_id="c")] == [
            "d1",
            "d2",
            "d3",
        ]
        assert [d["_id"] for d in await notifier_store.queued_for("p1")] == ["d2", "d3"]
        assert [d["_id"] for d in await notifier_store.deliveries(limit=1)] == ["d1"]

    async def test_the_directory_is_read_whole_and_as_it_stands(
        self, notifier_store: NotifierStore
    ) -> None:
        """What each event's handling reads at once: the subscriptions, the people and the
        agencies, each write seen by the next read."""
        person = Person(
            person_id="dir-bt", name="BT", email="bt@example.org", agency="cscp",
            roles=frozenset({"business_team"}),
        )  # fmt: skip
        await notifier_store.put_person(person)
        await notifier_store.put_agency(Agency(agency_id="dir-cscp", name="CSCP"))
        await notifier_store.seed_subscriptions(
            load_subscriptions(Templates().names()).subscriptions
        )
        subscriptions, people, agencies = await notifier_store.directory()
        assert subscriptions == await notifier_store.subscriptions() and subscriptions
        assert "dir-bt" in [p.person_id for p in people]
        assert "dir-cscp" in [a.agency_id for a in agencies]
        await notifier_store.put_agency(Agency(agency_id="dir-cscp", name="Croydon SCP"))
        _, _, agencies = await notifier_store.directory()
        assert [a.name for a in agencies if a.agency_id == "dir-cscp"] == ["Croydon SCP"]

    async def test_a_digest_is_claimed_once(self, notifier_store: NotifierStore) -> None:
        claim = {"_id": "p1:2026-11-23", "person_id": "p1", "claimed_at": T0}
        assert await notifier_store.claim_digest(dict(claim)) is True
        assert await notifier_store.claim_digest(dict(claim)) is False
        await notifier_store.finish_digest("p1:2026-11-23", {"sent": True})
        found = await notifier_store.digest_claim("p1:2026-11-23")
        assert found is not None and found["sent"] is True

    async def test_shipped_subscriptions_never_overwrite_ones_kept(
        self, notifier_store: NotifierStore
    ) -> None:
        kept = Subscription.model_validate(
            {"name": "s1", "event": "e", "template": "t", "roles": ["chair"]}
        )
        shipped = Subscription.model_validate(
            {"name": "s1", "event": "e", "template": "other", "roles": ["business_team"]}
        )
        await notifier_store.put_subscription(kept)
        await notifier_store.seed_subscriptions([shipped])
        assert await notifier_store.subscriptions() == [kept]

    async def test_people_are_listed_by_id_and_by_role(self, notifier_store: NotifierStore) -> None:
        for pid, role in (("b", "chair"), ("a", "business_team"), ("c", "chair")):
            await notifier_store.put_person(
                Person(
                    person_id=pid,
                    name=pid,
                    email=f"{pid}@example.org",
                    agency="cscp",
                    roles=frozenset({role}),
                )
            )
        assert [p.person_id for p in await notifier_store.people()] == ["a", "b", "c"]
        assert [p.person_id for p in await notifier_store.people("chair")] == ["b", "c"]


SIN_STATE = "clocks.sin_notification.state"
PANEL = "panel_notification_required"


class ReadModelsContract:
    async def test_changes_set_dotted_paths_and_add_to_sets_once(
        self, read_models: ReadModelStore
    ) -> None:
        await read_models.apply(
            [
                Change(
                    "case_view",
                    "c1",
                    set={"type": "incident", "clocks.sin_notification.state": "open"},
                ),
                Change("case_view", "c1", add={"agencies": [{"a": 1}, {"a": 1}]}),
                Change("case_view", "c1", add={"agencies": [{"a": 1}, {"a": 2}]}),
                Change(
                    "case_view", "c2", set={"type": "incident", "panel_notification_required": True}
                ),
            ]
        )
        case = await read_models.case("c1")
        assert case is not None
        assert case["clocks"] == {"sin_notification": {"state": "open"}}
        assert case["agencies"] == [{"a": 1}, {"a": 2}]
        summary = await read_models.summary()
        assert summary["cases_reported"] == 2
        assert summary["sin_clocks_open"] == 1
        assert summary["panel_notifications_required"] == 1

    async def test_changes_applied_at_once_all_land_and_one_the_store_refuses_fails_alone(
        self, read_models: ReadModelStore
    ) -> None:
        # A poll's events of different cases are folded together (and written together).
        await read_models.apply([Change("case_view", "odd", set={"type": "incident"})])
        results = await asyncio.gather(
            *(
                read_models.apply(
                    [
                        Change("case_view", f"c{i}", set={"type": "incident", "n": i}),
                        Change("case_view", f"c{i}", add={"agencies": [{"a": i}]}),
                    ]
                )
                for i in range(20)
            ),
            # A path through a value that is not a sub-document: refused.
            read_models.apply([Change("case_view", "odd", set={"type.deeper": 1})]),
            return_exceptions=True,
        )
        assert results[:20] == [None] * 20
        assert isinstance(results[20], Exception)
        for i in range(20):
            case = await read_models.case(f"c{i}")
            assert case is not None
            assert (case["n"], case["agencies"]) == (i, [{"a": i}])
        assert (await read_models.case("odd") or {}).get("type") == "incident"

    async def test_a_rebuild_writes_each_document_and_one_made_meanwhile_gets_its_changes(
        self, read_models: ReadModelStore
    ) -> None:
        # A live consumer folded a newer event into c1 after the rebuild dropped the models.
        await read_models.apply(
            [Change("case_view", "c1", set={"live": True}, add={"agencies": [{"a": 9}]})]
        )
        folded = Folded()
        # More elements than a fold keeps by scanning: the long array's identities are kept.
        many = [{"a": i % 20} for i in range(30)]
        folded.fold(
            [
                Change("case_view", "c1", set={"type": "incident"}, add={"agencies": [{"a": 1}]}),
                Change("case_view", "c1", add={"agencies": [{"a": 1}, {"a": 2}]}),
                *(Change("case_view", f"c{n}", set={"type": "coc"}) for n in range(2, 2200)),
                Change("case_view", "c2", add={"agencies": many}),
                Change("case_view", "c2", add={"agencies": many[:5]}),
            ]
        )
        await read_models.write_folded(folded)
        assert await read_models.case("c1") == {
            "_id": "c1",
            "live": True,
            "type": "incident",
            "agencies": [{"a": 9}, {"a": 1}, {"a": 2}],
        }
        c2 = await read_models.case("c2")
        assert c2 is not None and c2["agencies"] == [{"a": i} for i in range(20)]
        assert len(await read_models.documents("case_view")) == 2199

    async def test_the_latest_report_of_a_kind_is_the_newest(
        self, read_models: ReadModelStore
    ) -> None:
        for n in (1, 3, 2):
            await read_models.save_report(
                {"_id": f"r{n}", "kind": "k", "produced_at": T0 + timedelta(days=n)}
            )
        latest = await read_models.latest_report("k")
        assert latest is not None and latest["_id"] == "r3"
        assert await read_models.latest_report("other") is None
        assert not await read_models.duty_done("duty-1")
        await read_models.record_duty({"_id": "duty-1"})
        assert await read_models.duty_done("duty-1")


def assessed(case_id: str, reference: str | None) -> CaseAssessed:
    return CaseAssessed(
        case_id=case_id,
        reference=reference,
        trigger_event_id="e1",
        rulepack=RulepackRef(id="p", version="1", hash="h"),
        panel_notification_required=True,
        panel_notification_subsection="a",
        notifying_area="this_area",
        rapid_review_required=True,
        dfe_ofsted_reasons=(),
        csab_liaison_required=False,
        clocks=(),
        decisions=(),
    )


class DecisionStoreContract:
    async def test_a_decision_is_kept_once_and_the_latest_facts_and_reference_are_read(
        self, decisions: DecisionStore
    ) -> None:
        await decisions.save("d1", assessed("c1", "SIN-1"), {"v": 1}, T0)
        await decisions.save("d1", assessed("c1", "SIN-X"), {"v": 9}, T0)  # the same decision
        await decisions.save("d2", assessed("c1", None), {"v": 2}, T0 + timedelta(hours=1))
        assert await decisions.facts_of("c1") == {"v": 2}
        assert await decisions.reference_of("c1") == "SIN-1"
        assert [d["_id"] for d in await decisions.for_case("c1")] == ["d1", "d2"]
        assert await decisions.facts_of("nobody") is None
        assert await decisions.latest_facts(10) == {"c1": {"v": 2}}


def subject_decided(subject_id: str, case_id: str | None) -> SubjectDecided:
    return SubjectDecided(
        kind="escalation",
        subject_id=subject_id,
        case_id=case_id,
        trigger_event_id="e1",
        rulepack=RulepackRef(id="p", version="1", hash="h"),
        answer={},
        clocks=(),
        decisions=(),
    )


class SubjectStoreContract:
    async def test_parts_are_kept_whole_and_labels_are_kept_for_later_facts(
        self, subjects: SubjectStore
    ) -> None:
        assert await subjects.record("case_of_concern", "coc1", "triage", {"t": 1}) == {
            "triage": {"t": 1}
        }
        parts = await subjects.record("case_of_concern", "coc1", "referral", {"r": 1})
        assert parts == {"triage": {"t": 1}, "referral": {"r": 1}}
        assert await subjects.labels("case_of_concern", "coc1", "COC-1", {"a": 1}) == (
            "COC-1",
            {"a": 1},
        )
        assert await subjects.labels("case_of_concern", "coc1", None, {"b": 2}) == (
            "COC-1",
            {"a": 1, "b": 2},
        )
        assert await subjects.labels("case_of_concern", "coc1", None, None) == (
            "COC-1",
            {"a": 1, "b": 2},
        )

    async def test_decisions_are_kept_once_and_read_by_subject_or_case(
        self, subjects: SubjectStore
    ) -> None:
        await subjects.save("s1", subject_decided("esc1", "c1"), {"v": 1}, T0)
        await subjects.save("s1", subject_decided("esc1", "c1"), {"v": 9}, T0)
        await subjects.save("s2", subject_decided("esc1", None), {"v": 2}, T0 + timedelta(hours=1))
        assert [d["_id"] for d in await subjects.for_subject("esc1")] == ["s1", "s2"]
        assert [d["_id"] for d in await subjects.for_subject("c1")] == ["s1"]
        assert await subjects.latest_facts("escalation", 10) == {"esc1": {"v": 2}}


def clock(
    clock_id: str,
    case_id: str,
    due: date,
    state: str = "open",
    *,
    kind: str = "sin_notification",
    fire_at: datetime | None = None,
    remind_from: date | None = None,
) -> Clock:
    return Clock.model_validate(
        {
            "clock_id": clock_id,
            "case_id": case_id,
            "kind": kind,
            "next_fire_at": fire_at,
            "remind_from": remind_from,
            "anchor": "aware_date",
            "anchor_date": "2026-11-23",
            "due": due,
            "state": state,
            "rule": "r",
            "started_by": "e1",
            "started_at": T0,
            "calendar_version": "v",
        }
    )


class ClockStoreContract:
    async def test_a_clock_is_added_once_and_replaced_only_at_its_revision(
        self, clocks: ClockStore
    ) -> None:
        first = clock("k1", "c1", date(2026, 11, 30))
        assert await clocks.add(first) is True
        assert await clocks.add(first) is False
        moved = first.model_copy(update={"due": date(2026, 12, 1)})
        assert await clocks.replace(moved, 0) is True
        assert await clocks.replace(moved, 0) is False  # someone else's revision now
        stored = await clocks.get("k1")
        assert stored is not None and (stored.rev, stored.clock.due) == (1, date(2026, 12, 1))

    async def test_clocks_are_found_by_case_and_state_due_first(self, clocks: ClockStore) -> None:
        await clocks.add(clock("k2", "c1", date(2026, 12, 2)))
        await clocks.add(clock("k1", "c1", date(2026, 12, 9)))
        await clocks.add(clock("k3", "c2", date(2026, 11, 1), state="met"))
        assert [s.clock.clock_id for s in await clocks.for_case("c1")] == ["k1", "k2"]
        found = await clocks.find(ClockQuery(state="open"), limit=10)
        assert [c.clock_id for c in found] == ["k2", "k1"]
        overdue = await clocks.find(ClockQuery(state="overdue", today=date(2026, 12, 5)), limit=10)
        assert [c.clock_id for c in overdue] == ["k2"]

    async def test_a_settlement_kept_for_later_is_the_first_one(self, clocks: ClockStore) -> None:
        await clocks.settle_later("k9", {"met_on": "2026-11-25"})
        await clocks.settle_later("k9", {"met_on": "2026-11-27"})
        found = await clocks.settlement("k9")
        assert found is not None and found["met_on"] == "2026-11-25"
        assert await clocks.settlement("k8") is None

    async def test_clocks_are_counted_by_kind_state_and_what_they_mean_today(
        self, clocks: ClockStore
    ) -> None:
        today, now = date(2026, 11, 27), T0 + timedelta(days=4)
        await clocks.add(clock("k1", "c1", date(2026, 11, 30), remind_from=today, fire_at=T0))
        await clocks.add(
            clock("k2", "c2", date(2026, 11, 30), "reminded", remind_from=today, fire_at=now)
        )
        await clocks.add(clock("k3", "c3", date(2026, 11, 26)))  # overdue, not yet breached
        await clocks.add(clock("k4", "c4", date(2026, 11, 20), "breached"))
        await clocks.add(clock("k5", "c5", date(2026, 12, 20), kind="rapid_review"))
        assert await clocks.count_in_state("sin_notification", "open") == 2
        assert await clocks.count_in_state("sin_notification", "met") == 0
        assert await clocks.count_in_state("rapid_review", "open") == 1
        sin = "sin_notification"
        views = {
            view: await clocks.count_in_view(sin, view, today, now)
            for view in ("open", "at_risk", "at_risk_unreminded", "overdue")
        }
        assert views == {"open": 3, "at_risk": 2, "at_risk_unreminded": 1, "overdue": 2}


ClaimsFor = Callable[[str], ClaimStore]
"""A replica's claims (its owner name) on the ``clocks`` under test."""


class ClaimStoreContract:
    """The firing loop's leases: every due clock fires on exactly one replica at a time."""

    async def _due(self, clocks: ClockStore, n: int) -> list[str]:
        ids = [f"k{i}" for i in range(n)]
        for i, clock_id in enumerate(ids):
            fire_at = T0 - timedelta(minutes=n - i)  # k0 the oldest
            await clocks.add(clock(clock_id, f"c{i}", date(2026, 11, 30), fire_at=fire_at))
        await clocks.add(clock("later", "c9", date(2026, 12, 30), fire_at=T0 + timedelta(days=1)))
        return ids

    async def test_due_clocks_come_oldest_first_and_a_held_one_is_not_due_until_its_lease_ends(
        self, clocks: ClockStore, claims_for: ClaimsFor
    ) -> None:
        ids = await self._due(clocks, 3)
        first, second = claims_for("r1"), claims_for("r2")
        assert [s.clock.clock_id for s in await first.due_clocks(T0, 10)] == ids
        assert [s.clock.clock_id for s in await first.due_clocks(T0, 2)] == ids[:2]
        held = await first.claim_many(await first.due_clocks(T0, 1), T0)
        assert [s.clock.clock_id for s in held] == ["k0"]
        assert [s.clock.clock_id for s in await second.due_clocks(T0, 10)] == ids[1:]
        assert await second.claim_many(held, T0) == []  # held by r1
        after_lease = T0 + timedelta(seconds=31)
        assert [s.clock.clock_id for s in await second.due_clocks(after_lease, 10)] == ids

    async def test_replicas_claiming_the_same_clocks_each_get_a_share_never_the_same_one(
        self, clocks: ClockStore, claims_for: ClaimsFor
    ) -> None:
        ids = await self._due(clocks, 6)
        first, second = claims_for("r1"), claims_for("r2")
        candidates = await first.due_clocks(T0, 10)
        a = await first.claim_many(candidates[:4], T0)
        b = await second.claim_many(candidates, T0)
        assert [s.clock.clock_id for s in a] == ids[:4]
        assert [s.clock.clock_id for s in b] == ids[4:]

    async def test_a_completed_clock_is_stored_advanced_and_free_unless_it_changed_meanwhile(
        self, clocks: ClockStore, claims_for: ClaimsFor
    ) -> None:
        await self._due(clocks, 2)
        replica = claims_for("r1")
        held = await replica.claim_many(await replica.due_clocks(T0, 10), T0)
        fired = [
            (s.clock.model_copy(update={"state": "reminded", "next_fire_at": None}), s)
            for s in held
        ]
        # A decision re-anchors k1 between the claim and the completion: its change stands.
        k1 = await clocks.get("k1")
        assert k1 is not None
        reanchored = k1.clock.model_copy(update={"due": date(2026, 12, 4)})
        assert await clocks.replace(reanchored, k1.rev) is True
        assert await replica.complete_many(fired) == ["k0"]
        k0, k1 = await clocks.get("k0"), await clocks.get("k1")
        assert k0 is not None and (k0.rev, k0.clock.state, k0.clock.next_fire_at) == (
            1,
            "reminded",
            None,
        )
        assert k1 is not None and (k1.clock.state, k1.clock.due) == ("open", date(2026, 12, 4))
        # k1's lease was dropped: its new state is due again at once, to any replica.
        assert [s.clock.clock_id for s in await claims_for("r2").due_clocks(T0, 10)] == ["k1"]

    async def test_a_released_claim_is_due_again_at_once(
        self, clocks: ClockStore, claims_for: ClaimsFor
    ) -> None:
        await self._due(clocks, 1)
        replica = claims_for("r1")
        (held,) = await replica.claim_many(await replica.due_clocks(T0, 10), T0)
        assert await claims_for("r2").due_clocks(T0, 10) == []
        await replica.release(held)
        (again,) = await claims_for("r2").due_clocks(T0, 10)
        assert (again.clock.clock_id, again.rev) == ("k0", 0)
