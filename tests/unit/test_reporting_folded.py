"""A rebuild folds each document's changes in memory as the store's upserts would."""

from __future__ import annotations

import pytest

from sprg_reporting.domain.dated_models import Change
from sprg_reporting.domain.folded import ConflictingChange, Folded


def test_changes_fold_in_order_into_one_document_each() -> None:
    sin = {"state": "open", "due": "2026-04-13"}
    folded = Folded()
    folded.fold(
        [
            Change("cases", "c1", set={"type": "incident", "clocks.sin": sin}),
            Change(
                "cases", "c1", set={"clocks.sin.state": "met", "clocks.sin.met_on": "2026-04-10"}
            ),
            Change("cases", "c1", add={"history": [{"state": "open"}, {"state": "met"}]}),
            Change("cases", "c1", add={"history": [{"state": "met"}, {"state": "closed"}]}),
            Change("cases", "c2", set={"type": "coc"}),
            Change("reviews", "c1", set={"status": "open"}),
            Change("cases", "c3"),  # no update: the store would create nothing
        ]
    )
    assert folded.documents == {
        "cases": {
            "c1": {
                "_id": "c1",
                "type": "incident",
                "clocks": {"sin": {"state": "met", "due": "2026-04-13", "met_on": "2026-04-10"}},
                "history": [{"state": "open"}, {"state": "met"}, {"state": "closed"}],
            },
            "c2": {"_id": "c2", "type": "coc"},
        },
        "reviews": {"c1": {"_id": "c1", "status": "open"}},
    }
    # The change's own value is not altered by the later dotted set (it may be applied again).
    assert sin == {"state": "open", "due": "2026-04-13"}
    assert len(folded.changes_of("cases", "c1")) == 4


def test_a_later_set_replaces_a_sub_document_or_array_a_path_through_a_value_is_refused() -> None:
    folded = Folded()
    folded.fold(
        [
            Change("cases", "c1", set={"clocks.sin.state": "open", "clocks.sin.due": "d1"}),
            Change("cases", "c1", set={"clocks.sin": {"state": "breached"}}),
        ]
    )
    assert folded.documents["cases"]["c1"]["clocks"] == {"sin": {"state": "breached"}}
    folded.fold(
        [
            Change("cases", "c1", add={"tags": [{"t": 1}]}),
            Change("cases", "c1", set={"tags": []}),
            Change("cases", "c1", add={"tags": [{"t": 1}, {"t": 2}, {"t": 1}]}),
        ]
    )
    assert folded.documents["cases"]["c1"]["tags"] == [{"t": 1}, {"t": 2}]
    with pytest.raises(ConflictingChange):
        folded.fold([Change("cases", "c1", set={"clocks.sin.state.x": 1})])
