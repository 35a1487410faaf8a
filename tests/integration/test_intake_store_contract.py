"""Intake's store adapter (MongoDB protocol, the real store) held to the store contract."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from sprg_intake.adapters.repository import CaseRepository
from tests.intake_store_contract import CaseStoreContract


class TestMongoCaseStore(CaseStoreContract):
    @pytest.fixture
    async def store(self, mongo: Any, run_id: str) -> AsyncIterator[CaseRepository]:
        db = mongo[f"intake_contract_{run_id}"]
        repo = CaseRepository(db)
        await repo.ensure_indexes()
        yield repo
        await mongo.drop_database(db.name)
