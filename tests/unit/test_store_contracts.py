"""The store ports' contracts (tests/contracts/stores.py) on the in-memory adapters."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sprg_notifier.adapters.memory import MemoryNotifierStore
from sprg_reporting.adapters.memory import MemoryReadModels
from sprg_rules.adapters.memory import MemoryDecisions, MemorySubjects
from sprg_scheduler.adapters.memory import MemoryClaims, MemoryClocks
from tests.contracts.stores import (
    ClaimsFor,
    ClaimStoreContract,
    ClockStoreContract,
    DecisionStoreContract,
    NotifierStoreContract,
    ReadModelsContract,
    SubjectStoreContract,
)


class TestMemoryNotifierStore(NotifierStoreContract):
    @pytest.fixture
    def notifier_store(self) -> MemoryNotifierStore:
        return MemoryNotifierStore()


class TestMemoryReadModels(ReadModelsContract):
    @pytest.fixture
    def read_models(self) -> MemoryReadModels:
        return MemoryReadModels()


class TestMemoryDecisions(DecisionStoreContract):
    @pytest.fixture
    def decisions(self) -> MemoryDecisions:
        return MemoryDecisions()


class TestMemoryClocks(ClockStoreContract):
    @pytest.fixture
    def clocks(self) -> MemoryClocks:
        return MemoryClocks()


class TestMemoryClaims(ClaimStoreContract):
    @pytest.fixture
    def clocks(self) -> MemoryClocks:
        return MemoryClocks()

    @pytest.fixture
    def claims_for(self, clocks: MemoryClocks) -> ClaimsFor:
        return lambda owner: MemoryClaims(clocks, owner, timedelta(seconds=30))


class TestMemorySubjects(SubjectStoreContract):
    @pytest.fixture
    def subjects(self) -> MemorySubjects:
        return MemorySubjects()
