"""The store ports' contracts (tests/contracts/stores.py) on the store (FerretDB or MongoDB)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from sprg_notifier.adapters.repository import NotifierRepository
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
