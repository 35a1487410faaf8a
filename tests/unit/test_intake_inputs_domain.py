"""Intake's pure parts for the partnership's inputs: document types, corrections, escalations."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest

from sprg_intake.domain import escalations
from sprg_intake.domain.commands import CorrectIncident, UpdateEscalation
from sprg_intake.domain.corrections import CorrectionRefused, Standing, correct
from sprg_intake.domain.documents import (
    DOCX,
    ODT,
    PDF,
    TEXT,
    UnsupportedDocument,
    checked_type,
    sniff,
)
from sprg_shared.contracts.intake import ChildFacts, IncidentFacts


def _zip(**files: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"%PDF-1.7\n...", PDF),
        (_zip(**{"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>"}), DOCX),
        (_zip(mimetype=ODT, **{"content.xml": "<office/>"}), ODT),
        ("Chronologie: élève vu le 3 mars".encode(), TEXT),
        (b"MZ\x90\x00\x03", None),
        (b"\xff\xfe\x00b\x00a\x00d", None),
        (_zip(**{"xl/workbook.xml": "<x/>", "[Content_Types].xml": "<T/>"}), None),
        (b"PK\x03\x04broken", None),
        (b"", None),
    ],
)
def test_a_document_is_known_by_its_content(content: bytes, kind: str | None) -> None:
    assert sniff(content) == kind


def test_a_declared_type_that_disagrees_with_the_content_is_refused() -> None:
    assert checked_type("a.pdf", "application/pdf; charset=binary", b"%PDF-1.4") == PDF
    assert checked_type("a.bin", "application/octet-stream", b"%PDF-1.4") == PDF
    with pytest.raises(UnsupportedDocument, match="declared text/plain"):
        checked_type("a.txt", "text/plain", b"%PDF-1.4")


STANDING = Standing(
    aware_date=date(2026, 4, 2),
    incident=IncidentFacts(
        kind="death", date=date(2026, 4, 1), location="in_area", abuse_or_neglect="suspected"
    ),
    children=(
        ChildFacts(
            age_years=4, looked_after=False, care_leaver=False, normally_resident_in_area=True
        ),
    ),
    personal_children=({"name": "C", "date_of_birth": "2022-02-22", "address": None},),
)


def test_moving_the_incident_date_recomputes_the_age_from_the_kept_date_of_birth() -> None:
    corrected = correct(
        STANDING,
        CorrectIncident.model_validate(
            {"event": {"date": "2026-02-21"}, "aware_date": "2026-02-22", "reason": "r"}
        ),
    )
    assert corrected.corrected_fields == ("aware_date", "event.date", "children")
    assert corrected.standing.children[0].age_years == 3
    assert STANDING.children[0].age_years == 4, "the old facts are untouched"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"aware_date": "2026-04-02"}, "changes nothing"),
        ({"event": {"date": "2026-04-03"}}, "aware_date is before event.date"),
        ({"event": {"date": "2022-01-01"}, "aware_date": "2022-01-02"}, "date_of_birth is after"),
    ],
)
def test_a_correction_that_changes_nothing_or_contradicts_itself_is_refused(
    body: dict[str, object], message: str
) -> None:
    with pytest.raises(CorrectionRefused, match=message):
        correct(STANDING, CorrectIncident.model_validate({**body, "reason": "r"}))


def test_an_escalation_moves_forward_only_and_stops_when_resolved() -> None:
    state = escalations.opened(3, date(2026, 5, 1), None)
    state = escalations.updated(
        state, UpdateEscalation(stage=4, stage_started_date=date(2026, 5, 8))
    )
    assert [(s.stage, s.started_date) for s in state.history] == [
        (3, date(2026, 5, 1)),
        (4, date(2026, 5, 8)),
    ]
    with pytest.raises(escalations.EscalationRefused, match="not after"):
        escalations.updated(state, UpdateEscalation(stage=4, stage_started_date=date(2026, 5, 9)))
    with pytest.raises(escalations.EscalationRefused, match="before the current stage"):
        escalations.updated(state, UpdateEscalation(resolved_date=date(2026, 5, 7)))
    resolved = escalations.updated(state, UpdateEscalation(resolved_date=date(2026, 5, 12)))
    with pytest.raises(escalations.EscalationRefused, match="resolved on 2026-05-12"):
        escalations.updated(resolved, UpdateEscalation(copy_to_cscp_date=date(2026, 5, 13)))
