"""Configuration tables a pack may carry: data the decisions read, not rules.

- ``escalation_stages``: the Escalation and Resolution Policy's stages, each with its
  parties and timescale (domain.md section 7: "a configurable table").
- ``coc_approaches``: the approaches the SPRG may choose for a Case of Concern.
- ``quorum_partners``: the partners whose attendance makes an SPRG meeting quorate.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sprg_rules.domain.subject_facts import PARTNERS, CocApproach, Partner

_MODEL = ConfigDict(frozen=True, extra="forbid")


class EscalationStage(BaseModel):
    model_config = _MODEL

    stage: int = Field(ge=1, le=9)
    name: str = Field(min_length=1)
    formal: bool
    parties: tuple[str, ...] = Field(min_length=1)
    resolve_within_working_days: int = Field(ge=1, le=60)
    source: str = Field(min_length=1)


class Approach(BaseModel):
    model_config = _MODEL

    id: CocApproach
    title: str = Field(min_length=1)
    description: str = Field(min_length=1)


class QuorumPartner(BaseModel):
    model_config = _MODEL

    id: Partner
    name: str = Field(min_length=1)


class Tables(BaseModel):
    model_config = _MODEL

    escalation_stages: tuple[EscalationStage, ...] = ()
    coc_approaches: tuple[Approach, ...] = ()
    quorum_partners: tuple[QuorumPartner, ...] = ()

    def stage(self, number: int) -> EscalationStage | None:
        return next((row for row in self.escalation_stages if row.stage == number), None)

    def approach(self, approach_id: str) -> Approach | None:
        return next((row for row in self.coc_approaches if row.id == approach_id), None)


_NEEDS = {
    "escalation_stages": "escalation",
    "coc_approaches": "case_of_concern",
    "quorum_partners": "meeting",
}


def check_tables(subject: str, tables: Tables) -> None:
    """Each table belongs to one subject, which needs it complete."""
    for table, owner in _NEEDS.items():
        rows = getattr(tables, table)
        if bool(rows) != (subject == owner):
            msg = f"tables.{table}: belongs to (and is required by) packs about {owner}"
            raise ValueError(msg)
    stages = [row.stage for row in tables.escalation_stages]
    if stages and stages != list(range(1, len(stages) + 1)):
        msg = f"tables.escalation_stages: stages must be 1, 2, 3... in order, got {stages}"
        raise ValueError(msg)
    approaches = [row.id for row in tables.coc_approaches]
    if len(set(approaches)) != len(approaches):
        msg = "tables.coc_approaches: an approach is listed twice"
        raise ValueError(msg)
    partners = sorted(row.id for row in tables.quorum_partners)
    if partners and partners != sorted(PARTNERS):
        msg = f"tables.quorum_partners: name each of {', '.join(PARTNERS)} once, got {partners}"
        raise ValueError(msg)
