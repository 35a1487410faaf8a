"""Follow-up questions asked for one answer only are revealed under that answer (GOV.UK
conditional reveal), driven by the page's own script (no ``aria-expanded`` on a radio,
which axe refuses); without JavaScript they are all on the page, and the server checks
the one the chosen answer needs and ignores one left filled in under another answer."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx

from tests.unit.console_fakes import World
from tests.unit.test_console import CASE, world_with_cases
from tests.unit.test_console_case_work import COC, _date, _fill
from tests.unit.test_console_meetings import MEETING
from tests.unit.test_console_meetings import world as meeting_world


class _Divs(HTMLParser):
    """The inner HTML of the element with ``wanted`` id (enough for the console's pages)."""

    def __init__(self, wanted: str) -> None:
        super().__init__(convert_charrefs=False)
        self.wanted, self.depth, self.classes = wanted, 0, ""
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if self.depth:
            self.depth += tag == "div"
            self.parts.append(self.get_starttag_text() or "")
        elif found.get("id") == self.wanted:
            self.depth, self.classes = 1, found.get("class") or ""

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag == "div":
            self.depth -= 1
        if self.depth:
            self.parts.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


def revealed_under(page: str, name: str, value: str) -> tuple[str, bool]:
    """What is revealed under the answer ``value`` of the radios ``name``, and whether it
    starts hidden (for a page where JavaScript runs)."""
    radio = re.search(rf'<input[^>]*name="{name}"[^>]*value="{value}"[^>]*>', page)
    assert radio is not None, (name, value)
    controls = re.search(r'data-aria-controls="([^"]+)"', radio.group(0))
    assert controls is not None, f"nothing is revealed under {name}={value}"
    divs = _Divs(controls.group(1))
    divs.feed(page)
    assert "govuk-radios__conditional" in divs.classes
    return "".join(divs.parts), "govuk-radios__conditional--hidden" in divs.classes


def own_script_drives(page: str, name: str) -> None:
    """The radios ``name`` are driven by the page's script, and no radio is aria-expanded."""
    group = re.search(
        r'data-module="([^"]+)">\s*<div class="govuk-radios__item">\s*'
        rf'<input[^>]*name="{name}"',
        page,
    )
    assert group is not None and group.group(1) == "sprg-radios", name
    main = page[page.index("<main") : page.index("</main>")]
    assert "aria-expanded" not in main


async def _get(browser: httpx.AsyncClient, path: str) -> str:
    answer = await browser.get(path)
    assert answer.status_code == 200, answer.text
    return answer.text


async def test_triage_reveals_the_advice_and_the_meeting_under_their_answers() -> None:
    w = World()
    w.intake.lists["/v1/cases-of-concern"] = [{"coc_id": COC, "reference": "COC-2026-TRI1"}]
    path = f"/cases-of-concern/{COC}/triage"
    async with w.signed_in("bt") as browser:
        page = await _get(browser, path)
        sent, _ = await _fill(
            browser,
            path,
            {
                "triage": "list_for_meeting",
                "meeting": "sprg",
                "advice": "typed under advice, then another answer chosen",
                **_date("triaged", 3, 12),
            },
        )
        again, _ = await _fill(browser, path, {"triage": "advice", **_date("triaged", 3, 12)})
    own_script_drives(page, "triage")
    advice, hidden = revealed_under(page, "triage", "advice")
    assert 'id="advice"' in advice and hidden
    meeting, hidden = revealed_under(page, "triage", "list_for_meeting")
    assert 'name="meeting"' in meeting and 'name="approach"' in meeting and hidden
    assert sent.status_code == 200 and "Triage recorded" in sent.text
    [posted] = w.intake.posts
    assert "advice" not in posted["body"], "a follow-up of another answer is not sent"
    # Sent without JavaScript and without the advice: named, and shown revealed to answer.
    assert "Enter the advice given" in again.text
    advice, hidden = revealed_under(again.text, "triage", "advice")
    assert 'id="advice"' in advice and not hidden


async def test_an_lcspr_decision_asks_how_only_when_it_is_commissioned() -> None:
    w = world_with_cases()
    path = f"/cases/{CASE}/lcspr/decision"
    async with w.signed_in("bt") as browser:
        page = await _get(browser, path)
        done, _ = await _fill(
            browser,
            path,
            {
                "decision": "do_not_commission",
                "methodology": "systems_review",
                "rationale": "The Rapid Review found the learning already.",
                **_date("decided", 3, 12),
            },
        )
    own_script_drives(page, "decision")
    how, hidden = revealed_under(page, "decision", "commission")
    assert 'name="methodology"' in how and hidden
    assert done.status_code == 200
    [posted] = w.intake.posts
    assert posted["body"]["decision"] == "do_not_commission"
    assert "methodology" not in posted["body"]


async def test_the_publication_reveals_each_answers_own_question() -> None:
    w = world_with_cases()
    path = f"/cases/{CASE}/lcspr/publication"
    async with w.signed_in("bt") as browser:
        page = await _get(browser, path)
        no_reason, _ = await _fill(browser, path, {"what": "not_publishing"})
    own_script_drives(page, "what")
    for value, follow_up in (
        ("planned", 'id="planned-day"'),
        ("published", 'id="published-day"'),
        ("not_publishing", 'id="reason"'),
    ):
        revealed, hidden = revealed_under(page, "what", value)
        assert follow_up in revealed and hidden, value
    assert "Enter why it will not be published" in no_reason.text
    assert not revealed_under(no_reason.text, "what", "not_publishing")[1]
    assert w.intake.posts == []


async def test_attendance_asks_the_proxys_name_under_sent_a_proxy() -> None:
    w = meeting_world()
    async with w.signed_in("bt") as browser:
        page = await _get(browser, f"/meetings/{MEETING}/attendance")
    own_script_drives(page, "seat-0")
    proxy, hidden = revealed_under(page, "seat-0", "proxy")
    assert 'id="proxy-0"' in proxy and 'name="similar-0"' in proxy and hidden
