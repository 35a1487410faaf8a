"""The authorization matrix, route by route and role by role, and the store being down."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from sprg_intake.bootstrap import build
from sprg_shared.access import MATRIX
from sprg_shared.auth import Role
from tests.api_routes import api_routes
from tests.conftest import bearer
from tests.http_server import serving
from tests.integration.intake_support import CSC, intake, make_settings, settings
from tests.servers import Servers

pytestmark = pytest.mark.integration
ACCESS = {name: row.roles for name, row in MATRIX["intake"].items()}
__all__ = ["intake", "settings"]  # fixtures used by name

ROUTES = api_routes(build())


def test_every_route_has_a_row_in_the_matrix_and_every_row_a_route() -> None:
    assert sorted(ACCESS) == sorted({name for name, _, _ in ROUTES})


async def test_every_route_refuses_each_role_it_does_not_name_and_callers_without_a_token(
    intake: httpx.AsyncClient,
) -> None:
    wrong: list[str] = []
    for name, method, path in ROUTES:
        url = re.sub(r"\{[a-z_]+\}", "0", path)
        anonymous = await intake.request(method, url, json={})
        if anonymous.status_code != 401:
            wrong.append(f"{method} {path} without a token: {anonymous.status_code}")
        for role in Role:
            response = await intake.request(
                method, url, json={}, headers=bearer("some-agency", role)
            )
            admitted = response.status_code not in (401, 403)
            if admitted != (role in ACCESS[name]):
                wrong.append(f"{method} {path} as {role}: {response.status_code}")
    assert wrong == []


async def test_the_store_being_down_gives_503_with_retry_after_and_nothing_is_kept(
    servers: Servers, run_id: str, pii_key: str
) -> None:
    settings = make_settings(servers, run_id, pii_key).model_copy(
        update={"mongodb_url": "mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=500"}
    )
    async with (
        serving(build(settings)) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as client,
    ):
        started = time.monotonic()
        response = await client.post(
            "/v1/escalations",
            json={
                "with_agency": "croydon-health",
                "stage": 3,
                "stage_started_date": "2026-05-01",
                "summary": "x",
            },
            headers=CSC,
        )
        assert response.status_code == 503 and response.headers["Retry-After"] == "5"
        assert "nothing was saved" in response.json()["detail"]
        assert time.monotonic() - started < 15
        ready = await client.get("/readyz")
        assert ready.status_code == 503


def test_every_input_in_the_openapi_document_comes_with_an_example() -> None:
    document = build().openapi()
    missing = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {})
            for media, spec in body.items():
                has_example = "examples" in spec or "example" in spec
                if media == "multipart/form-data":
                    ref = spec["schema"]["$ref"].rsplit("/", 1)[-1]
                    fields = document["components"]["schemas"][ref]["properties"]
                    has_example = "examples" in fields["received_date"]
                if not has_example:
                    missing.append(f"{method.upper()} {path}")
    assert missing == []
