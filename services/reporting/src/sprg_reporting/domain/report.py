"""The bi-monthly SPRG report and the quarterly Review Summary, computed from dated read models.

Pure: the caller hands in every read-model document; the report is what stood at the
period's end (entries that happened, and were known, by then), so producing a past
period's report again gives the same report.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, ConfigDict

from sprg_reporting.domain import asof
from sprg_reporting.domain.dated_models import (
    ACTIONS,
    CASES,
    CLOCKS,
    DECISIONS,
    LEARNING,
    MEETINGS,
    NOTIFICATIONS,
    RETURNS,
    REVIEWS,
    Document,
)
from sprg_reporting.domain.periods import Period

Cell = str | int | float | None
REVIEW_TYPES = ("escalation", "case_of_concern", "rapid_review", "lcspr")
REVIEW_TITLES = {
    "escalation": "Stage 3+ escalation",
    "case_of_concern": "Case of Concern",
    "rapid_review": "Rapid Review",
    "lcspr": "Safeguarding Practice Review",
}
TIMED_CLOCKS = {
    "sin_notification": "SIN within 5 working days",
    "rapid_review": "Rapid Review within 15 working days",
    "rapid_review_panel_copy": "Rapid Review sent to the Panel by the local target",
}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Table(_Model):
    name: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]


class Chart(_Model):
    name: str
    title: str
    unit: str
    labels: list[str]
    values: list[float]


class Report(_Model):
    report_id: str
    kind: str
    title: str
    period: str
    period_start: date
    period_end: date
    as_at: date
    """The day whose end the figures stand at: the period's end, or an earlier day while
    the period is not over (nothing due after it counts as overdue)."""
    headline: dict[str, float | int | None]
    previous_headline: dict[str, float | int | None]
    attention: list[str]
    tables: list[Table]
    charts: list[Chart]

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)


@dataclass(frozen=True)
class Snapshot:
    """Every read-model document, by collection (what the adapter hands the domain)."""

    docs: dict[str, list[Document]]

    def of(self, collection: str) -> list[Document]:
        return self.docs.get(collection, [])


@dataclass(frozen=True)
class _View:
    """The facts as they stood at ``cutoff`` (the period's end, or earlier), for ``period``."""

    period: Period
    cutoff: date
    reviews: list[asof.ReviewState]
    clocks: list[asof.ClockState]
    actions: list[asof.ActionState]
    learning: list[asof.LearningState]
    returns: list[tuple[Document, str]]
    meetings: list[asof.MeetingState]
    notifications: list[Document]
    decisions: list[Document]

    def live_reviews(self) -> list[asof.ReviewState]:
        """Reviews open at some point in the period: open now, or closed within it."""
        return [r for r in self.reviews if not r.closed or r.since >= self.period.start]


def _view(snapshot: Snapshot, period: Period, as_of: date | None = None) -> _View:
    cutoff = period.end if as_of is None else min(period.end, as_of)
    cases = {str(d["_id"]): d for d in snapshot.of(CASES)}
    reviews = [asof.review_state(d, cases, cutoff) for d in snapshot.of(REVIEWS)]
    clocks = [asof.clock_state(d, cutoff) for d in snapshot.of(CLOCKS)]
    actions = [asof.action_state(d, cutoff) for d in snapshot.of(ACTIONS)]
    learning = [asof.learning_state(d, cutoff) for d in snapshot.of(LEARNING)]
    meetings = [asof.meeting_state(d, cutoff) for d in snapshot.of(MEETINGS)]
    returns = [(d, asof.return_outcome(d, cutoff)) for d in snapshot.of(RETURNS)]
    in_period = [period.start.isoformat(), period.end.isoformat()]
    return _View(
        period=period,
        cutoff=cutoff,
        reviews=sorted((r for r in reviews if r), key=lambda r: (r.review_type, r.opened, r.key)),
        clocks=sorted((c for c in clocks if c), key=lambda c: (c.due, c.clock_id)),
        actions=sorted((a for a in actions if a), key=lambda a: (a.due, a.action_id)),
        learning=sorted((x for x in learning if x), key=lambda x: (x.shared, x.learning_id)),
        returns=[(d, o) for d, o in returns if o is not None],
        meetings=sorted((m for m in meetings if m), key=lambda m: m.meeting_date),
        notifications=[
            d for d in snapshot.of(NOTIFICATIONS) if in_period[0] <= d["date"] <= in_period[1]
        ],
        decisions=[d for d in snapshot.of(DECISIONS) if in_period[0] <= d["date"] <= in_period[1]],
    )


def _pct(good: int, bad: int) -> float | None:
    return None if good + bad == 0 else round(100 * good / (good + bad), 1)


def _timeliness(view: _View) -> dict[str, tuple[int, int, int]]:
    """Per measure: (on time, late, still open) for duties due within the period."""
    found: dict[str, tuple[int, int, int]] = {}
    for kind in TIMED_CLOCKS:
        due = [c for c in view.clocks if c.kind == kind and view.period.contains(c.due)]
        found[kind] = (
            sum(c.state == "met" for c in due),
            sum(c.state in ("met_late", "breached") for c in due),
            sum(c.state in ("open", "paused") for c in due),
        )
    returns = [
        o for d, o in view.returns if view.period.contains(date.fromisoformat(d["due_date"]))
    ]
    found["returns"] = (returns.count("on_time"), returns.count("late"), returns.count("awaited"))
    return found


def headline(view: _View) -> dict[str, float | int | None]:
    period, cutoff = view.period, view.cutoff
    timely = _timeliness(view)
    found: dict[str, float | int | None] = {}
    for kind in REVIEW_TYPES:
        of_kind = [r for r in view.reviews if r.review_type == kind]
        found[f"{kind}_opened"] = sum(period.contains(r.opened) for r in of_kind)
        found[f"{kind}_open"] = sum(not r.closed for r in of_kind)
    for kind, (good, bad, _) in timely.items():
        found[f"{kind}_on_time_pct"] = _pct(good, bad)
        found[f"{kind}_late"] = bad
    open_clocks = [c for c in view.clocks if c.state in asof.OPEN_CLOCK]
    found["clocks_open"] = len(open_clocks)
    found["clocks_overdue"] = sum(c.overdue(cutoff) for c in open_clocks)
    found["clocks_breached_in_period"] = sum(
        c.breached_on is not None and period.contains(c.breached_on) for c in view.clocks
    )
    found["actions_open"] = sum(a.status == "open" for a in view.actions)
    found["actions_overdue"] = sum(a.overdue(cutoff) for a in view.actions)
    shared = [x for x in view.learning if period.contains(x.shared)]
    found["learning_shared"] = len(shared)
    found["learning_impact_reported"] = sum(x.impact_reported for x in view.learning)
    held = [m for m in view.meetings if period.contains(m.meeting_date)]
    found["meetings"] = len(held)
    found["meetings_inquorate"] = sum(m.quorate() is False for m in held)
    found["notifications_sent"] = sum(d["status"] == "sent" for d in view.notifications)
    found["notifications_failed"] = sum(d["status"] == "failed" for d in view.notifications)
    found["decisions"] = len(view.decisions)
    return found


def _review_rows(view: _View) -> list[list[Cell]]:
    open_by_case: dict[str, list[asof.ClockState]] = {}
    for c in view.clocks:
        if c.state in asof.OPEN_CLOCK:
            open_by_case.setdefault(c.case_id, []).append(c)
    rows: list[list[Cell]] = []
    for r in view.live_reviews():
        subject = r.key.split(":", 1)[1]
        clocks = open_by_case.get(subject, []) if r.review_type in ("rapid_review", "lcspr") else []
        next_due = min((c.due for c in clocks), default=None)
        rows.append(
            [
                r.name,
                REVIEW_TITLES[r.review_type],
                r.opened.isoformat(),
                r.status.replace("_", " "),
                r.since.isoformat(),
                ", ".join(r.tags),
                ", ".join(r.agencies),
                ", ".join(sorted(set(r.age_bands))),
                next_due.isoformat() if next_due else None,
                _panel_copy(r),
            ]
        )
    return rows


def _panel_copy(r: asof.ReviewState) -> str | None:
    """A held Rapid Review's copy to the Panel: sent (when), or not sent yet."""
    if r.review_type != "rapid_review":
        return None
    if r.panel_copy_sent is not None:
        return f"sent {r.panel_copy_sent.isoformat()}"
    held = any(status == "held" for _, status in r.history)
    return "not sent" if held and not r.closed else None


def _features(reviews: list[asof.ReviewState]) -> tuple[Counter[str], Counter[str], Counter[str]]:
    tags: Counter[str] = Counter(t for r in reviews for t in r.tags)
    agencies: Counter[str] = Counter(a for r in reviews for a in r.agencies)
    ages: Counter[str] = Counter(b for r in reviews for b in r.age_bands)
    return tags, agencies, ages


def _changes(view: _View) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for r in view.reviews:
        for i, (day, status) in enumerate(r.history):
            if view.period.contains(day):
                before = r.history[i - 1][1].replace("_", " ") if i else "new"
                rows.append(
                    [
                        day.isoformat(),
                        r.name,
                        REVIEW_TITLES[r.review_type],
                        before,
                        status.replace("_", " "),
                    ]
                )
    for a in view.actions:
        if a.status != "open" and view.period.contains(a.since):
            rows.append([a.since.isoformat(), a.action_id, "action", "open", a.status])
    return sorted(rows, key=lambda row: (str(row[0]), str(row[1])))


def _attention(view: _View, head: dict[str, float | int | None]) -> list[str]:
    cutoff, said = view.cutoff, []
    overdue_clocks = [c for c in view.clocks if c.overdue(cutoff)]
    if overdue_clocks:
        kinds = Counter(c.kind.replace("_", " ") for c in overdue_clocks)
        said.append(
            "Statutory clocks past due and not met: "
            + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        )
    overdue = Counter(a.owner_agency for a in view.actions if a.overdue(cutoff))
    if overdue:
        said.append(
            "Overdue actions by agency: "
            + ", ".join(f"{k} {n}" for k, n in sorted(overdue.items()))
        )
    for kind, measure in TIMED_CLOCKS.items():
        pct = head.get(f"{kind}_on_time_pct")
        if pct is not None and pct < 100:
            said.append(f"{measure}: {pct}% on time this period")
    escalations = [r for r in view.reviews if r.review_type == "escalation" and not r.closed]
    high = [r for r in escalations if asof.rank(r.status) >= asof.rank("stage_4")]
    if high:
        said.append(f"Escalations unresolved at stage 4 or 5: {len(high)}")
    stale = [
        r
        for r in view.reviews
        if r.review_type == "lcspr" and not r.closed and (cutoff - r.opened).days > 183
    ]
    if stale:
        said.append(f"Safeguarding Practice Reviews past the 6-month target: {len(stale)}")
    if head.get("meetings_inquorate"):
        said.append(f"SPRG meetings inquorate: {head['meetings_inquorate']}")
    return said


def _bar(name: str, title: str, unit: str, counts: dict[str, float]) -> Chart:
    return Chart(
        name=name, title=title, unit=unit, labels=list(counts), values=list(counts.values())
    )


def _common_tables(view: _View) -> list[Table]:
    timely = _timeliness(view)
    names = {**TIMED_CLOCKS, "returns": "Information returns by their due date"}
    cutoff = view.cutoff
    return [
        Table(
            name="timeliness",
            title="Timeliness (duties due in the period)",
            columns=["measure", "on time", "late", "still open", "% on time"],
            rows=[[names[k], g, b, o, _pct(g, b)] for k, (g, b, o) in timely.items()],
        ),
        Table(
            name="open_clocks",
            title="Open statutory clocks",
            columns=["case", "clock", "started", "due", "state"],
            rows=[
                [
                    c.case_id,
                    c.kind.replace("_", " "),
                    c.started.isoformat(),
                    c.due.isoformat(),
                    "overdue" if c.overdue(cutoff) else c.state,
                ]
                for c in view.clocks
                if c.state in asof.OPEN_CLOCK
            ],
        ),
        Table(
            name="actions",
            title="Open actions",
            columns=["action", "from", "owner agency", "owner role", "due", "state"],
            rows=[
                [
                    a.action_id,
                    a.source_id,
                    a.owner_agency,
                    a.owner_role,
                    a.due.isoformat(),
                    "overdue" if a.overdue(cutoff) else "open",
                ]
                for a in view.actions
                if a.status == "open"
            ],
        ),
    ]


def _title_period(period: Period) -> str:
    return f"{period.start:%d %B %Y} to {period.end:%d %B %Y}"


def bimonthly(snapshot: Snapshot, period: Period, as_of: date | None = None) -> Report:
    view = _view(snapshot, period, as_of)
    head = headline(view)
    previous = headline(_view(snapshot, period.previous()))
    live = view.live_reviews()
    tags, agencies, ages = _features(live)
    factors: Counter[str] = Counter(f for r in live for f in r.factors)
    by_type = {REVIEW_TITLES[k]: float(head[f"{k}_open"] or 0) for k in REVIEW_TYPES}
    timely = {
        TIMED_CLOCKS.get(k, "returns"): v
        for k, v in ((k, head[f"{k}_on_time_pct"]) for k in (*TIMED_CLOCKS, "returns"))
        if v is not None
    }
    tables = [
        Table(
            name="reviews",
            title="Every review and its progress",
            columns=[
                "review",
                "type",
                "opened",
                "status",
                "since",
                "themes",
                "agencies",
                "age bands",
                "next clock due",
                "copy to the Panel",
            ],
            rows=_review_rows(view),
        ),
        *_common_tables(view),
        Table(
            name="themes",
            title="Themes and features of the reviews",
            columns=["feature", "value", "reviews"],
            rows=[["theme", k, n] for k, n in sorted(tags.items())]
            + [["agency", k, n] for k, n in sorted(agencies.items())]
            + [["age band", k, n] for k, n in sorted(ages.items())]
            + [["LCSPR factor", k.replace("_", " "), n] for k, n in sorted(factors.items())],
        ),
        Table(
            name="learning",
            title="Learning shared in the period",
            columns=["learning", "from", "shared", "audiences", "impact reported"],
            rows=[
                [
                    x.learning_id,
                    x.source_id,
                    x.shared.isoformat(),
                    ", ".join(x.audiences),
                    "yes" if x.impact_reported else "not yet",
                ]
                for x in view.learning
                if period.contains(x.shared)
            ],
        ),
        Table(
            name="meetings",
            title="SPRG meetings in the period",
            columns=["meeting", "date", "chair", "quorate", "unrepresented"],
            rows=[
                [
                    m.meeting_id,
                    m.meeting_date.isoformat(),
                    m.chair_partner,
                    {True: "yes", False: "no", None: "not recorded"}[m.quorate()],
                    ", ".join(m.unrepresented or ()),
                ]
                for m in view.meetings
                if period.contains(m.meeting_date)
            ],
        ),
        Table(
            name="changes",
            title="Changes since the previous report",
            columns=["date", "review or action", "type", "from", "to"],
            rows=_changes(view),
        ),
        Table(
            name="compared",
            title="Compared with the previous report",
            columns=["measure", "previous", "now"],
            rows=[[k.replace("_", " "), previous[k], head[k]] for k in head],
        ),
    ]
    return Report(
        report_id=period.report_id,
        kind=period.kind,
        title=f"SPRG report, {_title_period(period)}",
        period=period.label,
        period_start=period.start,
        period_end=period.end,
        as_at=view.cutoff,
        headline=head,
        previous_headline=previous,
        attention=_attention(view, head),
        tables=tables,
        charts=[
            _bar("open_by_type", "Open reviews by type", "reviews", by_type),
            _bar("timeliness", "On time (%)", "%", timely),
            _bar(
                "themes",
                "Themes of the reviews",
                "reviews",
                {k: float(n) for k, n in tags.most_common(8)},
            ),
            _bar(
                "ages",
                "Children by age band",
                "children",
                {k: float(n) for k, n in sorted(ages.items())},
            ),
        ],
    )


TREND_MEASURES = (
    "rapid_review_opened",
    "case_of_concern_opened",
    "escalation_opened",
    "lcspr_opened",
    "sin_notification_on_time_pct",
    "rapid_review_on_time_pct",
    "returns_on_time_pct",
    "clocks_breached_in_period",
    "actions_overdue",
    "learning_shared",
)


def quarterly(snapshot: Snapshot, period: Period, as_of: date | None = None) -> Report:
    quarters = [period]
    while len(quarters) < 4:
        quarters.insert(0, quarters[0].previous())
    heads = [headline(_view(snapshot, q, as_of)) for q in quarters]
    view = _view(snapshot, period, as_of)
    head, previous = heads[-1], heads[-2]
    status_counts: Counter[tuple[str, str]] = Counter(
        (REVIEW_TITLES[r.review_type], r.status.split(":", 1)[0].replace("_", " "))
        for r in view.reviews
        if not r.closed
    )
    tags, agencies, _ = _features(view.live_reviews())
    tables = [
        Table(
            name="by_type_and_status",
            title="Open reviews by type and status",
            columns=["type", "status", "reviews"],
            rows=[[t, s, n] for (t, s), n in sorted(status_counts.items())],
        ),
        Table(
            name="trends",
            title="Trends across quarters",
            columns=["measure", *[q.label for q in quarters]],
            rows=[[m.replace("_", " "), *[h[m] for h in heads]] for m in TREND_MEASURES],
        ),
        *_common_tables(view)[:1],
        Table(
            name="overdue_actions",
            title="Overdue actions by owner agency",
            columns=["agency", "overdue"],
            rows=[
                [k, n]
                for k, n in sorted(
                    Counter(a.owner_agency for a in view.actions if a.overdue(view.cutoff)).items()
                )
            ],
        ),
        Table(
            name="themes",
            title="Most frequent themes and agencies",
            columns=["feature", "value", "reviews"],
            rows=[["theme", k, n] for k, n in tags.most_common(10)]
            + [["agency", k, n] for k, n in agencies.most_common(10)],
        ),
    ]
    return Report(
        report_id=period.report_id,
        kind=period.kind,
        title=f"Review Summary for the CSCP Executive Group, {_title_period(period)}",
        period=period.label,
        period_start=period.start,
        period_end=period.end,
        as_at=view.cutoff,
        headline=head,
        previous_headline=previous,
        attention=_attention(view, head),
        tables=tables,
        charts=[
            _bar(
                "opened",
                "Reviews opened per quarter",
                "reviews",
                {
                    q.label: float(sum(int(h[f"{k}_opened"] or 0) for k in REVIEW_TYPES))
                    for q, h in zip(quarters, heads, strict=True)
                },
            ),
            _bar(
                "sin_trend",
                "SIN on time per quarter (%)",
                "%",
                {
                    q.label: float(h["sin_notification_on_time_pct"] or 0)
                    for q, h in zip(quarters, heads, strict=True)
                },
            ),
            _bar(
                "rr_trend",
                "Rapid Reviews on time per quarter (%)",
                "%",
                {
                    q.label: float(h["rapid_review_on_time_pct"] or 0)
                    for q, h in zip(quarters, heads, strict=True)
                },
            ),
        ],
    )


def produce(snapshot: Snapshot, period: Period, as_of: date | None = None) -> Report:
    """The report for ``period`` as it stood at its end, or at ``as_of`` when that is
    earlier (a report produced before its period is over: nothing due after ``as_of``
    is counted overdue)."""
    return (
        quarterly(snapshot, period, as_of)
        if period.kind == "executive_quarterly"
        else bimonthly(snapshot, period, as_of)
    )
