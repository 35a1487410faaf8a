"""An alert reaches the operations team: a poison message is dead-lettered by a real service,
the real Prometheus (the shared rules, the configuration `make run` uses with this stack's
targets) fires DeadLettersArriving, and the real Alertmanager e-mails it to the people with the
operations role in the directory, through a real SMTP server. The operator's console page on
Prometheus shows it, and `sprg dlq list` says why the message failed."""

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
from kafka import KafkaProducer

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
from sprg_shared import topics
from tests.conftest import service_env
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


def test_a_dead_letter_fires_an_alert_that_alertmanager_emails_to_the_operations_team(
    servers: Servers,
    run_id: str,
    pii_key: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = service_env(servers, run_id, pii_key)
    prom_port, am_port, smtp_port = free_port(), free_port(), free_port()
    with ExitStack() as stack:
        mailbox = stack.enter_context(smtp_server(smtp_port))
        services = stack.enter_context(
            running_stack(env, f"alerting-{run_id}", {"SPRG_NOTIFIER_SMTP_PORT": str(smtp_port)})
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

        # Nothing is wrong yet: every service is scraped and no dead letter alert fires.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            up = httpx.get(f"{prom_url}/api/v1/query", params={"query": "up"}).json()
            ups = {r["metric"]["job"]: r["value"][1] for r in up["data"]["result"]}
            if all(ups.get(s) == "1" for s in SERVICES):
                break
            time.sleep(0.5)
        assert all(ups.get(s) == "1" for s in SERVICES), ups
        alerts = httpx.get(f"{prom_url}/api/v1/alerts").json()["data"]["alerts"]
        assert not [a for a in alerts if a["labels"]["alertname"] == "DeadLettersArriving"]

        # A poison message on a topic the notifier reads: it cannot be read, so it is
        # dead-lettered at once.
        producer = KafkaProducer(bootstrap_servers=servers.kafka, acks="all")
        try:
            sent = producer.send(
                topics.NOTIFY, key=f"poison-{run_id}".encode(), value=b"{not an envelope"
            ).get(timeout=30)
        finally:
            producer.close(timeout=10)

        mail = _wait_for_mail(mailbox, "DeadLettersArriving", 120)
        to = [a.strip() for a in str(mail["To"]).split(",")]
        assert ON_CALL in to and set(to) == set(recipients)
        body = _text(mail)
        assert "notifier dead-lettered messages from sprg.notify" in body
        assert "docs/operations.md#deadlettersarriving" in body

        # Prometheus's own page for the operator shows it among the alerts and dead letters.
        page = httpx.get(f"{prom_url}/consoles/sprg.html", timeout=10)
        assert page.status_code == 200, page.text[-2000:]
        firing = page.text.split('id="alerts"')[1].split('id="clocks"')[0]
        assert "DeadLettersArriving" in firing
        dead = page.text.split('id="dead-letters"')[1].split('id="notifications"')[0]
        assert "sprg.notify" in dead and "notifier" in dead

    # And the operator can read why it failed.
    assert sprg(["dlq", "list", "--bootstrap-servers", servers.kafka]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    mine = [
        d
        for d in listed
        if d["topic"] == topics.NOTIFY
        and d["offset"] == sent.offset
        and d["partition"] == sent.partition
        and d["consumer_group"] == f"t{run_id}-notifier"
    ]
    assert len(mine) == 1, listed[-5:]
    assert mine[0]["reason"].startswith("unreadable envelope")
    assert mine[0]["key"] == f"poison-{run_id}"
