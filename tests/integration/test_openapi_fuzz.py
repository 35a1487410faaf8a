"""schemathesis over the five OpenAPI documents, against the services on the real broker
and store: no server error, no response outside its documented schema.

Bounded: ``FUZZ_EXAMPLES`` cases per operation (default 12; set it higher by hand for a
longer hunt) and a deadline per service. Each run's output is kept in
``tests/artifacts/fuzz-<service>.txt``. The caller holds every role, so every route is
admitted and its handler runs (the matrix itself is tested in test_access_matrix).

Not fuzzed, because their effect lands on topics every later test reads (the calendar
in force, the rule pack in force, the reports announced): confirming closure days,
activating or rolling back a rule pack, producing a report. Their own tests cover them.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sprg_shared.auth import Role
from tests.conftest import bearer
from tests.integration.five_services import APPS, SERVICES, Five, running_five
from tests.servers import Servers

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
# The coverage phase (every boundary of every field) takes minutes on intake alone: by
# hand, FUZZ_PHASES=examples,coverage,fuzzing.
PHASES = os.environ.get("FUZZ_PHASES", "examples,fuzzing")
DEADLINE_SECONDS = 600
ST = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "st"
NOT_FUZZED = {
    "scheduler": ["POST /v1/calendar/confirm"],
    "rules": [
        "POST /v1/rulepacks/{pack_id}/{version}/activate",
        "POST /v1/rulepacks/{pack_id}/rollback",
    ],
    "reporting": ["POST /v1/reports/{kind}/{period}"],
}


@pytest.fixture(scope="module")
async def five(servers: Servers, pii_key: str) -> AsyncIterator[Five]:
    async with running_five(servers, "fz" + uuid.uuid4().hex[:8], pii_key) as running:
        yield running


@pytest.mark.parametrize("service", SERVICES)
async def test_no_server_error_and_no_schema_violation(
    five: Five, service: str, tmp_path: Path
) -> None:
    token = bearer("cscp", *Role, subject="fuzzer")["Authorization"]
    document = APPS[service]().openapi()
    excluded: list[str] = []
    for operation in NOT_FUZZED.get(service, []):
        method, path = operation.split(" ", 1)
        operation_id = document["paths"][path][method.lower()]["operationId"]
        excluded += ["--exclude-operation-id", operation_id]
    command = [
        str(ST),
        "run",
        f"{five.urls[service]}/openapi.json",
        "--checks",
        "not_a_server_error,response_schema_conformance",
        "--max-examples",
        str(EXAMPLES),
        "--phases",
        PHASES,
        "--workers",
        "1",
        "--seed",
        "20261207",
        "--generation-database",
        "none",
        "--request-timeout",
        "30",
        "--no-color",
        "--header",
        f"Authorization:{token}",
        *excluded,
    ]
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), DEADLINE_SECONDS)
    except TimeoutError:
        process.kill()
        raise
    text = output.decode(errors="replace")
    (Path(__file__).resolve().parents[1] / "artifacts").mkdir(exist_ok=True)
    (Path(__file__).resolve().parents[1] / "artifacts" / f"fuzz-{service}.txt").write_text(text)
    assert process.returncode == 0, text[-12000:]
    operations = sum(len(ops) for ops in document["paths"].values())
    assert f"Selected: {operations - len(excluded) // 2}/{operations}" in text, text[-3000:]
