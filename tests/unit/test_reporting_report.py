"""The reports' domain on in-memory read models folded from a generated year."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from functools import cache

import pytest

from sprg_reporting.adapters.memory import MemoryReadModels
from sprg_reporting.domain.dated_models import FOLDS, Document, Meta, apply_in_memory
from sprg_reporting.domain.periods import BadPeriod, parse_period, period_containing
from sprg_reporting.domain.report import Snapshot, produce
from sprg_reporting.entrypoints import render
from sprg_reporting.handlers.read_models import rebuild
from sprg_shared.envelope import Envelope, read_event
from tests.partnership_year import Year, generate

State = dict[str, dict[str, Document]]


@cache
def year() -> Year:
    return generate(seed=11, year=2030, rapid_reviews=24, cases_of_concern=20, escalations=16)


def fold(envelopes: list[Envelope], state: State | None = None) -> State:
    state = {} if state is None else state
    for envelope in envelopes:
        event = read_event(envelope)
        apply_in_memory(state, FOLDS[type(event)](event, Meta(envelope.id, envelope.time.date())))
    return state


def snapshot(state: State) -> Snapshot:
    return Snapshot({name: list(docs.values()) for name, docs in state.items()})


def test_folding_every_event_twice_changes_nothing() -> None:
    once = fold(year().events)
    twice = fold(year().events, fold(year().events))
    assert twice == once


@pytest.mark.parametrize("month", [1, 3, 5, 7, 9, 11])
def test_timeliness_counts_what_the_clocks_did(month: int) -> None:
    period = parse_period("sprg_bimonthly", f"2030-{month:02d}")
    report = produce(snapshot(fold(year().events)), period)
    rows = {row[0]: row[1:4] for row in report.table("timeliness").rows}
    for kind, measure in (
        ("sin_notification", "SIN within 5 working days"),
        ("rapid_review", "Rapid Review within 15 working days"),
    ):
        due = [t for t in year().truth if t.kind == kind and period.contains(t.due)]
        outcomes = [t.outcome(period.end) for t in due]
        expected = [outcomes.count("on_time"), outcomes.count("late"), outcomes.count("open")]
        assert rows[measure] == expected, (kind, period)
    breached = [t for t in year().truth if t.breached_on and period.contains(t.breached_on)]
    assert report.headline["clocks_breached_in_period"] == len(breached)


def test_the_year_has_met_late_and_breached_clocks() -> None:
    outcomes = {t.outcome(date(2030, 12, 31)) for t in year().truth}
    assert {"on_time", "late"} <= outcomes


def test_a_past_period_is_produced_again_as_it_stood() -> None:
    period = parse_period("sprg_bimonthly", "2030-05")
    cutoff = "2030-06-30T23:59:59+00:00"
    then = [e for e in year().events if e.time.isoformat() <= cutoff]
    assert len(then) < len(year().events)
    before = produce(snapshot(fold(then)), period)
    after = produce(snapshot(fold(year().events)), period)
    assert after == before
    later = produce(snapshot(fold(year().events)), parse_period("sprg_bimonthly", "2030-07"))
    assert later.headline != before.headline


def test_the_bimonthly_report_lists_every_kind_of_review_with_themes_and_changes() -> None:
    report = produce(snapshot(fold(year().events)), parse_period("sprg_bimonthly", "2030-11"))
    types = {row[1] for row in report.table("reviews").rows}
    assert types == {
        "Stage 3+ escalation",
        "Case of Concern",
        "Rapid Review",
        "Safeguarding Practice Review",
    }
    features = {row[0] for row in report.table("themes").rows}
    assert features == {"theme", "agency", "age band", "LCSPR factor"}
    assert report.table("changes").rows
    assert report.previous_headline.keys() == report.headline.keys()


def test_the_quarterly_summary_shows_four_quarters_and_what_needs_attention() -> None:
    report = produce(snapshot(fold(year().events)), parse_period("executive_quarterly", "2030-Q4"))
    assert report.table("trends").columns[1:] == ["2030-Q1", "2030-Q2", "2030-Q3", "2030-Q4"]
    assert report.attention


def test_an_inquorate_meeting_is_reported() -> None:
    report = produce(snapshot(fold(year().events)), parse_period("sprg_bimonthly", "2030-05"))
    assert [row[3] for row in report.table("meetings").rows] == ["no"]
    assert report.table("meetings").rows[0][4] == "police"


def test_periods() -> None:
    assert parse_period("executive_quarterly", "2030-Q2").end == date(2030, 6, 30)
    assert period_containing("sprg_bimonthly", date(2030, 2, 28)).label == "2030-01"
    assert parse_period("sprg_bimonthly", "2030-01").previous().label == "2029-11"
    with pytest.raises(BadPeriod):
        parse_period("sprg_bimonthly", "2030-02")


def test_the_page_draws_charts_as_svg_and_escapes_what_it_shows() -> None:
    report = produce(snapshot(fold(year().events)), parse_period("sprg_bimonthly", "2030-11"))
    hostile = report.model_copy(update={"attention": ["<script>alert(1)</script>"]})
    page = render.html(hostile, base="/v1/reports/sprg_bimonthly/2030-11")
    assert page.count("<svg") == len(report.charts)
    assert "<script>" not in page
    csv_text = render.table_csv(report, "reviews")
    assert len(csv_text.splitlines()) == len(report.table("reviews").rows) + 1


async def test_a_rebuild_folds_the_log_as_it_reads_it_and_says_how_far_it_has_got() -> None:
    events = year().events
    read: list[int] = []

    def log() -> Iterator[Envelope]:
        for n, envelope in enumerate(events, 1):
            # Folded as it is read, not read whole first: the progress of the events
            # before this one has been told already.
            assert len(read) == (n - 1) // 1000
            yield envelope

    models = MemoryReadModels()
    folded = await rebuild(models, log(), read.append, every=1000)
    assert folded == len(events)
    assert read == list(range(1000, len(events) + 1, 1000))
    assert (await models.snapshot()) == snapshot(fold(events))
