"""Wait until a local Kafka broker or FerretDB server answers.

    wait_ready.py kafka 127.0.0.1:9092 [TIMEOUT_S]
    wait_ready.py mongo 'mongodb://127.0.0.1:27017/?directConnection=true' [TIMEOUT_S]

Kafka is ready when an admin client lists topics; FerretDB when `ping` answers.
TIMEOUT_S 0 means one quick try. Exit 0 when ready, 1 otherwise.
Used by deploy/local/infra.sh.
"""

import logging
import os
import socket
import sys
import time

from kafka.admin import KafkaAdminClient
from pymongo import MongoClient


def port_open(bootstrap: str) -> bool:
    host, port = bootstrap.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
    except OSError:
        return False
    return True


def sasl_settings() -> dict[str, str]:
    """SASL/SCRAM from the environment infra.sh sets (as sprg_shared.kafka_security reads it)."""
    protocol = os.environ.get("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT")
    if not protocol.startswith("SASL_"):
        return {"security_protocol": protocol}
    return {
        "security_protocol": protocol,
        "sasl_mechanism": os.environ.get("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512"),
        "sasl_plain_username": os.environ["KAFKA_SASL_USERNAME"],
        "sasl_plain_password": os.environ["KAFKA_SASL_PASSWORD"],
    }


def kafka_ready(bootstrap: str) -> bool:
    if not port_open(bootstrap):  # fail fast: the admin client waits out its timeout
        raise ConnectionRefusedError(f"nothing listens on {bootstrap}")
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap,
        client_id="sprg-wait-ready",
        **sasl_settings(),
        request_timeout_ms=5000,
        bootstrap_timeout_ms=2000,
    )
    try:
        admin.list_topics()
        return True
    finally:
        admin.close()


def mongo_ready(url: str) -> bool:
    client = MongoClient(url, serverSelectionTimeoutMS=1000, connectTimeoutMS=1000)
    try:
        return client.admin.command("ping").get("ok") == 1
    finally:
        client.close()


def main() -> int:
    kind, address = sys.argv[1], sys.argv[2]
    timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 60.0
    check = {"kafka": kafka_ready, "mongo": mongo_ready}[kind]
    logging.disable(logging.CRITICAL)  # kafka-python logs every refused connection
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check(address):
                return 0
            last = "no positive answer"
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready yet"
            last = f"{type(exc).__name__}: {exc}"
        if time.monotonic() >= deadline:
            if timeout > 0:
                sys.stderr.write(f"wait_ready: {kind} at {address}: {last}\n")
            return 1
        time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
