"""The store ports' contracts (tests/contracts/stores.py) on the store (FerretDB or MongoDB)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from sprg_notifier.adapters.repository import NotifierRepository
from sprg_notifier.domain.directory import Agency, Person
from sprg_notifier.domain.render import Templates
from sprg_notifier.domain.subscriptions import load_subscriptions
from sprg_reporting.adapters.repository import ReadModels
from sprg_rules.adapters.repository import DecisionRepository
from sprg_rules.adapters.subjects import SubjectRepository
from sprg_scheduler.adapters.claims import FiringClaims
from sprg_scheduler.adapters.repository import ClockRepository
from tests.contracts.stores import (
    ClaimsFor,
    ClaimStoreContract,
    ClockStoreContract,
    DecisionStoreContract,
    NotifierStoreContract,
    ReadModelsContract,
    SubjectStoreContract,
)

pytestmark = pytest.mark.integration
Mongo = AsyncMongoClient[Any]


class TestNotifierRepository(NotifierStoreContract):
    @pytest.fixture
    async def notifier_store(self, mongo: Mongo, run_id: str) -> NotifierRepository:
        store = NotifierRepository(mongo[f"t{run_id}_notifier"])
        await store.ensure_indexes()
        return store

    async def test_a_directory_change_through_one_replica_is_read_at_once_by_another(
        self, mongo: Mongo, run_id: str
    ) -> None:
        """Each replica keeps the directory and subscriptions it read; a write through
        either replica is seen by the other's next read, not after some delay."""
        db = mongo[f"t{run_id}_notifier_replicas"]
        one, two = NotifierRepository(db), NotifierRepository(db)
        person = Person(
            person_id="bt", name="BT", email="bt@example.org", agency="cscp",
            roles=frozenset({"business_team"}),
        )  # fmt: skip
        await one.put_person(person)
        assert [p.person_id for p in await two.people()] == ["bt"]  # two reads and keeps
        await one.put_person(person.model_copy(update={"email": "team@example.org"}))
        await one.put_agency(Agency(agency_id="cscp", name="CSCP"))
        assert [str(p.email) for p in await two.people()] == ["team@example.org"]
        assert [a.agency_id for a in await two.agencies()] == ["cscp"]
        await one.put_agency(Agency(agency_id="cscp", name="Croydon SCP"))
        assert [a.name for a in (await two.directory()).agencies] == ["Croydon SCP"]
        await two.seed_subscriptions(load_subscriptions(Templates().names()).subscriptions)
        shipped = await one.subscriptions()
        other = "clock_reminder" if shipped[0].template != "clock_reminder" else "clock_breached"
        changed = shipped[0].model_copy(update={"template": other})
        await two.put_subscription(changed)
        assert (await one.subscriptions())[0] == changed


class TestReadModels(ReadModelsContract):
    @pytest.fixture
    async def read_models(self, mongo: Mongo, run_id: str) -> ReadModels:
        store = ReadModels(mongo[f"t{run_id}_reporting"])
        await store.ensure_indexes()
        return store


class TestDecisionRepository(DecisionStoreContract):
    @pytest.fixture
    async def decisions(self, mongo: Mongo, run_id: str) -> DecisionRepository:
        store = DecisionRepository(mongo[f"t{run_id}_rules"])
        await store.ensure_indexes()
        return store


class TestClockRepository(ClockStoreContract):
    @pytest.fixture
    async def clocks(self, mongo: Mongo, run_id: str) -> ClockRepository:
        store = ClockRepository(mongo[f"t{run_id}_scheduler"])
        await store.ensure_indexes()
        return store


class TestFiringClaims(ClaimStoreContract):
    @pytest.fixture
    async def clocks(self, mongo: Mongo, run_id: str) -> ClockRepository:
        store = ClockRepository(mongo[f"t{run_id}_scheduler"])
        await store.ensure_indexes()
        return store

    @pytest.fixture
    def claims_for(self, clocks: ClockRepository) -> ClaimsFor:
        return lambda owner: FiringClaims(clocks, owner, timedelta(seconds=30))


class TestSubjectRepository(SubjectStoreContract):
    @pytest.fixture
    async def subjects(self, mongo: Mongo, run_id: str) -> SubjectRepository:
        store = SubjectRepository(mongo[f"t{run_id}_rules"])
        await store.ensure_indexes()
        return store
