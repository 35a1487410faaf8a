"""The committed event schemas are the contract: a model change that breaks a reader fails here."""

from __future__ import annotations

import copy

from sprg_shared import schemas
from sprg_shared.contracts.intake import ChildFacts, IncidentFacts, IncidentReported
from sprg_shared.envelope import Envelope, envelope_for, read_event, register_upcaster


def test_models_match_the_committed_schemas_without_breaking_changes() -> None:
    assert schemas.check() == []


def test_removing_a_required_field_is_reported_as_breaking() -> None:
    old = schemas.current()["sprg.incident.reported.v1"]
    new = copy.deepcopy(old)
    del new["properties"]["aware_date"]
    new["required"].remove("aware_date")
    assert "/aware_date: required field removed" in schemas.breaking_changes(old, new)


def test_widening_an_enum_is_reported_and_adding_an_optional_field_is_not() -> None:
    old = schemas.current()["sprg.incident.reported.v1"]
    added = copy.deepcopy(old)
    added["properties"]["note"] = {"type": "string"}
    assert schemas.breaking_changes(old, added) == []
    widened = copy.deepcopy(old)
    widened["$defs"]["IncidentFacts"]["properties"]["kind"]["enum"].append("near_miss")
    assert any("kind" in p for p in schemas.breaking_changes(old, widened))


def _incident() -> IncidentReported:
    return IncidentReported(
        case_id="c1",
        reference="SIN-2026-C1",
        reporting_agency="croydon-csc",
        reported_at="2026-04-02T09:00:00Z",
        aware_date="2026-04-02",
        incident=IncidentFacts(
            kind="death",
            date="2026-04-01",
            location="in_area",
            abuse_or_neglect="suspected",
        ),
        children=(
            ChildFacts(
                age_years=4, looked_after=False, care_leaver=False, normally_resident_in_area=True
            ),
        ),
    )


def test_envelope_round_trips_through_bytes() -> None:
    envelope = envelope_for(
        _incident(), source="sprg/test", traceparent="00-" + "a" * 32 + "-" + "b" * 16 + "-01"
    )
    again = Envelope.from_bytes(envelope.to_bytes())
    assert again == envelope
    assert again.subject == "c1" and again.type == "sprg.incident.reported.v1"
    assert read_event(again) == _incident()


def test_an_old_version_is_upcast_on_read() -> None:
    def v0_to_v1(data: dict[str, object]) -> tuple[str, dict[str, object]]:
        return "sprg.incident.reported.v1", {**data, "reference": f"SIN-{data['case_id']}"}

    register_upcaster("sprg.incident.reported.v0", v0_to_v1)
    current = envelope_for(_incident(), source="sprg/test")
    old_data = {k: v for k, v in current.data.items() if k != "reference"}
    old = current.model_copy(update={"type": "sprg.incident.reported.v0", "data": old_data})
    event = read_event(old)
    assert isinstance(event, IncidentReported) and event.reference == "SIN-c1"
