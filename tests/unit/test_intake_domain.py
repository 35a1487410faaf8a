"""Intake's pure parts: ages, the case's derived facts, sealing personal data, tokens."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, date, datetime

import pytest

from sprg_intake.adapters.crypto import CannotDecrypt, Sealer
from sprg_intake.domain.cases import open_incident_case
from sprg_intake.domain.commands import ReportIncident
from sprg_shared.ages import age_on


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(2008, 4, 1), date(2026, 3, 31), 17),  # the day before the 18th birthday: a child
        (date(2008, 4, 1), date(2026, 4, 1), 18),  # on the birthday: no longer a child
        (date(2008, 2, 29), date(2026, 2, 28), 17),  # leap-day birthday in a common year...
        (date(2008, 2, 29), date(2026, 3, 1), 18),  # ...is reached on 1 March
        (date(2008, 2, 29), date(2028, 2, 29), 20),
        (date(2026, 4, 1), date(2026, 4, 1), 0),
    ],
)
def test_age_in_whole_years_as_english_law_counts_it(born: date, on: date, age: int) -> None:
    assert age_on(born, on) == age


def test_age_before_birth_is_refused() -> None:
    with pytest.raises(ValueError, match="before the date of birth"):
        age_on(date(2026, 4, 2), date(2026, 4, 1))


def _report(**children: object) -> ReportIncident:
    child = {
        "name": "Tamsin Example",
        "date_of_birth": "2010-06-15",
        "address": "1 Road",
        "looked_after": True,
        "care_leaver": False,
        "normally_resident_in_area": True,
        **children,
    }
    return ReportIncident.model_validate(
        {
            "aware_date": "2026-06-16",
            "event": {
                "kind": "serious_harm",
                "date": "2026-06-15",
                "location": "in_area",
                "abuse_or_neglect": "known",
            },
            "children": [child],
            "summary": "Tamsin was seen at school.",
        }
    )


def test_the_event_carries_derived_facts_and_the_personal_details_stay_apart() -> None:
    case = open_incident_case(
        _report(),
        case_id="0f0e0d0c-aaaa-bbbb-cccc-000000000000",
        agency="croydon-csc",
        reported_at=datetime(2026, 6, 16, 9, tzinfo=UTC),
    )
    wire = case.event.model_dump_json()
    assert "Tamsin" not in wire and "2010-06-15" not in wire and "1 Road" not in wire
    assert case.event.children[0].age_years == 16  # 16th birthday on the incident date
    assert case.event.children[0].looked_after is True
    assert case.reference == "SIN-2026-0F0E0D0C"
    assert b"Tamsin" in case.personal


def test_sealed_personal_data_opens_only_with_its_key_and_for_its_own_case() -> None:
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    sealer = Sealer(key, "k1")
    sealed = sealer.seal(b"Tamsin Example", case_id="case-1")
    assert b"Tamsin" not in base64.b64decode(sealed["ct"])
    assert sealer.open(sealed, case_id="case-1") == b"Tamsin Example"
    with pytest.raises(CannotDecrypt):
        sealer.open(sealed, case_id="case-2")  # moved to another case: refused
    other_key = Sealer(base64.b64encode(secrets.token_bytes(32)).decode(), "k1")
    with pytest.raises(CannotDecrypt):
        other_key.open(sealed, case_id="case-1")
