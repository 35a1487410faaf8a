"""The rules decide from what intake publishes beyond the first report: corrections,
closures, Cases of Concern, escalations, meeting attendance and LCSPR factors.

The rules service runs for real; the facts arrive as events on the real broker, as
intake publishes them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import resources
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry

from sprg_rules.bootstrap import build
from sprg_rules.settings import RulesSettings
from sprg_shared.auth import Role
from sprg_shared.bus import Producer
from sprg_shared.contracts.intake import (
    CaseOfConcernReferred,
    CaseOfConcernTriaged,
    ChildFacts,
    EscalationRecorded,
    EscalationStep,
    FactorRecord,
    IncidentCorrected,
    IncidentFacts,
    IncidentReported,
    LcsprFactorsRecorded,
    MeetingAttendanceRecorded,
    MeetingMember,
    RapidReviewClosed,
)
from sprg_shared.envelope import EventData, envelope_for
from sprg_shared.metrics import bus_metrics
from tests.conftest import bearer
from tests.http_server import serving
from tests.servers import Servers

pytestmark = pytest.mark.integration

BT = bearer("cscp", Role.BUSINESS_TEAM)
AT = datetime(2026, 4, 20, 10, tzinfo=UTC)


@dataclass
class Rules:
    client: httpx.AsyncClient
    producer: Producer
    run_id: str

    async def send(self, event: EventData) -> None:
        await self.producer.publish(event.TOPIC, envelope_for(event, source="sprg/intake"))

    async def decisions(self, subject_id: str, count: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        async with asyncio.timeout(60):
            while len(found) < count:
                await asyncio.sleep(0.2)
                reply = await self.client.get(
                    "/v1/decisions", params={"case_id": subject_id}, headers=BT
                )
                found = reply.json()
        return found

    def id(self, name: str) -> str:
        return f"{name}-{self.run_id}"


@pytest.fixture
async def rules(servers: Servers, run_id: str) -> AsyncIterator[Rules]:
    settings = RulesSettings(
        kafka_bootstrap_servers=servers.kafka,
        mongodb_url=servers.mongodb,
        http_port=0,
        database=f"t{run_id}_rules",
        consumer_group=f"t{run_id}-rules",
    )
    producer = Producer(servers.kafka, "test", bus_metrics(CollectorRegistry(), "test"))
    async with (
        serving(build(settings)) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as client,
    ):
        yield Rules(client, producer, run_id)
    producer.close()


def clocks(decision: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["kind"]: c for c in decision["clocks"]}


INCIDENT = IncidentFacts(
    kind="death", date=date(2026, 3, 28), location="in_area", abuse_or_neglect="suspected"
)
CHILD = ChildFacts(
    age_years=6, looked_after=False, care_leaver=False, normally_resident_in_area=True
)


async def test_a_corrected_awareness_date_moves_the_clocks_and_a_closure_closes_the_review(
    rules: Rules,
) -> None:
    case = rules.id("case")
    await rules.send(
        IncidentReported(
            case_id=case,
            reference="SPRG-T-1",
            reporting_agency="croydon-csc",
            reported_at=AT,
            aware_date=date(2026, 4, 2),
            incident=INCIDENT,
            children=(CHILD,),
        )
    )
    first = (await rules.decisions(case, 1))[0]
    # Thursday 2 April 2026; Good Friday and Easter Monday are not counted.
    assert clocks(first)["sin_notification"]["due"] == "2026-04-13"

    await rules.send(
        IncidentCorrected(
            case_id=case,
            correction_id="c1",
            corrected_fields=("aware_date",),
            previous_aware_date=date(2026, 4, 2),
            aware_date=date(2026, 3, 30),
            incident=INCIDENT,
            children=(CHILD,),
            corrected_at=AT,
            corrected_by_agency="croydon-csc",
        )
    )
    second = (await rules.decisions(case, 2))[1]
    assert clocks(second)["sin_notification"]["due"] == "2026-04-08"
    assert second["facts"]["aware_date"] == "2026-03-30"

    await rules.send(
        RapidReviewClosed(
            case_id=case, closed_date=date(2026, 4, 9), reason="criteria_not_met", recorded_at=AT
        )
    )
    third = (await rules.decisions(case, 3))[2]
    assert third["facts"]["criteria_not_met_date"] == "2026-04-09"
    assert third["facts"]["aware_date"] == "2026-03-30"  # the correction is kept
    assert third["rapid_review_required"] is False


async def test_a_case_of_concern_is_routed_once_its_referral_and_triage_are_both_known(
    rules: Rules,
) -> None:
    coc = rules.id("coc")
    # The triage arrives first (another partition, a slow producer): nothing to decide yet.
    await rules.send(
        CaseOfConcernTriaged(
            coc_id=coc,
            triage="list_for_meeting",
            meeting="sprg",
            triaged_date=date(2026, 4, 14),
            triaged_at=AT,
        )
    )
    await rules.send(
        CaseOfConcernReferred(
            coc_id=coc,
            reference="COC-T-1",
            referring_agency="croydon-health",
            referred_date=date(2026, 4, 10),
            meets_sin_criteria=False,
            meets_spr_criteria=False,
            referred_at=AT,
        )
    )
    (decision,) = await rules.decisions(coc, 1)
    assert decision["kind"] == "case_of_concern"
    assert decision["answer"]["route"] == "listed_for_meeting"
    assert decision["answer"]["meeting"] == "sprg"
    assert decision["rulepack"]["id"] and decision["decisions"]


async def test_an_escalation_at_stage_three_is_tracked_with_its_stage_clock(rules: Rules) -> None:
    escalation = rules.id("esc")
    await rules.send(
        EscalationRecorded(
            escalation_id=escalation,
            reference="ESC-T-1",
            raised_by_agency="croydon-police",
            with_agency="croydon-csc",
            stage=3,
            stage_started_date=date(2026, 4, 13),
            history=(
                EscalationStep(stage=1, started_date=date(2026, 3, 2)),
                EscalationStep(stage=3, started_date=date(2026, 4, 13)),
            ),
            recorded_at=AT,
        )
    )
    (decision,) = await rules.decisions(escalation, 1)
    assert decision["answer"]["tracked"] is True
    stage_clock = clocks(decision)["escalation_stage"]
    assert stage_clock["anchor_date"] == "2026-04-13" and stage_clock["due"] > "2026-04-13"


async def test_apologies_from_the_police_forecast_an_inquorate_meeting(rules: Rules) -> None:
    meeting = rules.id("meeting")
    await rules.send(
        MeetingAttendanceRecorded(
            meeting_id=meeting,
            meeting_date=date(2026, 5, 12),
            as_of=date(2026, 5, 5),
            members=(
                MeetingMember(role="Head of Safeguarding", partner="csc", attendance="expected"),
                MeetingMember(role="Designated Nurse", partner="icb", attendance="expected"),
                MeetingMember(
                    role="Detective Superintendent",
                    partner="police",
                    attendance="apologies",
                    apologies_received_date=date(2026, 5, 4),
                ),
            ),
            recorded_at=AT,
        )
    )
    (decision,) = await rules.decisions(meeting, 1)
    assert decision["answer"]["forecast_inquorate"] is True
    assert [p["partner"] for p in decision["answer"]["unrepresented"]] == ["police"]


async def test_lcspr_factors_give_a_recommendation_with_every_factor_explained(
    rules: Rules,
) -> None:
    case = rules.id("lcspr")
    present = {"improvements_needed", "agencies_working_together"}
    names = (
        "improvements_needed", "recurrent_themes", "agencies_working_together",
        "panel_local_review", "improvements_previously_identified", "single_agency",
        "no_agency_involvement", "several_areas",
    )  # fmt: skip
    await rules.send(
        LcsprFactorsRecorded(
            case_id=case,
            serious_child_safeguarding_case=True,
            factors={name: FactorRecord(present=name in present) for name in names},
            recorded_at=AT,
        )
    )
    (decision,) = await rules.decisions(case, 1)
    answer = decision["answer"]
    assert {f["factor"] for f in answer["factors"] if f["present"]} == present
    assert answer["recommendation"]["outcome"]
    assert "people decide" in answer["decided_by"]


async def test_diff_of_an_escalation_pack_shows_the_stage_clocks_it_would_move(
    rules: Rules,
) -> None:
    escalation = rules.id("esc4")
    await rules.send(
        EscalationRecorded(
            escalation_id=escalation,
            reference="ESC-T-4",
            raised_by_agency="croydon-health",
            with_agency="croydon-csc",
            stage=4,
            stage_started_date=date(2026, 4, 13),
            history=(EscalationStep(stage=4, started_date=date(2026, 4, 13)),),
            recorded_at=AT,
        )
    )
    (decision,) = await rules.decisions(escalation, 1)
    assert clocks(decision)["escalation_stage"]["due"] == "2026-04-20"

    shipped = resources.files("sprg_rules.packs").joinpath("escalation.yaml").read_text()
    stage_4 = "name: heads of service\n      formal: true\n"
    start = shipped.index(stage_4)
    five = shipped.index("resolve_within_working_days: 5", start)
    candidate = (shipped[:five] + "resolve_within_working_days: 10" + shipped[five + 30 :]).replace(
        'version: "2026.1"', 'version: "2026.9"'
    )
    admin = bearer("cscp", Role.RULES_ADMIN)
    reply = await rules.client.post("/v1/rulepacks/diff", content=candidate, headers=admin)
    assert reply.status_code == 200, reply.text
    diff = reply.json()
    # (a new consumer group replays the topic: escalations of earlier runs are compared too)
    assert diff["cases_compared"] >= 1 and diff["cases_changed"] >= 1
    changes = {c["field"]: c for c in diff["changes"] if c["case_id"] == escalation}
    assert set(changes) == {"clocks", "stage"}  # the clock, and the stage row quoted
    assert changes["stage"]["after"]["resolve_within_working_days"] == 10
    change = changes["clocks"]
    assert change["before"]["escalation_stage"]["due"] == "2026-04-20"
    assert change["after"]["escalation_stage"]["due"] == "2026-04-27"
