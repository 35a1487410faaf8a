"""The Rapid Review as it stands on a case, from intake's records (pure)."""

from __future__ import annotations

from typing import Any


def rapid_review_state(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The Rapid Review as it stands, from the case's records: held (with the partners'
    view), the copy to the Panel (its own duty: sent and when), or closed because the SIN
    criteria were not met (which supersedes the notification decision)."""
    by_kind = {r["kind"]: r["facts"] for r in records}
    held = by_kind.get("rapid_review_held")
    sent = by_kind.get("rapid_review_sent_to_panel")
    closed = by_kind.get("rapid_review_closed")
    if closed is not None:
        status = "closed: SIN criteria not met"
    elif held is not None:
        status = "held"
    else:
        status = "not held"
    return {
        "status": status,
        "held": None
        if held is None
        else {
            "held_date": held["held_date"],
            "recommendation": held["recommendation"],
            "partners_view": held.get("partners_view"),
        },
        "copy_to_panel": {
            "state": "sent" if sent else ("due" if held and not closed else "not due"),
            "sent_date": sent["sent_date"] if sent else None,
        },
        "closure": None
        if closed is None
        else {
            "closed_date": closed["closed_date"],
            "reason": closed["reason"],
            "supersedes": "the decision that a notification to the Panel was required",
        },
    }
