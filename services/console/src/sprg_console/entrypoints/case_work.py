"""Every case-work form (Rapid Review, LCSPR, Case of Concern triage, escalation stages,
corrections) under one router, so the app registers them in one line."""

from __future__ import annotations

from fastapi import APIRouter

from sprg_console.entrypoints import corrections, lcspr, rapid_review, triage
from sprg_console.entrypoints.workflows import add

router = APIRouter(include_in_schema=False)
for _module in (rapid_review, lcspr, triage, corrections):
    for _workflow in _module.WORKFLOWS:
        add(router, _workflow)
router.include_router(triage.router)  # the list of Cases of Concern
