"""Finding the real broker and store for a test run, in the order local-infra.md gives.

1. ``KAFKA_BOOTSTRAP_SERVERS`` and ``MONGODB_URL`` from the environment (``make test``);
2. testcontainers, when a Docker engine answers a ping;
3. the local servers, started by ``deploy/local/infra.sh`` on test ports.
Never a skip: if none can be had, the session fails with the reason.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# The test servers' ports; SPRG_TEST_*_PORT moves them (two checkouts testing side by side).
TEST_PORTS = {
    "SPRG_KAFKA_PORT": os.environ.get("SPRG_TEST_KAFKA_PORT", "19092"),
    "SPRG_KAFKA_CONTROLLER_PORT": os.environ.get("SPRG_TEST_KAFKA_CONTROLLER_PORT", "19093"),
    "SPRG_MONGO_PORT": os.environ.get("SPRG_TEST_MONGO_PORT", "27018"),
    "SPRG_KEYCLOAK_PORT": os.environ.get("SPRG_TEST_KEYCLOAK_PORT", "18080"),
    "SPRG_KEYCLOAK_MANAGEMENT_PORT": os.environ.get("SPRG_TEST_KEYCLOAK_MANAGEMENT_PORT", "19001"),
    # Tests' consoles listen on free ports: a loopback redirect URI without a port admits any.
    "SPRG_CONSOLE_REDIRECT_URIS": "http://127.0.0.1/auth/callback",
}
TEST_LOCAL_DIR = REPO / ".local" / "test"


@dataclass(frozen=True)
class Servers:
    kafka: str
    mongodb: str
    how: str
    # The OpenID Connect provider (Keycloak, realm sprg) and the file holding its demo
    # password and client secrets; empty when this run has none (testcontainers).
    keycloak: str = ""
    secrets_file: Path | None = None


def _docker_answers() -> bool:
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if host.startswith("unix://") and not Path(host.removeprefix("unix://")).exists():
        return False  # no engine here; asking the SDK would leak its socket
    try:
        import docker  # noqa: PLC0415

        client = docker.from_env(timeout=3)
    except Exception:  # noqa: BLE001 - any failure means "no engine"
        return False
    try:
        client.ping()
    except Exception:  # noqa: BLE001 - any failure means "no engine"
        return False
    finally:
        client.close()
    return True


@contextmanager
def _containers() -> Iterator[Servers]:
    from testcontainers.kafka import KafkaContainer  # noqa: PLC0415
    from testcontainers.mongodb import MongoDbContainer  # noqa: PLC0415

    with (
        KafkaContainer("apache/kafka:4.1.1").with_kraft() as kafka,
        MongoDbContainer("mongo:7") as mongo,
    ):
        yield Servers(kafka.get_bootstrap_server(), mongo.get_connection_url(), "testcontainers")


@contextmanager
def _local() -> Iterator[Servers]:
    env = {**os.environ, **TEST_PORTS, "SPRG_LOCAL_DIR": str(TEST_LOCAL_DIR)}
    script = REPO / "deploy" / "local" / "infra.sh"
    started = subprocess.run(
        [str(script), "start"], env=env, capture_output=True, text=True, check=False
    )
    if started.returncode != 0:
        raise RuntimeError(
            f"could not start the local servers:\n{started.stdout}\n{started.stderr}"
        )
    try:
        yield Servers(
            f"127.0.0.1:{TEST_PORTS['SPRG_KAFKA_PORT']}",
            f"mongodb://127.0.0.1:{TEST_PORTS['SPRG_MONGO_PORT']}/?directConnection=true",
            "local servers",
            f"http://127.0.0.1:{TEST_PORTS['SPRG_KEYCLOAK_PORT']}",
            TEST_LOCAL_DIR / "secrets.env",
        )
    finally:
        subprocess.run([str(script), "stop"], env=env, capture_output=True, check=False)


@contextmanager
def real_servers() -> Iterator[Servers]:
    kafka, mongodb = os.environ.get("KAFKA_BOOTSTRAP_SERVERS"), os.environ.get("MONGODB_URL")
    if kafka and mongodb:
        secrets = os.environ.get("SPRG_SECRETS_FILE")
        yield Servers(
            kafka,
            mongodb,
            "environment",
            os.environ.get("KEYCLOAK_URL", ""),
            Path(secrets) if secrets else None,
        )
    elif _docker_answers():
        with _containers() as servers:
            yield servers
    else:
        with _local() as servers:
            yield servers
