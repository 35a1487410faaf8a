"""Every case-work form (Rapid Review, LCSPR, Case of Concern triage, escalation stages,
corrections) under one router, so the app registers them in one line."""

from __future__ import annotations

from fastapi import APIRouter

from sprg_console.entrypoints import corrections, lcspr, rapid_review, triage

router = APIRouter(include_in_schema=False)
for _module in (rapid_review, lcspr, triage, corrections):
    router.include_router(_module.router)
