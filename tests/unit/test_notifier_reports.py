"""A produced report's announcement: who the shipped subscriptions tell, and what it says."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sprg_notifier.domain.render import Templates
from sprg_notifier.domain.subjects import subject_of
from sprg_notifier.domain.subscriptions import load_subscriptions
from sprg_shared.contracts.reports import ReportPublished

ANNOUNCED = ReportPublished(
    report_id="executive_quarterly:2026-Q4",
    kind="executive_quarterly",
    period_start=date(2026, 10, 1),
    period_end=date(2026, 12, 31),
    produced_at=datetime(2027, 1, 29, 9, tzinfo=UTC),
    path="/v1/reports/executive_quarterly/2026-Q4/report.html",
    counts={"rapid_review_opened": 7, "actions_overdue": 2},
)


def test_each_kind_of_report_goes_to_its_own_readers() -> None:
    shipped = load_subscriptions(Templates().names())
    for kind, role in (
        ("sprg_bimonthly", "sprg_member"),
        ("executive_quarterly", "executive_group"),
    ):
        data = ANNOUNCED.model_copy(update={"kind": kind}).model_dump(mode="json")
        matched = shipped.for_event(ReportPublished.TYPE, data)
        assert [[r.role for r in s.recipients] for s in matched] == [[role]]


def test_the_message_carries_the_link_and_the_counts_only() -> None:
    data = ANNOUNCED.model_dump(mode="json")
    about = subject_of(ReportPublished.TYPE, data, ANNOUNCED.report_id, "https://sprg.example.org")
    context = {**data, "link": about.link, "reference": about.reference}
    rendered = Templates().render("report_published", context)
    link = "https://sprg.example.org/reports/executive_quarterly/2026-Q4"  # the console's page
    assert about.reference == "Review Summary 2026 Q4"
    assert rendered.subject == "Review Summary for the Executive Group, 2026-10-01 to 2026-12-31"
    for part in (rendered.text, rendered.html):
        assert link in part
        assert "rapid review opened" in part and "7" in part
        assert "actions overdue" in part and "2" in part
