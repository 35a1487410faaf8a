"""The pipeline measured against its own bus (issue 16, items 4 and 6).

    eval "$(deploy/local/infra.sh env)"      # a broker and a store (here: the test ones)
    .venv/bin/python bench/pipeline.py --incidents 1000                 # as fast as it goes
    .venv/bin/python bench/pipeline.py --incidents 1200 --rate 20       # open loop, 20/s
    .venv/bin/python bench/pipeline.py --incidents 1600 --rate 20 --kill  # crash each consumer

Starts the five services as processes (as tests/e2e/stack.py does) with the notifier
sending to a real SMTP server of this script's, puts the Business Team in the notifier's
directory, posts N serious incidents (a child's death, abuse suspected: the SIN clock
starts) through intake, and times each from its POST to the Business Team's "Serious
incident notification due" e-mail and to reporting's count (``/v1/summary``, sampled).
In the same run, raw kafka-python produce→consume of N messages of the incidents'
mean size on the same broker (acks=all), then both rates and their ratio.

``--rate R`` posts on a fixed schedule (open loop: a slow pipeline does not slow the
posting); without it, ``--concurrency`` posts are in flight at once (closed loop).
``--kill`` SIGKILLs rules, scheduler, notifier and reporting once each, at 15/35/55/75 %
of the posts, restarts each after ``--down`` seconds, and reports for each the seconds
from its restart to its consumer group's zero lag, and whether any e-mail was lost or
sent twice. ``--profile DIR`` samples every service with py-spy while the load runs
(``uvx --from py-spy==0.4.3 py-spy`` must work; root or ptrace rights).
Prints one JSON line per phase and a final summary line.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import email.policy
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from aiosmtpd.controller import Controller
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.structs import TopicPartition

from sprg_shared import topics
from sprg_shared.auth import Role, mint, new_dev_key

REPO = Path(__file__).resolve().parents[1]
SERVICES = ("intake", "rules", "scheduler", "notifier", "reporting")
CONSUMERS = ("rules", "scheduler", "notifier", "reporting")
# The subject names the case by the reference people were given (SIN-2026-<8 hex of the id>).
SUBJECT_CASE = re.compile(r"^Serious incident notification for SIN-\d{4}-([0-9A-F]{8}) due")


def mail_key(case_id: str) -> str:
    """The part of a case id its reference carries (sprg_shared.references.minted)."""
    return case_id.replace("-", "")[:8].upper()


BUSINESS_TEAM = "business.team@cscp.example.org"
REPORT: dict[str, Any] = {
    "aware_date": "2026-04-02",
    "event": {
        "kind": "death",
        "date": "2026-04-01",
        "location": "in_area",
        "abuse_or_neglect": "suspected",
    },
    "children": [
        {
            "name": "Bench Child",
            "date_of_birth": "2022-02-22",
            "looked_after": False,
            "care_leaver": False,
            "normally_resident_in_area": True,
        }
    ],
}


def fresh_report() -> dict[str, Any]:
    """The same incident, but happened yesterday and known today (London), as most are
    reported: its clocks start and fall due days ahead, so nothing breaches at once. The
    default report's incident is months old: every clock breaches as it starts (three
    breach events and their e-mails per case besides the SIN e-mail)."""
    today = datetime.now(ZoneInfo("Europe/London")).date()
    return REPORT | {
        "aware_date": today.isoformat(),
        "event": REPORT["event"] | {"date": (today - timedelta(days=1)).isoformat()},
    }


def free_port() -> int:
    import socket  # noqa: PLC0415

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def emit(line: dict[str, Any]) -> None:
    print(json.dumps({"at": datetime.now(UTC).strftime("%H:%M:%S"), **line}), flush=True)


# --- the SMTP catcher ------------------------------------------------------------------


@dataclass
class Catcher:
    """Keeps, per case, when each SIN-due e-mail to the Business Team arrived."""

    sin_mail: dict[str, list[float]] = field(default_factory=dict)
    other: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        now = time.monotonic()
        # A long subject is folded over two header lines (and may be RFC 2047 encoded).
        headers = BytesHeaderParser(policy=email.policy.default).parsebytes(envelope.content)
        subject = " ".join(str(headers["Subject"] or "").split())
        matched = SUBJECT_CASE.match(subject)
        with self.lock:
            if matched and BUSINESS_TEAM in envelope.rcpt_tos:
                self.sin_mail.setdefault(matched.group(1), []).append(now)
            else:
                self.other += 1
        return "250 OK"


# --- the services ----------------------------------------------------------------------


@dataclass
class Services:
    env: dict[str, str]
    logs: Path
    urls: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, service: str) -> None:
        port = self.env.setdefault(f"SPRG_{service.upper()}_HTTP_PORT", str(free_port()))
        self.urls[service] = f"http://127.0.0.1:{port}"
        with (self.logs / f"{service}.log").open("ab") as out:
            self.procs[service] = subprocess.Popen(
                [sys.executable, "-m", f"sprg_{service}"],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def ready(self, service: str, deadline: float = 300) -> float:
        """Seconds until /readyz answers 200."""
        started, stop = time.monotonic(), time.monotonic() + deadline
        while time.monotonic() < stop:
            if self.procs[service].poll() is not None:
                tail = (self.logs / f"{service}.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{service} exited:\n{tail}")
            try:
                if httpx.get(self.urls[service] + "/readyz", timeout=2).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{service} not ready in {deadline}s")

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


# --- CPU by component -----------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_of(pid: int) -> float:
    """User and system seconds of a live process (its threads included)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found + [g for c in found for g in _children(c)]


def component_of(cmdline: str) -> str | None:
    if "kafka.Kafka" in cmdline:
        return "kafka"
    if cmdline.startswith("postgres"):
        return "postgresql"
    if "ferretdb" in cmdline.split(" ", 1)[0]:
        return "ferretdb"
    if "keycloak" in cmdline:
        return "keycloak (idle)"
    return None


def cpu_snapshot(services: Services) -> dict[str, float]:
    """CPU seconds so far of each service (with its child processes, e.g. the rules'
    engine), the broker, FerretDB, PostgreSQL (every backend alive now) and this script."""
    seconds: dict[str, float] = {}
    mine = set()
    for name, proc in services.procs.items():
        pids = [proc.pid, *_children(proc.pid)]
        mine.update(pids)
        seconds[name] = sum(cpu_of(p) for p in pids)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in mine:
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        component = component_of(cmdline)
        if component:
            seconds[component] = seconds.get(component, 0.0) + cpu_of(int(entry.name))
    own = os.times()
    seconds["bench (posts, SMTP catcher)"] = own.user + own.system
    return seconds


def cpu_used(
    before: dict[str, float], after: dict[str, float], cases: int, wall: float
) -> dict[str, Any]:
    """CPU seconds each component used between two snapshots, per case, and in all as
    cores busy on average (2 is the whole machine)."""
    used = {k: round(after.get(k, 0.0) - before.get(k, 0.0), 1) for k in after}
    total = sum(used.values())
    return {
        "seconds": dict(sorted(used.items(), key=lambda kv: -kv[1])),
        "ms_per_case": {k: round(1000 * v / max(cases, 1), 1) for k, v in used.items() if v},
        "total_ms_per_case": round(1000 * total / max(cases, 1), 1),
        "cores_busy": round(total / wall, 2) if wall else None,
        "ceiling_cases_per_s_on_2_cores": round(2 * max(cases, 1) / total, 1) if total else None,
    }


# --- consumer lag ----------------------------------------------------------------------


class Lag:
    """A group's lag: the partitions' ends less its committed offsets (where it has none
    yet, the offset it started at: SPRG_CONSUMER_START_AT)."""

    def __init__(self, bootstrap: str, start_ms: int) -> None:
        self._admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="bench-lag")
        self._ends = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
        self._start_ms = start_ms
        self._starts: dict[TopicPartition, int] = {}

    def of(self, group: str, topic_names: tuple[str, ...]) -> int:
        partitions = [
            TopicPartition(t, p)
            for t in topic_names
            for p in sorted(self._ends.partitions_for_topic(t) or ())
        ]
        ends = self._ends.end_offsets(partitions)
        if any(tp not in self._starts for tp in partitions):
            found = self._ends.offsets_for_times(dict.fromkeys(partitions, self._start_ms))
            for tp in partitions:
                at = found.get(tp)
                self._starts.setdefault(tp, at.offset if at is not None else ends[tp])
        committed = self._admin.list_group_offsets({group: None}).get(group, {})
        return sum(
            max(0, ends[tp] - (committed[tp].offset if tp in committed else self._starts[tp]))
            for tp in partitions
        )

    def close(self) -> None:
        self._admin.close()
        self._ends.close()


GROUP_TOPICS = {
    "rules": (topics.INTAKE,),
    "scheduler": (topics.DECISIONS, topics.INTAKE),
    "notifier": (topics.INTAKE, topics.DECISIONS, topics.CLOCKS),
    "reporting": (topics.INTAKE, topics.DECISIONS, topics.CLOCKS, topics.NOTIFICATIONS),
}


# --- the load --------------------------------------------------------------------------


@dataclass
class Posted:
    started: float
    answered: float
    case_id: str | None
    status: int


async def post_all(
    intake: str,
    headers: dict[str, str],
    body: dict[str, Any],
    n: int,
    rate: float,
    concurrency: int,
    on_post: Any,
) -> list[Posted]:
    results: list[Posted] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:

        async def one(i: int) -> None:
            started = time.monotonic()
            key = {"Idempotency-Key": f"bench-{uuid.uuid4().hex}"}
            try:
                r = await client.post(
                    intake + "/v1/incidents", json=body, headers={**headers, **key}
                )
                case_id = r.json().get("case_id") if r.status_code == 201 else None
                results.append(Posted(started, time.monotonic(), case_id, r.status_code))
            except httpx.HTTPError:
                results.append(Posted(started, time.monotonic(), None, 0))
            on_post(len(results))

        if rate > 0:
            t0 = time.monotonic()
            tasks = []
            for i in range(n):
                delay = t0 + i / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(one(i)))
            await asyncio.gather(*tasks)
        else:
            queue = iter(range(n))

            async def worker() -> None:
                for i in queue:
                    await one(i)

            await asyncio.gather(*(worker() for _ in range(concurrency)))
    return results


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def spread(values: list[float]) -> dict[str, float | None]:
    return {
        "p50": percentile(values, 0.50),
        "p95": percentile(values, 0.95),
        "p99": percentile(values, 0.99),
        "max": round(max(values), 3) if values else None,
    }


# --- raw kafka-python ------------------------------------------------------------------


def mean_intake_size(bootstrap: str, since_ms: int) -> int:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    try:
        parts = [
            TopicPartition(topics.INTAKE, p)
            for p in consumer.partitions_for_topic(topics.INTAKE) or ()
        ]
        consumer.assign(parts)
        starts = consumer.offsets_for_times(dict.fromkeys(parts, since_ms))
        ends = consumer.end_offsets(parts)
        sizes: list[int] = []
        for tp in parts:
            found = starts.get(tp)
            consumer.seek(tp, found.offset if found else ends[tp])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(consumer.position(tp) < ends[tp] for tp in parts):
            for records in consumer.poll(timeout_ms=500).values():
                sizes.extend(len(r.value) for r in records)
        return int(statistics.mean(sizes)) if sizes else 1500
    finally:
        consumer.close()


def raw_kafka(bootstrap: str, n: int, size: int) -> dict[str, Any]:
    topic = f"bench-raw-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    from kafka.admin import NewTopic  # noqa: PLC0415

    admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    admin.close()
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, group_id=f"{topic}-g", auto_offset_reset="earliest"
    )
    # The topic's metadata first: a member that joins before it knows the partitions is
    # assigned nothing until the next metadata refresh (5 minutes; a run hung on it).
    wait = time.monotonic() + 60
    while not consumer.partitions_for_topic(topic) and time.monotonic() < wait:
        time.sleep(0.2)
    consumer.subscribe([topic])
    while not consumer.assignment() and time.monotonic() < wait:
        consumer.poll(timeout_ms=200)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    value = os.urandom(size // 2).hex().encode()[:size]
    got = 0
    started = time.monotonic()
    for i in range(n):
        producer.send(topic, key=str(i).encode(), value=value)
    producer.flush()
    produced = time.monotonic() - started
    deadline = time.monotonic() + 120
    while got < n and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=500).values():
            got += len(records)
    elapsed = time.monotonic() - started
    producer.close()
    consumer.close()
    return {
        "messages": n,
        "received": got,
        "bytes": size,
        "produce_s": round(produced, 2),
        "produce_to_consume_s": round(elapsed, 2),
        "rate_per_s": round(got / elapsed, 1),
    }


# --- profiling -------------------------------------------------------------------------


def start_profiles(services: Services, folder: Path, seconds: int) -> list[subprocess.Popen[bytes]]:
    folder.mkdir(parents=True, exist_ok=True)
    return [
        subprocess.Popen(
            [
                shutil.which("uvx") or str(Path("~/.local/bin/uvx").expanduser()),
                "--from",
                "py-spy==0.4.3",
                "py-spy",
                "record",
                "--nonblocking",
                "--pid",
                str(proc.pid),
                "--duration",
                str(seconds),
                "--rate",
                "50",
                "--format",
                "raw",
                "--output",
                str(folder / f"{name}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name, proc in services.procs.items()
    ]


# --- the run ---------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=500)
    parser.add_argument("--rate", type=float, default=0.0, help="posts a second (0: closed loop)")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--kill", action="store_true", help="SIGKILL and restart each consumer")
    parser.add_argument(
        "--down", type=float, default=5.0, help="seconds a killed service stays down"
    )
    parser.add_argument("--deadline", type=float, default=900, help="seconds to wait for mails")
    parser.add_argument(
        "--fresh", action="store_true", help="incidents of yesterday, known today: no breach"
    )
    parser.add_argument("--profile", type=Path, help="py-spy each service into this folder")
    parser.add_argument("--profile-seconds", type=int, default=40)
    args = parser.parse_args()

    bootstrap = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    run = uuid.uuid4().hex[:8]
    # Development tokens: a key of this run's own, which the services trust (not production).
    key_file = Path(tempfile.mkdtemp(prefix="sprg-bench-")) / "dev-signing-key.pem"
    key_file.write_bytes(new_dev_key())
    key_file.chmod(0o600)
    start_at = datetime.now(UTC) - timedelta(seconds=5)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPRG_")}
    env.update(
        {
            "SPRG_AUTH_DEV_KEY_FILE": str(key_file),
            "SPRG_INTAKE_PII_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "SPRG_CONSUMER_START_AT": start_at.isoformat(),
        }
    )
    for s in SERVICES:
        env[f"SPRG_{s.upper()}_DATABASE"] = f"b{run}_{s}"
        env[f"SPRG_{s.upper()}_CONSUMER_GROUP"] = f"b{run}-{s}"
    smtp_port = free_port()
    env["SPRG_NOTIFIER_SMTP_PORT"] = str(smtp_port)
    logs = REPO / "test-artifacts" / f"pipeline-{run}"
    logs.mkdir(parents=True, exist_ok=True)

    def token(agency: str, role: Role) -> dict[str, str]:
        t = mint(
            key_file,
            subject=f"{agency}-bench",
            agency=agency,
            roles=frozenset({role}),
            ttl=timedelta(minutes=59),  # the services refuse tokens living longer than an hour
        )
        return {"Authorization": f"Bearer {t}"}

    catcher = Catcher()
    controller = Controller(catcher, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    services = Services(env, logs)
    lag = Lag(bootstrap, int(start_at.timestamp() * 1000))
    emit(
        {
            "phase": "start",
            "run": run,
            "args": vars(args) | {"profile": str(args.profile)},
            "load": load_average(),
        }
    )
    try:
        t_boot = time.monotonic()
        for s in SERVICES:
            services.start(s)
        for s in SERVICES:
            services.ready(s)
        emit(
            {
                "phase": "ready",
                "seconds": round(time.monotonic() - t_boot, 1),
                "load": load_average(),
            }
        )
        business = token("cscp", Role.BUSINESS_TEAM)
        put = httpx.put(
            services.urls["notifier"] + "/v1/directory/people/bt-bench",
            headers=business,
            json={
                "person_id": "bt-bench",
                "name": "CSCP Business Team",
                "email": BUSINESS_TEAM,
                "agency": "cscp",
                "roles": ["business_team"],
            },
            timeout=30,
        )
        put.raise_for_status()

        # reporting's count, sampled
        counts: list[tuple[float, int]] = []
        sampling = threading.Event()
        reader = token("cscp", Role.EXECUTIVE_READER)

        def sample() -> None:
            with httpx.Client(timeout=10) as http:
                while not sampling.is_set():
                    try:
                        r = http.get(services.urls["reporting"] + "/v1/summary", headers=reader)
                        if r.status_code == 200:
                            counts.append((time.monotonic(), int(r.json()["cases_reported"])))
                    except httpx.HTTPError:
                        pass
                    time.sleep(0.25)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()

        # kills, driven by how many posts were answered
        kills: dict[str, dict[str, Any]] = {}
        plan = (
            {
                int(args.incidents * f): s
                for f, s in zip((0.15, 0.35, 0.55, 0.75), CONSUMERS, strict=True)
            }
            if args.kill
            else {}
        )
        kill_queue: list[str] = []

        def on_post(done: int) -> None:
            if done in plan:
                kill_queue.append(plan.pop(done))

        def killer() -> None:
            while not sampling.is_set():
                if not kill_queue:
                    time.sleep(0.1)
                    continue
                s = kill_queue.pop(0)
                proc = services.procs[s]
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                killed = time.monotonic()
                time.sleep(args.down)
                services.start(s)
                restarted = time.monotonic()
                group = f"b{run}-{s}"
                backlog = None
                try:
                    ready = services.ready(s)
                except RuntimeError as exc:
                    kills[s] = {"error": str(exc)[:300]}
                    continue
                zero = None
                stop = time.monotonic() + 600
                while time.monotonic() < stop:
                    current = lag.of(group, GROUP_TOPICS[s])
                    if backlog is None:
                        backlog = current
                    if current == 0:
                        zero = time.monotonic() - restarted
                        break
                    time.sleep(0.25)
                kills[s] = {
                    "down_s": round(restarted - killed, 1),
                    "restart_to_ready_s": round(ready, 1),
                    "lag_when_ready": backlog,
                    "restart_to_zero_lag_s": round(zero, 1) if zero is not None else None,
                    "load": load_average(),
                }
                emit({"phase": "killed", "service": s, **kills[s]})

        kill_thread = threading.Thread(target=killer, daemon=True)
        kill_thread.start()
        profilers = (
            start_profiles(services, args.profile, args.profile_seconds) if args.profile else []
        )

        since_ms = int(time.time() * 1000)
        cpu_before = cpu_snapshot(services)
        t0 = time.monotonic()
        posted = asyncio.run(
            post_all(
                services.urls["intake"],
                token("croydon-csc", Role.AGENCY_SUBMITTER),
                fresh_report() if args.fresh else REPORT,
                args.incidents,
                args.rate,
                args.concurrency,
                on_post,
            )
        )
        t_posted = time.monotonic()
        ok = [p for p in posted if p.case_id]
        emit(
            {
                "phase": "posted",
                "ok": len(ok),
                "failed": len(posted) - len(ok),
                "seconds": round(t_posted - t0, 1),
                "rate_per_s": round(len(posted) / (t_posted - t0), 1),
                "load": load_average(),
            }
        )

        # wait for every e-mail and the count
        want = {mail_key(p.case_id) for p in ok if p.case_id is not None}
        stop = time.monotonic() + args.deadline
        while time.monotonic() < stop:
            with catcher.lock:
                mailed = want & set(catcher.sin_mail)
            counted = counts[-1][1] if counts else 0
            if (
                len(mailed) == len(want)
                and counted >= len(want)
                and not kill_queue
                and (
                    len(kills) == len(CONSUMERS if args.kill else ()) or not kill_thread.is_alive()
                )
            ):
                break
            time.sleep(0.5)
        time.sleep(3)  # a doubled e-mail or count arrives late: give it a moment
        t_end = time.monotonic()
        cpu_after = cpu_snapshot(services)
        sampling.set()
        sampler.join(5)
        for p in profilers:
            p.wait(120)

        with catcher.lock:
            mails = {k: list(v) for k, v in catcher.sin_mail.items()}
        to_mail = [
            mails[mail_key(p.case_id)][0] - p.started
            for p in ok
            if p.case_id and mail_key(p.case_id) in mails
        ]
        last_mail = max((mails[c][0] for c in want if c in mails), default=t_end)
        by_start = sorted(p.started for p in ok)
        to_count: list[float] = []
        for k, started in enumerate(by_start, 1):
            reached = next((t for t, c in counts if c >= k), None)
            if reached is not None:
                to_count.append(reached - started)
        count_done = next((t for t, c in counts if c >= len(want)), None)
        final_count = counts[-1][1] if counts else 0

        emit(
            {
                "phase": "measured",
                "post_to_mail_s": spread(to_mail),
                "post_to_count_s": spread(to_count),
                "mailed": len(to_mail),
                "reporting_count": final_count,
                "wall_s": round(t_end - t0, 1),
            }
        )
        raw = raw_kafka(bootstrap, len(ok) or args.incidents, mean_intake_size(bootstrap, since_ms))
        e2e_mail_rate = len(to_mail) / (last_mail - t0) if to_mail else 0.0
        e2e_count_rate = len(want) / (count_done - t0) if count_done else 0.0
        summary: dict[str, Any] = {
            "phase": "summary",
            "run": run,
            "incidents": args.incidents,
            "mode": f"open loop {args.rate}/s"
            if args.rate
            else f"closed loop, {args.concurrency} in flight",
            "posted_ok": len(ok),
            "post_http_s": spread([p.answered - p.started for p in ok]),
            "post_to_mail_s": spread(to_mail),
            "post_to_count_s": spread(to_count),
            "mailed": len(to_mail),
            "lost_mail": len(want - set(mails)),
            "doubled_mail": sum(1 for c in want if len(mails.get(c, [])) > 1),
            "reporting_count": final_count,
            "e2e_rate_to_mail_per_s": round(e2e_mail_rate, 1),
            "e2e_rate_to_count_per_s": round(e2e_count_rate, 1),
            "raw_kafka": raw,
            "ratio_e2e_to_raw": round(
                min(e2e_mail_rate, e2e_count_rate or e2e_mail_rate) / raw["rate_per_s"], 4
            )
            if raw["rate_per_s"]
            else None,
            "kills": kills,
            "wall_s": round(t_end - t0, 1),
            "cpu": cpu_used(cpu_before, cpu_after, len(ok), t_end - t0),
            "load": load_average(),
        }
        emit(summary)
        return 0 if summary["lost_mail"] == 0 and summary["doubled_mail"] == 0 else 1
    finally:
        services.stop()
        controller.stop()
        lag.close()


if __name__ == "__main__":
    sys.exit(main())
