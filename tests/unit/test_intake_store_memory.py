"""Intake's in-memory store held to the same contract as the real one (no server)."""

from __future__ import annotations

import pytest

from sprg_intake.adapters.memory import InMemoryCaseStore
from tests.intake_store_contract import CaseStoreContract


class TestInMemoryCaseStore(CaseStoreContract):
    @pytest.fixture
    def store(self) -> InMemoryCaseStore:
        return InMemoryCaseStore()
