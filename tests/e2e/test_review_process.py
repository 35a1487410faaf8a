"""Issue 13: the steps after the decision, through the five services for real.

- A Rapid Review held meets its clocks on the held date; the copy to the Panel is its own
  duty (a clock, shown on the case and in the report); the partners' view travels with it.
- A Rapid Review closed because the SIN criteria were not met closes the SIN clock with
  that reason, supersedes the notification decision (kept in the history) and counts as
  closed in the report.
- Every example in every service's OpenAPI document is accepted and its effect arrives
  downstream (a decision, a clock), not a dead letter.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sprg_shared import topics
from sprg_shared.auth import Role
from sprg_shared.contracts.dead_letters import MessageDeadLettered
from sprg_shared.envelope import Envelope
from tests.conftest import bearer, service_env
from tests.e2e.stack import Stack, running_stack
from tests.integration.kafka_helpers import read_until
from tests.servers import Servers

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
BUSINESS = bearer("cscp", Role.BUSINESS_TEAM)
CHAIR = bearer("met-police", Role.CHAIR, Role.SPRG_MEMBER)
CSC = bearer("croydon-csc", Role.AGENCY_SUBMITTER)
ADMIN = bearer("cscp", Role.RULES_ADMIN, Role.BUSINESS_TEAM)


def eventually(check: Callable[[], Any], what: str, deadline_seconds: float = 60) -> Any:
    deadline = time.monotonic() + deadline_seconds
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.3)
    raise AssertionError(f"within {deadline_seconds}s: {what} (last: {last!r})")


def incident(aware: str = "2026-11-02", day: str = "2026-11-01") -> dict[str, Any]:
    return {
        "aware_date": aware,
        "event": {
            "kind": "death",
            "date": day,
            "location": "in_area",
            "abuse_or_neglect": "suspected",
        },
        "children": [
            {
                "name": "Child Example",
                "date_of_birth": "2019-05-04",
                "looked_after": False,
                "care_leaver": False,
                "normally_resident_in_area": True,
            }
        ],
    }


OUTCOME = {
    "held_date": "2026-11-18",
    "purposes": [
        {"purpose": "gather_facts", "addressed": True},
        {"purpose": "immediate_safety_action", "addressed": True},
        {"purpose": "potential_national_learning", "addressed": True},
        {"purpose": "lcspr_decision", "addressed": True},
    ],
    "recommendation": "lcspr",
    "partners_view": "local_review",
}


@pytest.fixture(scope="module")
def stack(servers: Servers, pii_key: str) -> Iterator[tuple[Stack, str]]:
    run_id = "rp" + str(int(time.time() * 1000))[-8:]
    env = service_env(servers, run_id, pii_key)
    # The partnership's directory: intake refuses an agency it does not know, and the
    # examples must name only agencies it knows.
    env["SPRG_AUTH_AGENCIES_FILE"] = str(REPO / "deploy" / "demo" / "croydon-sprg.json")
    with running_stack(env, f"review-{run_id}") as stack:
        yield stack, run_id


def _clocks(stack: Stack, subject_id: str) -> dict[str, dict[str, Any]]:
    r = httpx.get(
        stack.url("scheduler", "/v1/clocks"),
        params={"case_id": subject_id},
        headers=BUSINESS,
    )
    return {c["kind"]: c for c in r.json()} if r.status_code == 200 else {}


def _post(stack: Stack, service: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    response = httpx.post(stack.url(service, path), json=body, headers=headers, timeout=30)
    assert response.status_code in (200, 201), (path, response.status_code, response.text)
    return response.json()


def _report_case(stack: Stack) -> str:
    return str(_post(stack, "intake", "/v1/incidents", incident(), CSC)["case_id"])


def test_a_held_rapid_review_meets_its_clocks_and_its_copy_to_the_panel_is_its_own_duty(
    stack: tuple[Stack, str],
) -> None:
    s, _ = stack
    case_id = _report_case(s)
    eventually(lambda: "rapid_review" in _clocks(s, case_id), "the Rapid Review is clocked")
    submitted = {"submitted_date": "2026-11-04"}
    _post(s, "intake", f"/v1/cases/{case_id}/sin-submission", submitted, BUSINESS)
    # The submission re-anchors the Rapid Review: 15 working days after 4 November 2026.
    eventually(
        lambda: _clocks(s, case_id)["rapid_review"]["anchor_date"] == "2026-11-04",
        "the Rapid Review re-anchored on the submission",
    )
    _post(s, "intake", f"/v1/cases/{case_id}/rapid-review/outcome", OUTCOME, CHAIR)

    def met() -> dict[str, dict[str, Any]] | None:
        clocks = _clocks(s, case_id)
        kinds = ("rapid_review", "rapid_review_conservative", "rapid_review_panel_copy")
        if not all(k in clocks for k in kinds):
            return None
        held = all(clocks[k]["state"] == "met" for k in kinds[:2])
        return clocks if held else None

    clocks = eventually(met, "both Rapid Review clocks met by the held outcome")
    assert clocks["rapid_review"]["due"] == "2026-11-25"
    assert clocks["rapid_review"]["met_on"] == "2026-11-18" and not clocks["rapid_review"]["late"]
    # 15 working days after awareness (2 November 2026): 23 November.
    assert clocks["rapid_review_conservative"]["due"] == "2026-11-23"
    assert not clocks["rapid_review_conservative"]["late"]
    copy = clocks["rapid_review_panel_copy"]
    # Due one working day after it was held (a date long past: chased as breached already).
    assert copy["state"] in {"open", "breached"}
    assert (copy["anchor_date"], copy["due"]) == ("2026-11-18", "2026-11-19")

    case = httpx.get(
        s.url("intake", f"/v1/cases/{case_id}"), params={"reason": "review"}, headers=BUSINESS
    ).json()
    assert case["rapid_review"]["status"] == "held"
    assert case["rapid_review"]["held"]["partners_view"] == "local_review"
    assert case["rapid_review"]["copy_to_panel"] == {"state": "due", "sent_date": None}

    sent = {"sent_date": "2026-11-20"}
    _post(s, "intake", f"/v1/cases/{case_id}/rapid-review/sent-to-panel", sent, BUSINESS)
    copy = eventually(
        lambda: (c := _clocks(s, case_id)["rapid_review_panel_copy"])["state"] == "met" and c,
        "the copy to the Panel met",
    )
    assert (copy["met_on"], copy["late"]) == ("2026-11-20", True)
    case = httpx.get(
        s.url("intake", f"/v1/cases/{case_id}"), params={"reason": "review"}, headers=BUSINESS
    ).json()
    assert case["rapid_review"]["copy_to_panel"] == {"state": "sent", "sent_date": "2026-11-20"}

    def reported() -> dict[str, Any] | None:
        _post(s, "reporting", "/v1/reports/sprg_bimonthly/2026-11", None, BUSINESS)
        report = httpx.get(
            s.url("reporting", "/v1/reports/sprg_bimonthly/2026-11"), headers=BUSINESS
        ).json()
        rows = {t["name"]: t for t in report["tables"]}["reviews"]["rows"]
        mine = [r for r in rows if r[-1] == "sent 2026-11-20"]
        ready = report["headline"].get("rapid_review_panel_copy_late") == 1
        return report if mine and ready else None

    report = eventually(reported, "the report shows the review held on time and the copy sent")
    head = report["headline"]
    assert head["rapid_review_on_time_pct"] == 100.0 and head["rapid_review_late"] == 0
    assert head["rapid_review_panel_copy_on_time_pct"] == 0.0


def test_criteria_not_met_closes_the_sin_clock_supersedes_the_decision_and_counts_closed(
    stack: tuple[Stack, str],
) -> None:
    s, _ = stack
    case_id = _report_case(s)
    eventually(lambda: "sin_notification" in _clocks(s, case_id), "the SIN is clocked")
    closure = {"closed_date": "2026-11-06", "rationale": "The harm was not serious."}
    _post(s, "intake", f"/v1/cases/{case_id}/rapid-review/closure", closure, CHAIR)

    def closed() -> dict[str, dict[str, Any]] | None:
        clocks = _clocks(s, case_id)
        kinds = ("sin_notification", "rapid_review", "rapid_review_conservative")
        return clocks if all(clocks.get(k, {}).get("state") == "closed" for k in kinds) else None

    clocks = eventually(closed, "the SIN and Rapid Review clocks closed")
    for kind in ("sin_notification", "rapid_review", "rapid_review_conservative"):
        reason = clocks[kind]["end_reason"]
        assert reason == "found on 2026-11-06 not to meet the SIN criteria (Rapid Review closed)"

    def superseded() -> list[dict[str, Any]] | None:
        r = httpx.get(
            s.url("rules", "/v1/decisions"), params={"case_id": case_id}, headers=BUSINESS
        )
        found = [d for d in r.json() if "panel_notification_required" in d]
        return found if len(found) >= 2 else None

    first, *_, last = eventually(superseded, "the closure decided the case again")
    assert first["panel_notification_required"] is True and first["superseded_by"]
    assert last["panel_notification_required"] is False and "superseded_by" not in last
    assert last["decisions"][0]["rule"] == "closure.criteria_not_met"
    assert "supersedes sin.s16c_1_a" in " ".join(last["decisions"][0]["because"])
    outcomes = {d["outcome"] for d in last["decisions"]}
    assert "panel_notification_required" not in outcomes
    # (The store keeps no empty list: no clocks, no field.)
    assert not any(c["kind"] == "sin_notification" for c in last.get("clocks", []))

    case = httpx.get(
        s.url("intake", f"/v1/cases/{case_id}"), params={"reason": "review"}, headers=BUSINESS
    ).json()
    assert case["rapid_review"]["status"] == "closed: SIN criteria not met"

    def reported() -> list[Any] | None:
        _post(s, "reporting", "/v1/reports/sprg_bimonthly/2026-11", None, BUSINESS)
        report = httpx.get(
            s.url("reporting", "/v1/reports/sprg_bimonthly/2026-11"), headers=BUSINESS
        ).json()
        tables = {t["name"]: t for t in report["tables"]}
        reference = case["reference"]
        rows = [r for r in tables["reviews"]["rows"] if r[0] == reference]
        open_clocks = [r for r in tables["open_clocks"]["rows"] if r[0] == case_id]
        return rows if rows and rows[0][3] == "closed not met" and not open_clocks else None

    eventually(reported, "the report counts the Rapid Review closed, no clock left open")


def _dead_letters(servers: Servers, run_id: str) -> list[MessageDeadLettered]:
    seen: list[Envelope] = []

    def collect(found: list[Envelope]) -> bool:
        seen[:] = found
        return False

    with contextlib.suppress(AssertionError):  # it reads until the deadline, by design
        read_until(servers.kafka, topics.DLQ, collect, deadline_seconds=5)
    letters = [
        MessageDeadLettered.model_validate(e.data)
        for e in seen
        if e.type == MessageDeadLettered.TYPE
    ]
    return [d for d in letters if d.consumer_group.startswith(f"t{run_id}-")]


# The order a user would follow; every POST route of intake with a JSON example is here,
# or the test fails (a new route must say what its effect downstream is).
EXAMPLE_ORDER = (
    "/v1/incidents",
    "/v1/cases/{case_id}/sin-submission",
    "/v1/cases/{case_id}/corrections",
    "/v1/cases-of-concern",
    "/v1/cases-of-concern/{coc_id}/triage",
    "/v1/escalations",
    "/v1/escalations/{escalation_id}/updates",
    "/v1/tags",
    "/v1/cases/{case_id}/information-requests",
    "/v1/cases/{case_id}/rapid-review/outcome",
    "/v1/cases/{case_id}/rapid-review/sent-to-panel",
    "/v1/cases/{case_id}/rapid-review/closure",
    "/v1/cases/{case_id}/dfe-ofsted-notification",
    "/v1/cases/{case_id}/csab-liaison",
    "/v1/cases/{case_id}/lcspr/factors",
    "/v1/cases/{case_id}/lcspr/decision",
    "/v1/cases/{case_id}/lcspr/progress",
    "/v1/cases/{case_id}/lcspr/publication",
    "/v1/meetings",
    "/v1/meetings/{meeting_id}/attendance",
    "/v1/meetings/{meeting_id}/minutes",
    "/v1/actions",
    "/v1/actions/{action_id}/updates",
    "/v1/learning",
    "/v1/membership/members",
)


def _examples(stack: Stack, service: str) -> dict[str, list[dict[str, Any]]]:
    """POST path -> the JSON example bodies its OpenAPI document gives."""
    document = httpx.get(stack.url(service, "/openapi.json")).json()
    found: dict[str, list[dict[str, Any]]] = {}
    for path, operations in document["paths"].items():
        body = operations.get("post", {}).get("requestBody", {})
        media = body.get("content", {}).get("application/json", {})
        values = [e["value"] for e in media.get("examples", {}).values() if "value" in e]
        if "example" in media:
            values.append(media["example"])
        if values:
            found[path] = values
    return found


def test_every_example_in_every_openapi_document_has_its_effect_downstream(
    stack: tuple[Stack, str], servers: Servers
) -> None:
    s, run_id = stack
    examples = _examples(s, "intake")
    assert set(examples) == set(EXAMPLE_ORDER), set(examples) ^ set(EXAMPLE_ORDER)
    ids: dict[str, str] = {}
    for path in EXAMPLE_ORDER:
        for example in examples[path]:
            if path.endswith("/closure"):
                # Closing is another case's story: a case of its own, reported the same way.
                ids["closed_case"] = _post(
                    s, "intake", "/v1/incidents", examples["/v1/incidents"][0], CSC
                )["case_id"]
                target = path.replace("{case_id}", ids["closed_case"])
            elif path.endswith(("/dfe-ofsted-notification", "/csab-liaison")):
                # The notices a care leaver's death owes (aged 19: DfE and Ofsted, and the
                # CSAB): a case of its own.
                if "care_leaver_case" not in ids:
                    report = examples["/v1/incidents"][0]
                    child = {
                        **report["children"][0],
                        "date_of_birth": "2007-01-15",
                        "care_leaver": True,
                    }
                    ids["care_leaver_case"] = _post(
                        s, "intake", "/v1/incidents", {**report, "children": [child]}, CSC
                    )["case_id"]
                target = path.replace("{case_id}", ids["care_leaver_case"])
            else:
                target = path.format(**ids)
            body = dict(example)
            if "source_id" in body:  # a placeholder in the document: a real source here
                body["source_id"] = ids.get("meeting_id") or ids["case_id"]
            if "subject_id" in body:
                body["subject_id"] = ids["case_id"]
            who = CSC if path == "/v1/incidents" else BUSINESS
            chaired = path.endswith(("/rapid-review/outcome", "/rapid-review/closure"))
            made = _post(s, "intake", target, body, CHAIR if chaired else who)
            for key in ("case_id", "coc_id", "escalation_id", "meeting_id", "action_id"):
                if key in made and key not in ids:
                    ids[key] = made[key]
    case_id, meeting_id = ids["case_id"], ids["meeting_id"]

    def clocks_reached() -> dict[str, dict[str, Any]] | None:
        clocks = _clocks(s, case_id)
        wanted = {
            "sin_notification": "met",
            "rapid_review": "met",
            "rapid_review_conservative": "met",
            "rapid_review_panel_copy": "met",
            "lcspr_completion": None,
            "lcspr_prepublication": None,
            "imr_return": None,
        }
        ok = all(
            k in clocks and (state is None or clocks[k]["state"] == state)
            for k, state in wanted.items()
        )
        return clocks if ok else None

    eventually(clocks_reached, "the case's clocks from every example", 90)
    eventually(
        lambda: _clocks(s, ids["escalation_id"]).get("escalation_stage"),
        "the escalation's stage target clocked",
    )
    eventually(
        lambda: _clocks(s, meeting_id).get("action_due", {}).get("state") == "met",
        "the action's clock met by its update",
    )
    eventually(
        lambda: all(
            _clocks(s, ids["care_leaver_case"]).get(kind, {}).get("state") == "met"
            for kind in ("dfe_ofsted_notification", "csab_liaison")
        ),
        "the care leaver's notices met by their records",
    )
    eventually(
        lambda: _clocks(s, ids["closed_case"]).get("sin_notification", {}).get("state") == "closed",
        "the closed case's SIN clock closed",
    )

    def decided(subject_id: str, kind: str) -> Callable[[], bool]:
        def check() -> bool:
            r = httpx.get(
                s.url("rules", "/v1/decisions"), params={"case_id": subject_id}, headers=BUSINESS
            )
            return any(d.get("kind", "case") == kind for d in r.json())

        return check

    for subject_id, kind in [
        (case_id, "case"),
        (case_id, "lcspr_decision"),
        (case_id, "lcspr_publication"),
        (ids["coc_id"], "case_of_concern"),
        (ids["escalation_id"], "escalation"),
        (meeting_id, "meeting"),
    ]:
        eventually(decided(subject_id, kind), f"a {kind} decision on {subject_id}")

    for path, bodies in _examples(s, "rules").items():
        for body in bodies:
            answer = _post(s, "rules", path, body, ADMIN)
            assert answer["decisions"], (path, answer)

    letters = _dead_letters(servers, run_id)
    assert not letters, [(d.consumer_group, d.key, d.reason[:200]) for d in letters]
