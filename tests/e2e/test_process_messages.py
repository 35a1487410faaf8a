"""E-mails people can act on, and the agency that must act is told (issue 13, points 5-6).

The five services as processes, the real broker, store and SMTP server, and the seed's
partnership as the directory (deploy/demo/croydon-sprg.json). Each message names its
subject by the reference people were given, links to the console page for that kind of
subject, and goes to the people who must act on it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import pytest

from sprg_shared.auth import Role
from tests.conftest import bearer, service_env
from tests.e2e.stack import Stack, free_port, running_stack
from tests.e2e.test_skeleton_case import PLANTED_NAME, eventually
from tests.servers import Servers
from tests.smtp import Mailbox, smtp_server

pytestmark = pytest.mark.e2e

CONSOLE = "https://console.example.org"
DOMAIN = "cscp.example.org"
DEMO = Path(__file__).resolve().parents[2] / "deploy" / "demo" / "croydon-sprg.json"
BUSINESS = bearer("cscp", Role.BUSINESS_TEAM)
BUSINESS_TEAM = {"cscp-project-officer", "cscp-administrator", "cscp-business-manager"}


def address(person_id: str) -> str:
    return f"{person_id}@{DOMAIN}"


def text_of(mail: Message, kind: str = "text/plain") -> str:
    for part in mail.walk():
        if part.get_content_type() == kind:
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode()
    return ""


def subject(mail: Message) -> str:
    return " ".join(str(mail["Subject"]).split())


def load_directory(stack: Stack, extra: list[dict[str, Any]]) -> None:
    """The seed's partnership, as `sprg demo load` puts it, plus ``extra`` people."""
    partnership = json.loads(DEMO.read_text())
    with httpx.Client(timeout=15, headers=BUSINESS) as http:
        for agency in partnership["agencies"]:
            url = stack.url("notifier", f"/v1/directory/agencies/{agency['agency_id']}")
            http.put(url, json=agency).raise_for_status()
        people = [
            m
            for part in ("members", "executive_group", "contacts")
            for m in partnership[part]
            if not m.get("vacant")
        ]
        for member in people:
            person = {
                "person_id": member["person_id"],
                "name": member["title"],
                "email": address(member["person_id"]),
                "agency": member["agency"],
                "roles": member["roles"],
                "owns_clocks": member.get("owns_clocks", []),
            }
            url = stack.url("notifier", f"/v1/directory/people/{person['person_id']}")
            http.put(url, json=person).raise_for_status()
        for person in extra:
            url = stack.url("notifier", f"/v1/directory/people/{person['person_id']}")
            http.put(url, json=person).raise_for_status()


@pytest.fixture
def stack_and_mailbox(
    servers: Servers, run_id: str, pii_key: str
) -> Iterator[tuple[Stack, Mailbox]]:
    env = service_env(servers, run_id, pii_key)
    port = free_port()
    extra = {"SPRG_NOTIFIER_SMTP_PORT": str(port), "SPRG_NOTIFIER_CONSOLE_URL": CONSOLE}
    with smtp_server(port) as mailbox, running_stack(env, f"messages-{run_id}", extra) as stack:
        yield stack, mailbox


def post(stack: Stack, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    response = httpx.post(stack.url("intake", path), json=body, headers=headers, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()


def mails(mailbox: Mailbox, to: str, about: Callable[[Message], bool]) -> list[Message]:
    return [m for m in mailbox.to(to) if about(m)]


def one_mail(mailbox: Mailbox, person: str, about: Callable[[Message], bool], what: str) -> Message:
    """The one message to ``person`` that ``about`` picks, once it has come (60 s)."""
    found: list[Message] = eventually(
        lambda: mails(mailbox, address(person), about), f"{person}: {what}"
    )
    assert len(found) == 1, [subject(m) for m in found]
    return found[0]


def test_every_message_names_its_subject_and_reaches_who_must_act(
    stack_and_mailbox: tuple[Stack, Mailbox],
) -> None:
    stack, mailbox = stack_and_mailbox
    coordinator = {
        "person_id": "police-imr-coordinator",
        "name": "Police review coordinator",
        "email": address("police-imr-coordinator"),
        "agency": "met-police",
        "roles": ["review_coordinator"],
    }
    load_directory(stack, [coordinator])

    # -- a serious incident: the SIN e-mail names the case by its reference ----------------
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
    case = post(stack, "/v1/incidents", report, bearer("croydon-csc", Role.AGENCY_SUBMITTER))
    case_id, reference = case["case_id"], case["reference"]
    assert re.fullmatch(r"SIN-2026-[0-9A-F]{8}", reference)
    case_page = f"{CONSOLE}/cases/{case_id}"

    sin_due = f"Serious incident notification for {reference} due 13 April 2026"
    [sin] = eventually(
        lambda: mails(mailbox, address("cscp-business-manager"), lambda m: subject(m) == sin_due),
        "the Business Team is told the SIN is due, by the case's reference",
    )
    assert case_page in text_of(sin) and f'href="{case_page}"' in text_of(sin, "text/html")

    # -- an IMR asked of the police: its SPRG members and its coordinator are told --------
    imr = post(
        stack,
        f"/v1/cases/{case_id}/information-requests",
        {
            "agency": "met-police",
            "kind": "imr",
            "requested_date": "2026-04-09",
            "due_date": "2026-04-23",
            "coordinator": "police-imr-coordinator",
        },
        BUSINESS,
    )
    police = {"met-police-di", "deputy-chair", "police-imr-coordinator"}
    for person in police:
        asked = one_mail(
            mailbox,
            person,
            lambda m: subject(m).startswith("IMR"),
            f"{person} is told what is asked of the police and by when",
        )
        assert subject(asked) == (
            f"IMR for {reference}: asked of Metropolitan Police Service by 23 April 2026"
        )
        assert "individual management review" in text_of(asked)
        assert case_page in text_of(asked)
    # ...and no other agency's member is asked
    assert not mails(mailbox, address("icb-designated-doctor"), lambda m: "IMR" in subject(m))

    # The IMR's date is long past: its breach goes to the police, the Business Team copied,
    # and is not called statutory (the coordinator set it).
    overdue = f"OVERDUE: IMR (individual management review) for {reference} was due 23 April 2026"
    for person in {"met-police-di", "deputy-chair"} | BUSINESS_TEAM:
        breach = one_mail(
            mailbox, person, lambda m: subject(m) == overdue, f"{person} is told the IMR is overdue"
        )
        assert "statutory" not in text_of(breach).lower()
        assert "Asked of: Metropolitan Police Service" in text_of(breach)
        assert case_page in text_of(breach)
    assert imr["record_id"]
    # The SIN's own breach is a statutory one.
    [sin_breach] = eventually(
        lambda: mails(
            mailbox,
            address("cscp-business-manager"),
            lambda m: subject(m).startswith("OVERDUE: Serious incident notification"),
        ),
        "the SIN's breach",
    )
    assert reference in subject(sin_breach) and "13 April 2026" in subject(sin_breach)
    assert "A statutory deadline has passed" in text_of(sin_breach)

    # -- a Stage 3 escalation: the CSCP mailbox's copy carries stages, agencies and dates ----
    escalation = post(
        stack,
        "/v1/escalations",
        {
            "with_agency": "croydon-icb",
            "stage": 3,
            "stage_started_date": "2026-11-30",
            "summary": f"threshold disagreement about {PLANTED_NAME}",
        },
        bearer("met-police", Role.AGENCY_SUBMITTER),
    )
    escalation_ref = escalation["reference"]
    assert escalation_ref.startswith("ESC-2026-")
    [copy] = eventually(
        lambda: mails(mailbox, address("cscp-mailbox"), lambda m: escalation_ref in subject(m)),
        "the CSCP mailbox gets its copy of the Stage 3 escalation",
    )
    assert subject(copy) == f"Escalation {escalation_ref} at Stage 3: copy for the CSCP"
    body = text_of(copy)
    assert "Raised by: Metropolitan Police Service" in body
    assert "With: South West London ICB (Croydon)" in body
    assert "Stage 3 from 30 November 2026" in body
    assert f"{CONSOLE}/escalations/{escalation['escalation_id']}" in body

    # -- a meeting the police sent apologies to: forecast inquorate, by date and partner -----
    meeting = post(
        stack,
        "/v1/meetings",
        {"meeting_date": "2027-02-10", "chair_partner": "csc", "papers_due_date": "2027-02-03"},
        BUSINESS,
    )
    meeting_id = meeting["meeting_id"]
    post(
        stack,
        f"/v1/meetings/{meeting_id}/attendance",
        {
            "as_of": "2026-12-07",
            "members": [
                {"role": "HOS Early Help & CSC", "partner": "csc", "attendance": "expected"},
                {"role": "Designated Doctor", "partner": "icb", "attendance": "expected"},
                {
                    "role": "Detective Inspector",
                    "partner": "police",
                    "attendance": "apologies",
                    "apologies_received_date": "2026-12-04",
                },
            ],
        },
        BUSINESS,
    )
    forecast = "SPRG meeting of 10 February 2027 forecast inquorate"
    for person in ("chair", "met-police-di"):
        told = one_mail(
            mailbox,
            person,
            lambda m: forecast in subject(m),
            f"{person} is told the meeting is forecast inquorate",
        )
        assert "Metropolitan Police Service needs a proxy" in subject(told)
        assert f"{CONSOLE}/meetings/{meeting_id}" in text_of(told)

    # -- an action from that meeting, overdue: the owning agency, the Business Team copied ----
    action = post(
        stack,
        "/v1/actions",
        {
            "source_id": meeting_id,
            "owner_agency": "croydon-icb",
            "owner_role": "Designated Nurse Safeguarding Children",
            "due_date": "2026-11-20",
            "description": "Circulate the 7-minute briefing to GP practices.",
        },
        BUSINESS,
    )
    action_ref = action["reference"]
    assert action_ref.startswith("ACT-2026-")
    for person in {"icb-designated-doctor", "icb-designated-nurse"} | BUSINESS_TEAM:
        late = one_mail(
            mailbox,
            person,
            lambda m: action_ref in subject(m),
            f"{person} is told the action is overdue",
        )
        assert subject(late) == (
            f"OVERDUE: Action for {action_ref} from SPRG meeting of 10 February 2027"
            " was due 20 November 2026"
        )
        assert f"{CONSOLE}/actions/{action['action_id']}" in text_of(late)
        assert "statutory" not in text_of(late).lower()
    assert not mails(mailbox, address("met-police-di"), lambda m: action_ref in subject(m))

    # -- publication planned: each agency's SPRG member is told, its press office copied ----
    post(
        stack,
        f"/v1/cases/{case_id}/lcspr/publication",
        {
            "planned_publication_date": "2027-03-01",
            "agencies": ["croydon-csc", "met-police", "croydon-health-services"],
            "press_offices_told": ["croydon-csc"],
        },
        BUSINESS,
    )
    published = f"LCSPR {reference} to be published on 1 March 2027: tell your press office"
    told_of_publication = (
        "met-police-di",
        "press-met-police",
        "chs-named-nurse",
        "press-croydon-health-services",
    )
    for person in told_of_publication:
        notice = one_mail(
            mailbox,
            person,
            lambda m: subject(m) == published,
            f"{person} is told of the planned publication",
        )
        assert case_page in text_of(notice)
    # the press office already told is not told again
    assert not mails(mailbox, address("press-croydon-csc"), lambda m: subject(m) == published)

    # No message names its subject "None", none carries a child's name, and every link
    # goes to the console.
    assert mailbox.messages
    for mail in mailbox.messages:
        whole = subject(mail) + text_of(mail) + text_of(mail, "text/html")
        assert "None" not in whole, subject(mail)
        assert PLANTED_NAME not in mail.as_string()
        assert "/v1/" not in text_of(mail, "text/html"), subject(mail)


def test_a_care_leavers_death_is_actioned_by_the_people_whose_duty_it_is(
    stack_and_mailbox: tuple[Stack, Mailbox],
) -> None:
    """Point 7: the DfE/Ofsted notice is the local authority's officer's duty, recorded as
    notified on a date that meets its clock; a care leaver aged 18 to 24 opens a CSAB
    liaison task with its own (local) clock and tells the CSAB contact."""
    stack, mailbox = stack_and_mailbox
    load_directory(stack, [])
    child: dict[str, Any] = {
        "name": PLANTED_NAME,
        "date_of_birth": "2006-03-10",  # 20 on the day: a care leaver aged 18 to 24
        "looked_after": False,
        "care_leaver": True,
        "normally_resident_in_area": True,
    }
    report: dict[str, Any] = {
        "aware_date": "2026-12-01",
        "event": {
            "kind": "death",
            "date": "2026-11-30",
            "location": "in_area",
            "abuse_or_neglect": "none",
        },
        "children": [child],
    }
    case = post(stack, "/v1/incidents", report, bearer("croydon-csc", Role.AGENCY_SUBMITTER))
    case_id, reference = case["case_id"], case["reference"]
    case_page = f"{CONSOLE}/cases/{case_id}"

    # The local authority's officer is told to notify the DfE and Ofsted, and by when.
    notice = one_mail(
        mailbox,
        "la-dfe-ofsted-notifier",
        lambda m: reference in subject(m),
        "the LA's officer is told to notify the DfE and Ofsted",
    )
    assert subject(notice) == f"Notify the DfE and Ofsted by 8 December 2026: {reference}"
    assert "This is a statutory duty." in text_of(notice) and case_page in text_of(notice)
    # The CSAB contact is told of the liaison task, a local target (10 working days).
    liaison = one_mail(
        mailbox,
        "csab-contact",
        lambda m: reference in subject(m),
        "the CSAB contact is told of the liaison task",
    )
    assert subject(liaison) == f"Liaison with the CSAB on {reference} by 15 December 2026"
    assert "local target (not a statutory duty)" in text_of(liaison)

    def clock(kind: str) -> dict[str, Any] | None:
        r = httpx.get(
            stack.url("scheduler", "/v1/clocks"), params={"case_id": case_id}, headers=BUSINESS
        )
        found = [c for c in r.json() if c["kind"] == kind] if r.status_code == 200 else []
        return found[0] if found else None

    csab = eventually(lambda: clock("csab_liaison"), "the CSAB liaison task has its own clock")
    assert (csab["due"], csab["state"]) == ("2026-12-15", "open")

    # "Notified on <date>" meets the DfE/Ofsted clock; the liaison recorded meets its own.
    la = bearer("croydon-csc", Role.AGENCY_SUBMITTER)
    post(stack, f"/v1/cases/{case_id}/dfe-ofsted-notification", {"notified_date": "2026-12-04"}, la)
    post(stack, f"/v1/cases/{case_id}/csab-liaison", {"notified_date": "2026-12-07"}, BUSINESS)
    dfe = eventually(
        lambda: (c := clock("dfe_ofsted_notification")) and c["state"] == "met" and c,
        "the DfE/Ofsted clock is met by the notice",
    )
    assert (dfe["met_on"], dfe["late"]) == ("2026-12-04", False)
    met = eventually(
        lambda: (c := clock("csab_liaison")) and c["state"] == "met" and c,
        "the CSAB liaison clock is met",
    )
    assert (met["met_on"], met["late"]) == ("2026-12-07", False)

    # A notice the case does not owe is refused, naming why (never accepted and dropped).
    other = post(
        stack,
        "/v1/incidents",
        {**report, "children": [{**child, "care_leaver": False}]},
        la,
    )
    refused = httpx.post(
        stack.url("intake", f"/v1/cases/{other['case_id']}/csab-liaison"),
        json={"notified_date": "2026-12-04"},
        headers=BUSINESS,
    )
    assert refused.status_code == 422 and "care leaver aged 18 to 24" in refused.text
    for mail in mailbox.messages:
        assert PLANTED_NAME not in mail.as_string()
