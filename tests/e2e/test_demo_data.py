"""The demo data `make run` loads reaches the right people: quoracy and publication notices
find the partner's member, the Chair and the press office named by the rules' codes."""

from __future__ import annotations

import subprocess
import sys
from email.message import Message
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry

from sprg_shared import topics
from sprg_shared.auth import Role
from sprg_shared.bus import Producer
from sprg_shared.envelope import envelope_for
from sprg_shared.metrics import bus_metrics
from tests.conftest import bearer, service_env
from tests.e2e.stack import stack_with_mailbox
from tests.e2e.test_skeleton_case import eventually
from tests.integration.test_notifier_routing import decided, forecast_inquorate
from tests.servers import Servers

pytestmark = pytest.mark.e2e

DOMAIN = "demo.example.org"
SPRG = Path(sys.executable).with_name("sprg")


def test_demo_load_fills_a_directory_the_rules_answers_resolve_against(
    servers: Servers, run_id: str, pii_key: str
) -> None:
    env = service_env(servers, run_id, pii_key)
    with stack_with_mailbox(env, f"demo-{run_id}") as (stack, mailbox):
        loaded = subprocess.run(
            [
                str(SPRG),
                "demo",
                "load",
                "--intake",
                stack.url("intake", ""),
                "--notifier",
                stack.url("notifier", ""),
                "--mail-domain",
                DOMAIN,
            ],
            check=False,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert loaded.returncode == 0, loaded.stderr
        assert "directory: 11 agencies" in loaded.stdout

        admin = bearer("cscp", Role.BUSINESS_TEAM)
        agencies = httpx.get(stack.url("notifier", "/v1/directory/agencies"), headers=admin)
        codes = {a["agency_id"]: set(a["codes"]) for a in agencies.json()}
        assert codes["met-police"] == {"police"} and codes["croydon-icb"] == {"icb"}

        producer = Producer(servers.kafka, f"demo-{run_id}", bus_metrics(CollectorRegistry(), "t"))
        meeting, publication = f"mtg-{run_id}", f"pub-{run_id}"
        try:
            # The rules name the Police by their quorum code; the press offices by agency id.
            for event in (
                forecast_inquorate(meeting, "police"),
                decided(
                    "lcspr_publication", publication, {"press_offices_to_tell": ["met-police"]}
                ),
            ):
                producer.send_sync(topics.DECISIONS, envelope_for(event, source="sprg/test"))
        finally:
            producer.close()

        def to(person: str, about: str) -> list[Message]:
            return mailbox.to(f"{person}@{DOMAIN}", about)

        eventually(lambda: to("met-police-di", meeting), "the Police member hears of inquoracy")
        eventually(lambda: to("chair", meeting), "the Chair hears of inquoracy")
        eventually(lambda: to("press-met-police", publication), "the Police press office is told")
        # Only the unrepresented partner's member, and only the named press office.
        assert not to("icb-designated-doctor", meeting)
        assert not to("press-croydon-icb", publication)
