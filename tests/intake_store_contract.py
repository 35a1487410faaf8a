"""One contract for both adapters of intake's store (``sprg_intake.adapters.ports``).

``CaseStoreContract`` is run against the in-memory adapter in ``tests/unit`` and against
the real store in ``tests/integration`` (as eventsourcing runs one test class per
recorder): a subclass gives the ``store`` fixture, the tests are the same. What the
handlers rely on is here: an id is taken once, a once-only fact is set once with the event
it owes, copies come back (never the caller's object), records come in the order they were
made with the heavy fields left out, the outbox is drained exactly once, a dead letter's
note is kept once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sprg_intake.adapters.memory import InMemoryPublisher
from sprg_intake.adapters.outbox import OutboxRelay
from sprg_intake.adapters.ports import CaseStore
from sprg_shared.envelope import Envelope
from sprg_shared.ids import new_id
from sprg_shared.store import Document

AT = datetime(2026, 4, 2, 9, 30, 15, 123000, tzinfo=UTC)


def envelope(subject: str) -> Document:
    return Envelope(
        id=new_id(),
        source="sprg/intake",
        type="sprg.sin.submitted.v1",
        subject=subject,
        time=AT,
        data={"case_id": subject},
    ).model_dump(mode="json")


def case(case_id: str, **extra: Any) -> Document:
    event = envelope(case_id)
    return {
        "_id": case_id,
        "type": "incident",
        "agency": "croydon-csc",
        "created_at": AT,
        "personal": {"sealed": "x"},
        "facts": {"aware_date": "2026-04-02"},
        "outbox": {event["id"]: {"topic": "sprg.intake", "envelope": event, "sent_at": None}},
        "outbox_pending": [event["id"]],
        **extra,
    }


def record(record_id: str, subject_id: str, kind: str, seq: int, at: datetime) -> Document:
    return {
        "_id": record_id,
        "kind": kind,
        "subject_id": subject_id,
        "seq": seq,
        "agency": "croydon-csc",
        "created_at": at,
        "idem": f"idem-{record_id}",
        "facts": {"n": seq},
        "attachments": [{"content": "big"}],
        "outbox": {},
        "outbox_pending": [],
    }


class CaseStoreContract:
    """Subclasses provide ``store``: an empty store (a fresh database for the real one)."""

    async def test_a_case_id_is_taken_once_and_comes_back_as_a_copy(self, store: CaseStore) -> None:
        first = case(new_id())
        assert await store.insert(first) is True
        assert await store.insert({**first, "agency": "met-police"}) is False
        got = await store.get(first["_id"])
        assert got is not None and got["agency"] == "croydon-csc"
        assert got["created_at"] == AT
        got["agency"] = "changed"
        again = await store.get(first["_id"])
        assert again is not None and again["agency"] == "croydon-csc"
        assert await store.get("no-such-case") is None

    async def test_a_once_only_fact_is_set_once_with_the_event_it_owes(
        self, store: CaseStore
    ) -> None:
        c = case(new_id(), outbox={}, outbox_pending=[])
        await store.insert(c)
        entry = {"topic": "sprg.intake", "envelope": envelope(c["_id"]), "sent_at": None}
        value = {"submitted_date": "2026-04-07"}
        assert await store.record_fact(c["_id"], "sin_submission", value, "e1", entry) is True
        assert not await store.record_fact(
            c["_id"], "sin_submission", {"submitted_date": "2026-04-08"}, "e2", entry
        )
        assert not await store.record_fact("no-such-case", "sin_submission", value, "e3", entry)
        got = await store.get(c["_id"])
        assert got is not None
        assert got["sin_submission"] == value
        assert got["outbox_pending"] == ["e1"]
        assert set(got["outbox"]) == {"e1"}

    async def test_records_come_in_the_order_made_without_their_documents(
        self, store: CaseStore
    ) -> None:
        subject = new_id()
        later = record(f"{subject}:b", subject, "request", 2, AT + timedelta(seconds=1))
        earlier = record(f"{subject}:a", subject, "request", 1, AT)
        other = record(f"{subject}:c", subject, "return", 1, AT + timedelta(seconds=2))
        for r in (later, earlier, other):
            assert await store.insert_record(r) is True
        assert await store.insert_record({**earlier, "facts": {"n": 9}}) is False
        found = await store.records_for(subject, "request")
        assert [r["_id"] for r in found] == [earlier["_id"], later["_id"]]
        assert all("attachments" not in r for r in found)
        assert [r["_id"] for r in await store.records_for(subject)] == [
            earlier["_id"],
            later["_id"],
            other["_id"],
        ]
        kinds = [
            r["_id"] for r in await store.records_of_kind("return") if r["subject_id"] == subject
        ]
        assert kinds == [other["_id"]]
        full = await store.get_record(earlier["_id"])
        assert full is not None and full["attachments"] == [{"content": "big"}]
        by_idem = await store.record_by_idem(f"idem-{later['_id']}")
        assert by_idem is not None and by_idem["_id"] == later["_id"]
        assert await store.record_by_idem("no-such-key") is None

    async def test_incident_cases_leave_out_the_sealed_words_and_the_outbox(
        self, store: CaseStore
    ) -> None:
        c = case(new_id())
        await store.insert(c)
        listed = [x for x in await store.incident_cases() if x["_id"] == c["_id"]]
        assert len(listed) == 1
        assert "personal" not in listed[0] and "outbox" not in listed[0]
        assert listed[0]["agency"] == "croydon-csc"

    async def test_cases_are_found_newest_first_by_agency_reference_and_date(
        self, store: CaseStore
    ) -> None:
        tag = new_id()
        made = [
            case(f"{tag}-{n}", reference=f"SIN-{tag}-{n}", agency=agency, created_at=at)
            for n, (agency, at) in enumerate(
                [
                    ("croydon-csc", AT),
                    ("met-police", AT + timedelta(days=1)),
                    ("croydon-csc", AT + timedelta(days=2)),
                ]
            )
        ]
        for c in made:
            await store.insert(c)

        async def ids(**kw: Any) -> list[str]:
            found = await store.find_cases(**kw)
            return [str(c["_id"]) for c in found if str(c["_id"]).startswith(tag)]

        assert await ids() == [f"{tag}-2", f"{tag}-1", f"{tag}-0"]
        assert await ids(agency="croydon-csc") == [f"{tag}-2", f"{tag}-0"]
        assert await ids(terms=[f"SIN-{tag}-1"]) == [f"{tag}-1"]
        assert await ids(terms=[f"{tag}-0"]) == [f"{tag}-0"]
        day = AT + timedelta(days=1)
        assert await ids(reported_from=day) == [f"{tag}-2", f"{tag}-1"]
        assert await ids(reported_to=day) == [f"{tag}-0"]
        listed = await store.find_cases(terms=[f"{tag}-0"])
        assert "personal" not in listed[0] and "outbox" not in listed[0]
        sealed = await store.find_cases(terms=[f"{tag}-0"], sealed=True)
        assert sealed[0]["personal"] == {"sealed": "x"} and "outbox" not in sealed[0]

    async def test_the_relay_publishes_each_pending_event_once(self, store: CaseStore) -> None:
        c = case(new_id())
        await store.insert(c)
        r = record(f"{c['_id']}:r", c["_id"], "tag", 1, AT)
        r_event = envelope(c["_id"])
        r["outbox"] = {
            r_event["id"]: {"topic": "sprg.intake", "envelope": r_event, "sent_at": None}
        }
        r["outbox_pending"] = [r_event["id"]]
        await store.insert_record(r)
        publisher = InMemoryPublisher()
        relay = OutboxRelay(store, publisher, poll_seconds=1)
        assert await relay.drain() >= 2
        sent = {e.id for e in publisher.on("sprg.intake")}
        assert {*c["outbox_pending"], r_event["id"]} <= sent
        mine = [p for p in await store.with_pending_outbox(100) if p["_id"] in (c["_id"], r["_id"])]
        assert mine == []
        got = await store.get(c["_id"])
        assert got is not None and got["outbox_pending"] == []
        assert all(e["sent_at"] is not None for e in got["outbox"].values())
        before = len(publisher.published)
        await relay.drain()
        assert len(publisher.published) == before

    async def test_a_dead_letters_note_is_kept_once_per_event(self, store: CaseStore) -> None:
        subject = new_id()
        note = {"subject_id": subject, "event_type": "t", "service": "s", "reason": "r", "at": AT}
        await store.note_not_processed("dl-1", note)
        await store.note_not_processed("dl-1", {**note, "reason": "again"})
        await store.note_not_processed("dl-2", {**note, "at": AT + timedelta(minutes=1)})
        found = await store.not_processed_for(subject)
        assert [(n["reason"], n["at"]) for n in found] == [
            ("r", AT),
            ("r", AT + timedelta(minutes=1)),
        ]
        assert await store.not_processed_for("nothing-here") == []

    async def test_a_note_cleared_after_its_replay_is_no_longer_shown(
        self, store: CaseStore
    ) -> None:
        subject = new_id()
        base = {"subject_id": subject, "service": "g", "reason": "r", "at": AT}
        await store.note_not_processed("dl-a", {**base, "event_type": "t", "event_id": "e1"})
        await store.note_not_processed("dl-b", {**base, "event_type": "t", "event_id": "e1"})
        await store.note_not_processed("dl-c", {**base, "event_type": "t", "event_id": "e2"})
        await store.clear_not_processed(
            note_id="dl-a", event_id="e1", service="g", at=AT, detail={"replayed_to_offset": 7}
        )
        left = await store.not_processed_for(subject)
        assert [n["event_id"] for n in left] == ["e2"]

    async def test_records_are_found_by_kind_and_fields_without_their_heavy_parts(
        self, store: CaseStore
    ) -> None:
        tag = new_id()

        def listed(rid: str, kind: str, at: datetime, **facts: Any) -> Document:
            r = record(f"{tag}:{rid}", f"{tag}:{facts.pop('subject', rid)}", kind, 1, at)
            r["facts"] = {"tag": tag, **facts}
            r["result"] = {"big": "answer"}
            r["sealed"] = "the words, sealed"
            return r

        ask_csc = listed("q1", "information_request", AT, agency="csc", due_date="2026-05-01")
        ask_police = listed(
            "q2",
            "information_request",
            AT + timedelta(seconds=1),
            agency="police",
            due_date="2026-06-01",
            reference="SIN-2026-0042",
        )
        undated = listed("q3", "information_request", AT + timedelta(seconds=2), agency="csc")
        answer = listed("a1", "return", AT + timedelta(seconds=3), subject="q1")
        for r in (ask_police, undated, ask_csc, answer):
            assert await store.insert_record(r) is True

        async def ids(*kinds: str, **kw: Any) -> list[str]:
            found = await store.find_records(
                kinds, where={"facts.tag": [tag], **kw.pop("where", {})}, **kw
            )
            assert all(
                not {"attachments", "outbox", "result", "request_fingerprint"} & set(r)
                for r in found
            )
            return [r["_id"].removeprefix(f"{tag}:") for r in found]

        assert await ids("information_request") == ["q1", "q2", "q3"]
        assert await ids("information_request", "return") == ["q1", "q2", "q3", "a1"]
        assert await ids("information_request", where={"facts.agency": ["csc"]}) == ["q1", "q3"]
        assert await ids("information_request", where={"facts.agency": ["nobody"]}) == []
        reference = {"subject_id": ["SIN-2026-0042"], "facts.reference": ["SIN-2026-0042"]}
        assert await ids("information_request", any_of=reference) == ["q2"]
        by_case = {"subject_id": [f"{tag}:q1"], "facts.reference": [f"{tag}:q1"]}
        assert await ids("information_request", any_of=by_case) == ["q1"]
        assert await ids("return", where={"subject_id": [f"{tag}:q1", f"{tag}:q2"]}) == ["a1"]
        due = "facts.due_date"
        assert await ids("information_request", within={due: ("2026-05-01", None)}) == ["q1", "q2"]
        assert await ids("information_request", within={due: (None, "2026-05-31")}) == ["q1"]
        assert await ids("information_request", within={due: ("2026-05-02", "2026-06-01")}) == [
            "q2"
        ]
        assert await ids("information_request", within={due: (None, None)}) == ["q1", "q2", "q3"]
        full = await store.get_record(ask_csc["_id"])
        assert full is not None and full["result"] == {"big": "answer"}
        assert all("sealed" not in r for r in await store.find_records(["return"]))
        with_seal = await store.find_records(["return"], where={"facts.tag": [tag]}, sealed=True)
        assert [r["sealed"] for r in with_seal] == ["the words, sealed"]
