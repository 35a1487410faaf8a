"""Each role lands on its own work, and the navigation offers only what the role can do
(the access matrix, ``sprg_shared.access``): a rules maintainer lands on the rule packs,
not on agency forms it could not send."""

from __future__ import annotations

import re

import pytest

from tests.unit.console_fakes import World

LANDS_ON = {
    "bt": ("/", "Worklist"),
    "chair": ("/", "Worklist"),
    "member": ("/", "Worklist"),
    "police": ("/", "What do you want to do?"),
    "school": ("/", "What do you want to do?"),
    "executive": ("/reports", None),
    "rulesadmin": ("/rules", "Rule packs"),
}
TEAM_AND_SPRG = [
    "/",
    "/cases",
    "/cases-of-concern",
    "/escalations",
    "/meetings",
    "/actions",
    "/information-requests",
    "/reports",
]
NAVIGATION = {
    "bt": [*TEAM_AND_SPRG, "/report-an-incident", "/administration", "/audit"],
    "chair": TEAM_AND_SPRG,
    "member": TEAM_AND_SPRG,
    "police": [
        "/cases",
        "/information-requests",
        "/asked-of-you",
        "/report-an-incident",
        "/refer-a-case-of-concern",
        "/raise-an-escalation",
    ],
    "executive": ["/reports"],
    "rulesadmin": ["/rules"],
}
NAVIGATION["school"] = NAVIGATION["police"]
AGENCY_FORMS = ("/report-an-incident", "/refer-a-case-of-concern", "/raise-an-escalation")


@pytest.mark.parametrize("user", sorted(LANDS_ON))
async def test_each_role_lands_on_its_work_and_is_offered_only_what_it_can_do(user: str) -> None:
    async with World().signed_in(user) as browser:
        page = await browser.get("/")
    path, heading = LANDS_ON[user]
    assert page.status_code == 200 and page.url.path == path, (user, page.url)
    if heading is not None:
        h1 = re.search(r"<h1[^>]*>\s*([^<]+?)\s*</h1>", page.text)
        assert h1 is not None and h1.group(1) == heading, user
    nav = re.findall(r'navigation__link" href="([^"]+)"', page.text)
    assert nav == NAVIGATION[user], user
    main = page.text[page.text.index("<main") :]
    offers_forms = any(f'href="{form}"' in main for form in AGENCY_FORMS)
    assert offers_forms == (user in {"police", "school"}), user


async def test_someone_with_no_role_here_is_told_so_and_offered_nothing() -> None:
    w = World()
    w.realm.users["nobody"] = ("cscp", [])
    async with w.signed_in("nobody") as browser:
        page = await browser.get("/")
    assert page.status_code == 200
    assert "does not give you any work in this service yet" in page.text
    assert re.findall(r'navigation__link" href="([^"]+)"', page.text) == []
