"""An alert reaches the operations team, and the operator puts things right.

The mail relay refuses the Business Team's "SIN due" e-mail for good: the real notifier records
the failed delivery and dead-letters the event. The real Prometheus (the shared rules, the
configuration `make run` uses with this stack's targets) fires NotificationFailures and
DeadLettersArriving; the real Alertmanager e-mails both to the people with the operations role
in the directory, through a real SMTP server. The operator's console page on Prometheus shows
them, `sprg dlq list` says why the event failed, and once the relay accepts again,
`sprg dlq replay` gets the Business Team told."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from email.message import Message
from pathlib import Path

import httpx
import pytest
import yaml

from sprg_cli.demo import DEMO
from sprg_cli.main import main as sprg
from sprg_cli.ops import (
    CONSOLE_LIBRARIES,
    CONSOLES,
    SHARED_CONFIG,
    alertmanager_config,
    operations_recipients,
    prometheus_config,
)
from sprg_shared.auth import Role
from tests.conftest import bearer, service_env
from tests.e2e.stack import ARTIFACTS, SERVICES, free_port, running_stack
from tests.servers import Servers
from tests.smtp import Mailbox, smtp_server

pytestmark = pytest.mark.e2e

ON_CALL = "ops-on-call@cscp-demo.example.org"  # deploy/demo/croydon-sprg.json, role operations


def _tool(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} is missing: run deploy/local/tools.sh (make test does)"
    return found


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"{url} exited:\n{log.read_text(errors='replace')[-3000:]}"
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(
        f"{url} not ready in {seconds}s:\n{log.read_text(errors='replace')[-3000:]}"
    )


@contextmanager
def _process(cmd: list[str], log: Path, ready_url: str) -> Iterator[None]:
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_ready(ready_url, proc, log)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def _text(message: Message) -> str:
    parts = []
    for part in message.walk():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            parts.append(payload.decode("utf-8", "replace"))
    return "\n".join(parts)


def _wait_for_mail(mailbox: Mailbox, about: str, seconds: float) -> Message:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with mailbox.lock:
            found = [m for m in mailbox.messages if about in str(m["Subject"])]
        if found:
            return found[0]
        time.sleep(0.5)
    with mailbox.lock:
        subjects = [str(m["Subject"]) for m in mailbox.messages]
    raise AssertionError(f"no e-mail about {about} within {seconds}s; got {subjects}")


def _incident() -> dict[str, object]:
    return {
        "aware_date": "2026-04-02",
        "event": {
            "kind": "death",
            "date": "2026-04-01",
            "location": "in_area",
            "abuse_or_neglect": "suspected",
        },
        "children": [
            {
                "name": "Placeholder Child",
                "date_of_birth": "2022-02-22",
                "looked_after": False,
                "care_leaver": False,
                "normally_resident_in_area": True,
            }
        ],
    }


def test_a_failed_delivery_is_emailed_to_operations_and_replayed_once_the_relay_is_fixed(
    servers: Servers,
    run_id: str,
    pii_key: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = service_env(servers, run_id, pii_key)
    prom_port, am_port, smtp_port = free_port(), free_port(), free_port()
    team = f"business.team-{run_id}@cscp.example.org"
    # The SIN-due e-mail's subject: "Serious incident notification for SIN-… due <date>"
    # (the breach e-mails say "OVERDUE: Serious incident notification to the …").
    sin_due = "Serious incident notification for"
    with ExitStack() as stack:
        mailbox = stack.enter_context(smtp_server(smtp_port))
        services = stack.enter_context(
            running_stack(
                env,
                f"alerting-{run_id}",
                {
                    "SPRG_NOTIFIER_SMTP_PORT": str(smtp_port),
                    "SPRG_NOTIFIER_RETRY_BACKOFF_SECONDS": "0.1",
                },
            )
        )
        # The configs `make run` writes (deploy/local/monitoring.sh), with this stack's
        # targets, a 1 s scrape and evaluation, and Alertmanager's wait cut to a second.
        targets = {s: services.urls[s].removeprefix("http://") for s in SERVICES}
        targets["prometheus"] = f"127.0.0.1:{prom_port}"
        shared = yaml.safe_load(SHARED_CONFIG.read_text())
        prom_config = prometheus_config(shared, targets, f"127.0.0.1:{am_port}", interval="1s")
        recipients = operations_recipients(json.loads((DEMO / "croydon-sprg.json").read_text()))
        am_config = alertmanager_config(
            recipients,
            f"127.0.0.1:{smtp_port}",
            "alertmanager@cscp-demo.example.org",
            group_wait="1s",
            group_interval="1s",
        )
        (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(prom_config))
        (tmp_path / "alertmanager.yml").write_text(yaml.safe_dump(am_config))
        checked = subprocess.run(
            [_tool("promtool"), "check", "config", str(tmp_path / "prometheus.yml")],
            capture_output=True,
            text=True,
            check=False,
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr

        am_url, prom_url = f"http://127.0.0.1:{am_port}", f"http://127.0.0.1:{prom_port}"
        stack.enter_context(
            _process(
                [
                    _tool("prometheus-alertmanager"),
                    f"--config.file={tmp_path / 'alertmanager.yml'}",
                    f"--storage.path={tmp_path / 'am-data'}",
                    f"--web.listen-address=127.0.0.1:{am_port}",
                    "--cluster.listen-address=",
                ],
                ARTIFACTS / f"alerting-{run_id}-alertmanager.log",
                f"{am_url}/-/ready",
            )
        )
        stack.enter_context(
            _process(
                [
                    _tool("prometheus"),
                    f"--config.file={tmp_path / 'prometheus.yml'}",
                    f"--storage.tsdb.path={tmp_path / 'prom-data'}",
                    f"--web.listen-address=127.0.0.1:{prom_port}",
                    f"--web.console.templates={CONSOLES}",
                    f"--web.console.libraries={CONSOLE_LIBRARIES}",
                ],
                ARTIFACTS / f"alerting-{run_id}-prometheus.log",
                f"{prom_url}/-/ready",
            )
        )

        # Nothing is wrong yet: every service is scraped and neither alert fires.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            up = httpx.get(f"{prom_url}/api/v1/query", params={"query": "up"}).json()
            ups = {r["metric"]["job"]: r["value"][1] for r in up["data"]["result"]}
            if all(ups.get(s) == "1" for s in SERVICES):
                break
            time.sleep(0.5)
        assert all(ups.get(s) == "1" for s in SERVICES), ups
        alerts = httpx.get(f"{prom_url}/api/v1/alerts").json()["data"]["alerts"]
        ours = {"DeadLettersArriving", "NotificationFailures"}
        assert not [a for a in alerts if a["labels"]["alertname"] in ours]

        # The Business Team is in the directory; the relay refuses its SIN-due e-mail for good.
        business = bearer("cscp", Role.BUSINESS_TEAM)
        person = {
            "person_id": "bt-1",
            "name": "CSCP Business Team",
            "email": team,
            "agency": "cscp",
            "roles": ["business_team"],
        }
        put = httpx.put(
            services.url("notifier", "/v1/directory/people/bt-1"), json=person, headers=business
        )
        assert put.status_code == 200, put.text
        mailbox.refuse[team, sin_due] = -1
        posted = httpx.post(
            services.url("intake", "/v1/incidents"),
            json=_incident(),
            headers=bearer("croydon-csc", Role.AGENCY_SUBMITTER),
        )
        assert posted.status_code == 201, posted.text
        case_id = posted.json()["case_id"]

        failures = _wait_for_mail(mailbox, "NotificationFailures", 120)
        letters = _wait_for_mail(mailbox, "DeadLettersArriving", 60)
        for mail in (failures, letters):
            to = [a.strip() for a in str(mail["To"]).split(",")]
            assert ON_CALL in to and set(to) == set(recipients)
            assert "Placeholder Child" not in mail.as_string()
        assert "email deliveries of" in _text(failures) and "failed" in _text(failures)
        assert "docs/operations.md#notificationfailures" in _text(failures)
        assert "notifier dead-lettered messages from" in _text(letters)
        assert "docs/operations.md#deadlettersarriving" in _text(letters)

        # Prometheus's own page for the operator shows both among the alerts, and the
        # failed delivery and the dead letter in their sections.
        page = httpx.get(f"{prom_url}/consoles/sprg.html", timeout=10)
        assert page.status_code == 200, page.text[-2000:]
        firing = page.text.split('id="alerts"')[1].split('id="clocks"')[0]
        assert "DeadLettersArriving" in firing and "NotificationFailures" in firing
        dead = page.text.split('id="dead-letters"')[1].split('id="notifications"')[0]
        assert "notifier" in dead
        failed = page.text.split('id="notifications"')[1].split('id="http"')[0]
        assert "email" in failed

        # The operator reads why it failed...
        capsys.readouterr()
        group = f"t{run_id}-notifier"
        assert sprg(["dlq", "list", "--group", group, "--bootstrap-servers", servers.kafka]) == 0
        listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        # One event failed. A redelivered copy of it (the same event id: at-least-once on the
        # bus) that failed again is listed too; replaying either sends it once.
        mine = [d for d in listed if d["key"] == case_id]
        assert len({d["event_id"] for d in mine}) == 1, listed
        assert mine[0]["reason"].startswith("delivery failed after 4 attempts to: bt-1")
        assert not [
            m for m in mailbox.to(team) if case_id in m.as_string() and sin_due in str(m["Subject"])
        ]

        # ...fixes the relay, and replays it: the Business Team is told, once.
        del mailbox.refuse[team, sin_due]
        offset = str(mine[0]["dlq_offset"])
        replay = ["dlq", "replay", "--offset", offset, "--bootstrap-servers", servers.kafka]
        assert sprg(replay) == 0
        deadline = time.monotonic() + 60
        told: list[Message] = []
        while time.monotonic() < deadline and not told:
            told = [m for m in mailbox.to(team, case_id) if sin_due in str(m["Subject"])]
            time.sleep(0.5)
        assert len(told) == 1, "the replayed event did not reach the Business Team"
        time.sleep(3)  # anything sent twice would have arrived by now
        told = [m for m in mailbox.to(team, case_id) if sin_due in str(m["Subject"])]
        assert len(told) == 1
