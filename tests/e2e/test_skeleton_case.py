"""One serious incident travels through all five services for real: HTTP in, e-mail out, counted."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry

from sprg_shared import topics
from sprg_shared.auth import Role
from sprg_shared.bus import Producer
from sprg_shared.contracts.intake import ChildFacts, IncidentFacts, IncidentReported
from sprg_shared.envelope import envelope_for
from sprg_shared.metrics import bus_metrics
from sprg_shared.tracing import trace_id
from tests.conftest import bearer, dev_key_file, service_env
from tests.e2e.stack import running_stack, stack_with_mailbox
from tests.integration.test_rulepack_lifecycle import awareness_anchored
from tests.servers import Servers

pytestmark = pytest.mark.e2e

PLANTED_NAME = "Zebedee Quillfeather"


token = bearer


def subject(mail: Message) -> str:
    return " ".join(str(mail["Subject"]).split())


def json_lines(text: str) -> list[dict[str, Any]]:
    lines = []
    for raw in text.splitlines():
        try:
            lines.append(json.loads(raw))
        except ValueError:
            continue
    return [line for line in lines if isinstance(line, dict)]


def eventually(check: Callable[[], Any], what: str, deadline_seconds: float = 60) -> Any:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.25)
    raise AssertionError(f"within {deadline_seconds}s: {what}")


def test_reported_incident_is_assessed_clocked_emailed_and_counted(
    servers: Servers, run_id: str, pii_key: str
) -> None:
    env = service_env(servers, run_id, pii_key)
    with stack_with_mailbox(env, f"skeleton-{run_id}") as (stack, mailbox):
        business = token("cscp", Role.BUSINESS_TEAM)
        put = httpx.put(
            stack.url("notifier", "/v1/directory/people/bt-1"),
            headers=business,
            json={
                "person_id": "bt-1",
                "name": "CSCP Business Team",
                "email": "business.team@cscp.example.org",
                "agency": "cscp",
                "roles": ["business_team"],
            },
        )
        assert put.status_code == 200, put.text

        report = {
            "aware_date": "2026-04-02",
            "event": {
                "kind": "death",
                "date": "2026-04-01",
                "location": "in_area",
                "abuse_or_neglect": "suspected",
            },
            "children": [
                {
                    "name": PLANTED_NAME,
                    "date_of_birth": "2022-02-22",
                    "looked_after": False,
                    "care_leaver": False,
                    "normally_resident_in_area": True,
                }
            ],
        }
        posted = httpx.post(
            stack.url("intake", "/v1/incidents"),
            json=report,
            headers=token("croydon-csc", Role.AGENCY_SUBMITTER),
        )
        assert posted.status_code == 201, posted.text
        case_id = posted.json()["case_id"]
        trace = trace_id(posted.headers.get("traceparent"))
        assert trace, "intake answers with the request's W3C traceparent"

        def titled(start: str) -> list[Message]:
            return [m for m in mailbox.matching(case_id) if subject(m).startswith(start)]

        reference = posted.json()["reference"]
        mails = eventually(
            lambda: titled("Serious incident notification for"),
            "the Business Team is told a SIN is due",
        )
        assert mails[0]["To"] == "business.team@cscp.example.org"
        # 5 working days after 2 April 2026, over Easter; the case named by its reference
        assert subject(mails[0]) == (
            f"Serious incident notification for {reference} due 13 April 2026"
        )
        # ...a date long past, so the scheduler chases it as overdue at once.
        eventually(
            lambda: titled(
                f"OVERDUE: Serious incident notification to the National Panel for {reference}"
                " was due 13 April 2026"
            ),
            "the overdue SIN is chased",
        )
        for mail in mailbox.matching(case_id):
            assert PLANTED_NAME not in mail.as_string()

        # The Business Team's own deadlines become clocks too: an IMR asked of the police
        # (its own clock, beside the case's statutory ones) and an escalation's stage target
        # (the rules' stage table, via the escalation decision).
        imr = httpx.post(
            stack.url("intake", f"/v1/cases/{case_id}/information-requests"),
            json={
                "agency": "met-police",
                "kind": "imr",
                "requested_date": "2026-04-09",
                "due_date": "2026-04-23",
            },
            headers=business,
        )
        assert imr.status_code == 201, imr.text
        raised = httpx.post(
            stack.url("intake", "/v1/escalations"),
            json={
                "with_agency": "croydon-health",
                "stage": 3,
                "stage_started_date": "2026-05-01",
                "summary": "threshold disagreement",
            },
            headers=business,
        )
        assert raised.status_code == 201, raised.text

        def clocks_of(subject_id: str, kind: str) -> list[dict[str, Any]]:
            r = httpx.get(
                stack.url("scheduler", "/v1/clocks"),
                params={"case_id": subject_id},
                headers=business,
            )
            return [c for c in r.json() if c["kind"] == kind] if r.status_code == 200 else []

        (imr_clock,) = eventually(lambda: clocks_of(case_id, "imr_return"), "the IMR is clocked")
        assert (imr_clock["key"], imr_clock["due"]) == (imr.json()["record_id"], "2026-04-23")
        escalation_id = raised.json()["escalation_id"]
        (stage,) = eventually(
            lambda: clocks_of(escalation_id, "escalation_stage"), "the stage target is clocked"
        )
        assert stage["anchor_date"] == "2026-05-01" and stage["due"] > "2026-05-01"
        # The SIN clock still stands beside them: the request did not disturb the case's own.
        assert clocks_of(case_id, "sin_notification")[0]["state"] != "stopped"

        def reported_case() -> dict[str, Any] | None:
            r = httpx.get(stack.url("reporting", f"/v1/cases/{case_id}"), headers=business)
            body = r.json() if r.status_code == 200 else {}
            return (
                body
                if body.get("notifications") and body.get("panel_notification_required")
                else None
            )

        view = eventually(reported_case, "reporting shows the case, its decision and notification")
        assert view["clocks"]["sin_notification"]["due"] == "2026-04-13"
        summary = httpx.get(stack.url("reporting", "/v1/summary"), headers=business).json()
        assert summary["cases_reported"] >= 1
        assert summary["panel_notifications_required"] >= 1

        for service in ("intake", "rules", "scheduler", "notifier", "reporting"):
            assert PLANTED_NAME not in stack.log_text(service), f"child's name in {service}'s log"
            # The case can be followed by its trace id through every service's JSON logs.
            traced = [
                line
                for line in json_lines(stack.log_text(service))
                if line.get("trace_id") == trace
            ]
            assert traced, f"no log line of {service} carries the report's trace id {trace}"


def test_a_newly_activated_pack_decides_the_next_case_without_any_restart(
    servers: Servers, run_id: str, pii_key: str, tmp_path: Path
) -> None:
    env = service_env(servers, run_id, pii_key)
    with running_stack(env, f"rulepack-{run_id}") as stack:
        version = f"2080.1-{run_id}"
        pack = tmp_path / "pack.yaml"
        pack.write_text(awareness_anchored(version, era=("2080-01-01", "2082-01-01")))
        cli_env = {**env, "SPRG_AUTH_DEV_KEY_FILE": str(dev_key_file())}
        sprg = [sys.executable, "-m", "sprg_cli.main"]
        diff = subprocess.run(
            [*sprg, "rules", "diff", str(pack), "--url", stack.urls["rules"]],
            env=cli_env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert diff.returncode == 0, diff.stderr
        assert "cases_compared" in json.loads(diff.stdout)
        activated = subprocess.run(
            [
                *sprg,
                "rules",
                "activate",
                str(pack),
                "--url",
                stack.urls["rules"],
                "--reason",
                "e2e",
            ],
            env=cli_env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert activated.returncode == 0, activated.stderr

        # A case of the pack's era (2081). Intake refuses a report dated in the future
        # (issue 13), so the agency system's report arrives on the bus as intake would
        # publish it: derived facts only.
        case_id = f"era-{run_id}"
        incident = IncidentReported(
            case_id=case_id,
            reference="SIN-2081-E2E",
            reporting_agency="croydon-csc",
            reported_at=datetime(2081, 4, 2, 9, tzinfo=UTC),
            aware_date=date(2081, 4, 2),
            incident=IncidentFacts(
                kind="serious_harm", date=date(2081, 4, 1), location="in_area",
                abuse_or_neglect="known",
            ),
            children=(
                ChildFacts(age_years=6, looked_after=False, care_leaver=False,
                           normally_resident_in_area=True),
            ),
        )  # fmt: skip
        producer = Producer(servers.kafka, "test", bus_metrics(CollectorRegistry(), "test"))
        try:
            producer.send_sync(topics.INTAKE, envelope_for(incident, source="sprg/test"))
        finally:
            producer.close()
        member = token("cscp", Role.SPRG_MEMBER)

        def decided() -> list[dict[str, Any]]:
            r = httpx.get(
                stack.url("rules", "/v1/decisions"), params={"case_id": case_id}, headers=member
            )
            return list(r.json()) if r.status_code == 200 else []

        decision = eventually(decided, "the case is decided")[0]
        assert decision["rulepack"]["version"] == version
        due = {c["kind"]: c["due"] for c in decision["clocks"]}
        assert due["rapid_review"] == "2081-04-23"  # 15 WD after awareness, the new pack's anchor

        def clocks() -> list[dict[str, Any]]:
            r = httpx.get(
                stack.url("scheduler", "/v1/clocks"), params={"case_id": case_id}, headers=member
            )
            return list(r.json()) if r.status_code == 200 else []

        started = eventually(lambda: len(clocks()) >= 3 and clocks(), "the clocks start")
        assert {c["kind"]: c["due"] for c in started}["rapid_review"] == "2081-04-23"
