"""Words for people: duties, dates and states as the partnership says them.

"Notify the Panel by 7 December 2026 (5 working days after you became aware)", never
``sin_notification due 2026-12-07``.
"""

from __future__ import annotations

from datetime import date

from sprg_shared.calendar import WorkingDayCalendar

DUTIES: dict[str, tuple[str, str]] = {
    # kind: (the duty, as an order; what it is, as a noun)
    "sin_notification": ("Notify the Panel", "Serious Incident Notification"),
    "dfe_ofsted_notification": ("Notify the DfE and Ofsted", "DfE and Ofsted notification"),
    "rapid_review": ("Send the Rapid Review to the Panel", "Rapid Review"),
    "rapid_review_conservative": (
        "Send the Rapid Review to the Panel (counted from awareness)",
        "Rapid Review (counted from awareness)",
    ),
    "rapid_review_panel_copy": (
        "Send the copy of the Rapid Review to the Panel",
        "Copy of the Rapid Review to the Panel",
    ),
    "lcspr_completion": ("Complete the LCSPR", "LCSPR completion"),
    "lcspr_prepublication": (
        "Tell the Panel and partners before publishing the LCSPR",
        "LCSPR pre-publication notice",
    ),
    "information_request": ("Return the information asked for", "Information request"),
    "imr_return": ("Return the IMR", "IMR return"),
    "action_due": ("Complete the action", "Action"),
    "escalation_stage": ("Respond at this escalation stage", "Escalation stage response"),
    "bimonthly_report": ("Produce the bi-monthly report", "Bi-monthly report"),
    "papers_deadline": ("Send the papers for the SPRG meeting", "Meeting papers"),
    "executive_update": ("Update the Executive Group", "Executive Group update"),
    "tor_review": ("Review the terms of reference", "Terms of reference review"),
    "sprg_meeting": ("Hold the SPRG meeting", "SPRG meeting"),
}

ANCHORS: dict[str, str] = {
    "aware_date": "after you became aware",
    "sin_submitted_date": "after the notification was submitted to the Panel",
    "clock.sin_notification": "after the notification was due",
    "rapid_review_held_date": "after the Rapid Review was held",
    "lcspr.commissioned_date": "after the review was commissioned",
    "lcspr.planned_publication_date": "before the planned publication",
    "escalation.stage_started_date": "after the stage started",
}
SET_ON: dict[str, str] = {
    # dates a person set rather than counted: when they set them
    "requested_date": "asked on",
    "action_recorded": "agreed on",
}

STATES: dict[str, str] = {
    "open": "Open",
    "reminded": "Reminder sent",
    "paused": "Paused",
    "met": "Done",
    "breached": "Overdue",
    "stopped": "Stopped",
    "closed": "Closed",
}

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def long_date(d: date | str | None) -> str:
    """7 December 2026 (nothing for nothing)."""
    if not d:
        return ""
    if isinstance(d, str):
        try:
            d = date.fromisoformat(d[:10])
        except ValueError:
            return str(d)
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def duty(kind: str) -> str:
    return DUTIES.get(kind, (kind.replace("_", " ").capitalize(), ""))[0]


def duty_noun(kind: str) -> str:
    found = DUTIES.get(kind)
    return found[1] if found else kind.replace("_", " ").capitalize()


def counted(
    kind_anchor: str, base: date, due: date, calendar: WorkingDayCalendar | None = None
) -> str:
    """ "5 working days after you became aware" (or the dates when not a working-day count)."""
    calendar = calendar or WorkingDayCalendar()
    if kind_anchor in SET_ON:
        return f"{SET_ON[kind_anchor]} {long_date(base)}"
    phrase = ANCHORS.get(kind_anchor)
    if phrase is None:
        return f"counted from {long_date(base)}"
    if due >= base:
        days = calendar.working_days_between(base, due)
    else:
        days = calendar.working_days_between(due, base)
    unit = "working day" if days == 1 else "working days"
    return f"{days} {unit} {phrase}"


def sentence(kind: str, anchor: str, base: date, due: date) -> str:
    """Notify the Panel by 7 December 2026 (5 working days after you became aware).

    A recurring duty's date is the schedule's own: nothing to explain in brackets."""
    if anchor == "duty_schedule":
        return f"{duty(kind)} by {long_date(due)}"
    return f"{duty(kind)} by {long_date(due)} ({counted(anchor, base, due)})"


def remaining(days: int, overdue: bool) -> str:
    if overdue or days < 0:
        n = abs(days)
        return "due today, overdue" if n == 0 else f"{n} working day{'s' if n != 1 else ''} late"
    if days == 0:
        return "due today"
    return f"{days} working day{'s' if days != 1 else ''} left"


def yes_no(value: object) -> str:
    return "Yes" if value is True else "No" if value is False else "Not known"


# Words that codes spell in lower case but people write otherwise.
PROPER_WORDS = {
    "dfe": "DfE",
    "ofsted": "and Ofsted",
    "csab": "CSAB",
    "lcspr": "LCSPR",
    "sin": "SIN",
    "sprg": "SPRG",
    "coc": "Case of Concern",
    "imr": "IMR",
    "rr": "Rapid Review",
}


def humanise(code: str | None) -> str:
    """A code as words: ``serious_harm`` → "Serious harm",
    ``dfe_ofsted_notification_not_required`` → "DfE and Ofsted notification not required"."""
    if not code:
        return ""
    words = str(code).replace("-", "_").split("_")
    said = [PROPER_WORDS.get(w, w) for w in words if w]
    if said and said[0] == "and Ofsted":  # only after "DfE"
        said[0] = "Ofsted"
    text = " ".join(said)
    return text[:1].upper() + text[1:]
