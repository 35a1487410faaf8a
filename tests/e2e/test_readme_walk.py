"""The README's walk, run exactly as written against the five services (issue 13).

The README section "One case and one meeting, from start to finish" holds one shell block
(after the ``readme-walk`` marker): one case from report to Rapid Review to LCSPR to
publication, one meeting from schedule to agenda to attendance to minutes, with curl and
tokens from ``sprg tokens mint``. This test takes that block out of the README, runs it with
bash against a real stack (demo directory loaded as ``make run`` does, e-mail to a real SMTP
server), then checks each step's effect: the decision, the clocks met on the dates the walk
gives, the e-mails, the report's counts, the meeting in the schedule, its agenda and
quoracy. A README that drifts from what the services do fails here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import pytest

from sprg_shared.auth import Role
from tests.conftest import bearer, service_env
from tests.e2e.stack import Stack, stack_with_mailbox
from tests.servers import Servers
from tests.smtp import Mailbox

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
BUSINESS = bearer("cscp", Role.BUSINESS_TEAM)
CHAIR = bearer("croydon-csc", Role.CHAIR, Role.SPRG_MEMBER)
DOMAIN = "cscp-demo.example.org"


def walk_script() -> str:
    """The shell block after the ``readme-walk`` marker in README.md."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- readme-walk:[^>]*-->\s*```sh\n(.*?)\n```", text, re.DOTALL)
    assert found, "README.md has no readme-walk block"
    return found.group(1)


def eventually(check: Callable[[], Any], what: str, deadline_seconds: float = 60) -> Any:
    deadline = time.monotonic() + deadline_seconds
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.5)
    raise AssertionError(f"within {deadline_seconds}s: {what} (last: {last!r})")


@pytest.fixture(scope="module")
def walked(servers: Servers, pii_key: str) -> Iterator[tuple[Stack, Mailbox, str]]:
    # The stack's new consumer groups start 5 s before it does (tests/e2e/stack.py): wait that
    # long after the previous module's stack stopped, so that the summary counts only the
    # cases of this walk and the demo (a clean-clone run counted two incidents posted by the
    # module before it in its last seconds).
    time.sleep(6)
    run_id = "rw" + str(int(time.time() * 1000))[-8:]
    env = service_env(servers, run_id, pii_key)
    env["SPRG_AUTH_AGENCIES_FILE"] = str(REPO / "deploy" / "demo" / "croydon-sprg.json")
    with stack_with_mailbox(env, f"walk-{run_id}") as (stack, mailbox):
        shell = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SPRG_")},
            "SPRG_AUTH_DEV_KEY_FILE": env["SPRG_AUTH_DEV_KEY_FILE"],
            "INTAKE": stack.url("intake", ""),
            "RULES": stack.url("rules", ""),
            "SCHEDULER": stack.url("scheduler", ""),
            "NOTIFIER": stack.url("notifier", ""),
            "REPORTING": stack.url("reporting", ""),
        }
        # What make run does first: the demo partnership (directory, membership, demo cases).
        subprocess.run(
            [str(REPO / ".venv/bin/sprg"), "demo", "load", "--intake", shell["INTAKE"],
             "--notifier", shell["NOTIFIER"]],
            cwd=REPO, env=shell, check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        done = subprocess.run(
            ["bash", "-c", walk_script()],
            check=False,
            cwd=REPO,
            env=shell,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
        yield stack, mailbox, done.stdout


def _printed(out: str, label: str) -> str:
    found = re.search(rf"^{label}: (\S+)$", out, re.MULTILINE)
    assert found, f"the walk printed no {label}"
    return found.group(1)


def _get(stack: Stack, service: str, path: str, **params: str) -> Any:
    r = httpx.get(stack.url(service, path), params=params, headers=BUSINESS, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def _clocks(stack: Stack, subject_id: str) -> dict[str, dict[str, Any]]:
    return {c["kind"]: c for c in _get(stack, "scheduler", "/v1/clocks", case_id=subject_id)}


def _subject(mail: Message) -> str:
    return " ".join(str(mail["Subject"]).split())


def test_the_readme_walk_has_each_steps_effect(walked: tuple[Stack, Mailbox, str]) -> None:
    stack, mailbox, out = walked
    case_id, meeting_id = _printed(out, "case"), _printed(out, "meeting")
    case = _get(stack, "intake", f"/v1/cases/{case_id}", reason="walk")
    reference = case["reference"]
    assert reference.startswith("SIN-2026-")

    # 1. The decision: the Panel must be notified (kept in the history, with its source).
    decisions = _get(stack, "rules", "/v1/decisions", case_id=case_id)
    assert decisions[0]["panel_notification_required"] is True

    # 2-5. Every clock met on the date the walk gave, none late.
    def settled() -> dict[str, dict[str, Any]] | None:
        clocks = _clocks(stack, case_id)
        kinds = (
            "sin_notification",
            "imr_return",
            "rapid_review",
            "rapid_review_conservative",
            "rapid_review_panel_copy",
            "lcspr_prepublication",
            "lcspr_completion",
        )
        met = all(clocks.get(k, {}).get("state") == "met" for k in kinds)
        return clocks if met else None

    clocks = eventually(settled, "the case's clocks met by the walk's steps")
    # Met on the day the notification went to the Panel (the assessment carries the
    # submission's date), not on its due date.
    sin = clocks["sin_notification"]
    assert (sin["met_on"], sin["late"], sin["due"]) == ("2026-09-04", False, "2026-09-08")
    assert clocks["imr_return"]["met_on"] == "2026-09-11" and not clocks["imr_return"]["late"]
    assert clocks["rapid_review"]["met_on"] == "2026-09-18" and not clocks["rapid_review"]["late"]
    copy = clocks["rapid_review_panel_copy"]
    assert (copy["met_on"], copy["late"]) == ("2026-09-21", False)
    assert case["rapid_review"]["copy_to_panel"] == {"state": "sent", "sent_date": "2026-09-21"}
    # 6. Publication: the final report went to the Panel and the Secretary of State by the
    # 7th working day before publication (19 Nov); the report published on 30 Nov completes
    # the LCSPR (commissioned 25 Sep: 6 months, due 25 Mar), its completion clock met then.
    pre, done = clocks["lcspr_prepublication"], clocks["lcspr_completion"]
    assert (pre["due"], pre["met_on"], pre["late"]) == ("2026-11-19", "2026-11-18", False)
    assert (done["due"], done["met_on"], done["late"]) == ("2027-03-25", "2026-11-30", False)

    # The e-mails: the Business Team told of the SIN duty by the case's reference; the
    # police's SPRG member told of the publication, copied to its press office.
    manager = f"cscp-business-manager@{DOMAIN}"
    eventually(
        lambda: [m for m in mailbox.to(manager) if reference in _subject(m)],
        "the Business Team's SIN e-mail",
    )
    published = eventually(
        lambda: mailbox.matching("2026-11-30") or mailbox.matching("30 November 2026"),
        "the publication notice with its planned date",
    )
    told = {str(m["To"]) for m in published} | {str(m["Cc"]) for m in published}
    assert any("press-met-police" in t for t in told), told

    # 7. Reporting counts it: its read model, and the counts across every case.
    def counted() -> dict[str, Any] | None:
        model = httpx.get(
            stack.url("reporting", f"/v1/cases/{case_id}"), headers=BUSINESS, timeout=30
        )
        seen[:] = [model.text]
        if model.status_code != 200 or model.json().get("sin_notification_status") != "met":
            return None
        return dict(model.json())

    seen: list[Any] = []
    try:
        eventually(counted, "the reporting read model of the walked case")
    except AssertionError as exc:
        raise AssertionError(f"{exc}: {seen}") from None

    def published_counted() -> dict[str, Any] | None:
        model = _get(stack, "reporting", f"/v1/cases/{case_id}")
        read = model.get("clocks", {})
        wanted = {
            "sin_notification": ("met", "2026-09-04"),
            "lcspr_prepublication": ("met", "2026-11-18"),
            "lcspr_completion": ("met", "2026-11-30"),
        }
        got = {k: (read.get(k, {}).get("state"), read.get(k, {}).get("met_on")) for k in wanted}
        seen[:] = [got]
        return read if got == wanted else None

    try:
        eventually(published_counted, "reporting: the SIN met on 4 Sep, the LCSPR published")
    except AssertionError as exc:
        raise AssertionError(f"{exc}: {seen}") from None
    summary = _get(stack, "reporting", "/v1/summary")
    demo_cases = len(json.loads((REPO / "deploy" / "demo" / "cases.json").read_text()))
    assert summary["cases_reported"] == demo_cases + 1, summary
    assert summary["sin_met_in_time"] >= 1 and summary["panel_notifications_required"] >= 1

    # 8. One meeting: the meeting intake recorded is in the scheduler's schedule.
    def in_schedule() -> bool:
        schedule = _get(stack, "scheduler", "/v1/duties/schedule")
        return "2026-10-08" in [m["date"] for m in schedule["recorded_meetings"]]

    eventually(in_schedule, "the meeting in the scheduler's schedule")
    # 9. Its agenda lists the LCSPR in progress, and the membership who holds each seat.
    agenda = httpx.get(
        stack.url("intake", f"/v1/meetings/{meeting_id}/agenda"),
        params={"reason": "walk"},
        headers=CHAIR,
        timeout=30,
    ).json()
    assert case_id in [r["case_id"] for r in agenda["lcsprs"]], agenda
    assert agenda["standing_items"][0] == "Summary of reviews"
    seats = {s["seat"]: s for s in _get(stack, "intake", "/v1/membership")}
    assert seats["met_police_detective_inspector"]["held"]

    # 10-11. Attendance against the seats: the rules find the meeting quorate.
    def quorate() -> list[dict[str, Any]]:
        found = _get(stack, "rules", "/v1/decisions", case_id=meeting_id)
        return [d for d in found if d.get("kind") == "meeting"]

    [decision, *_] = eventually(quorate, "the meeting's quoracy decided")
    outcomes = " ".join(str(d.get("outcome")) for d in decision["decisions"])
    assert "quorate" in outcomes and "inquorate" not in outcomes, decision
