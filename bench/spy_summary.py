"""Where each service's time went, from py-spy raw (collapsed) profiles.

    .venv/bin/python bench/spy_summary.py DIR     # DIR holds SERVICE.txt from pipeline.py --profile

A sample goes to the category of the innermost frame of its stack that names one (so
time in pymongo called from a request handler is the store's, not HTTP's); py-spy leaves
out threads it sees as idle, but a thread blocked in epoll or on a lock still shows:
those samples are the first category, the rest is where the service was busy.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

CATEGORIES = (
    ("waiting (epoll, locks, queues)", ("selectors.py", "Condition.wait", "Event.wait", "Queue.")),
    ("store (pymongo)", ("pymongo/",)),
    ("SMTP", ("aiosmtplib/", "smtplib")),
    ("rules engine", ("durable/", "sprg_rules/domain/")),
    ("bus (kafka-python)", ("kafka/",)),
    ("encryption", ("cryptography/",)),
    ("serialisation (pydantic, json)", ("pydantic", "json/", "orjson")),
    ("templates", ("jinja2/",)),
    ("HTTP", ("uvicorn/", "starlette/", "fastapi/", "httpx/", "httpcore/", "h11/")),
    ("logging, metrics, tracing", ("logging/", "prometheus_client/", "opentelemetry/")),
    ("asyncio loop", ("asyncio/",)),
)  # fmt: skip


def category(frames: list[str]) -> str:
    for frame in reversed(frames):
        for name, needles in CATEGORIES:
            if any(needle in frame for needle in needles):
                return name
    return "other"


def summarise(path: Path) -> tuple[int, Counter[str]]:
    shares: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        shares[category(stack.split(";"))] += n
    return total, shares


def main() -> int:
    for path in sorted(Path(sys.argv[1]).glob("*.txt")):
        total, shares = summarise(path)
        parts = ", ".join(f"{k} {100 * v / total:.0f}%" for k, v in shares.most_common(6))
        print(f"{path.stem}: {total} samples; {parts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
