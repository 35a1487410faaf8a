"""The real identity provider: Keycloak with the realm imported from deploy/keycloak/."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from sprg_intake.bootstrap import build
from tests.http_server import serving
from tests.identity import token_issuer
from tests.integration.intake_support import REPORT, make_settings
from tests.keycloak import DEMO_USERS, Keycloak, LoginRefused, read_secrets
from tests.servers import REPO, Servers

EXPECTED = {
    "demo-business-team": ("cscp", {"business_team"}),
    "demo-chair": ("croydon-csc", {"chair", "sprg_member"}),
    "demo-member-police": ("met-police", {"sprg_member"}),
    "demo-police": ("met-police", {"agency_submitter"}),
    "demo-school": ("st-marys-school", {"agency_submitter"}),
    "demo-executive": ("croydon-csc", {"executive_reader"}),
    "demo-rules-admin": ("cscp", {"rules_admin"}),
}
SPRG_ROLES = {
    "agency_submitter",
    "business_team",
    "sprg_member",
    "chair",
    "rules_admin",
    "executive_reader",
}


@pytest.fixture(scope="session")
def keycloak(servers: Servers) -> Keycloak:
    if not servers.keycloak or servers.secrets_file is None:
        pytest.fail(f"no Keycloak in this run ({servers.how}): start it with deploy/local/infra.sh")
    return Keycloak(servers.keycloak, read_secrets(servers.secrets_file))


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    padded = payload + "=" * (-len(payload) % 4)
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(padded))
    return decoded


def test_every_demo_user_signs_in_with_pkce_and_gets_their_agency_and_roles(
    keycloak: Keycloak,
) -> None:
    assert set(DEMO_USERS) == set(EXPECTED)
    for user in DEMO_USERS:
        tokens = keycloak.sign_in(user)
        access = claims(str(tokens["access_token"]))
        agency, roles = EXPECTED[user]
        assert access["iss"] == keycloak.issuer
        assert "sprg-api" in access["aud"]
        assert access["agency"] == agency, user
        assert set(access["realm_access"]["roles"]) & SPRG_ROLES == roles, user
        assert access["exp"] - access["iat"] <= 300, "access tokens are short-lived"
        assert claims(str(tokens["id_token"]))["preferred_username"] == user


def test_a_wrong_password_and_a_foreign_redirect_are_refused(keycloak: Keycloak) -> None:
    with pytest.raises(LoginRefused):
        keycloak.sign_in("demo-police", password="not-the-password")
    with pytest.raises(LoginRefused) as refused:
        keycloak.sign_in("demo-police", redirect_uri="http://evil.example/auth/callback")
    assert refused.value.status == 400


def test_the_agency_system_gets_a_token_for_its_agency_by_client_credentials(
    keycloak: Keycloak,
) -> None:
    access = claims(keycloak.client_credentials())
    assert access["agency"] == "croydon-csc"
    assert set(access["realm_access"]["roles"]) & SPRG_ROLES == {"agency_submitter"}
    assert "sprg-api" in access["aud"]
    wrong = httpx.post(
        keycloak.token_endpoint,
        data={
            "grant_type": "client_credentials",
            "client_id": "cms-croydon-csc",
            "client_secret": "wrong",
        },
    )
    assert wrong.status_code == 401


@pytest.fixture
async def intake_trusting_keycloak(
    servers: Servers, run_id: str, pii_key: str, keycloak: Keycloak, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    """Intake configured as in production: only Keycloak's tokens, the partnership's agencies."""
    monkeypatch.delenv("SPRG_AUTH_DEV_KEY_FILE")
    settings = make_settings(
        servers,
        run_id,
        pii_key,
        auth_issuer=keycloak.issuer,
        auth_agencies_file=REPO / "deploy" / "demo" / "croydon-sprg.json",
    )
    async with (
        serving(build(settings)) as url,
        httpx.AsyncClient(base_url=url, timeout=15) as client,
    ):
        yield client


async def test_intake_admits_keycloak_tokens_and_refuses_the_wrong_ones(
    intake_trusting_keycloak: httpx.AsyncClient, keycloak: Keycloak
) -> None:
    intake = intake_trusting_keycloak

    why = {"reason": "checking the sign-in"}

    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    # The Croydon CSC case-management system reports by client credentials.
    system = await asyncio.to_thread(keycloak.client_credentials)
    reported = await intake.post(
        "/v1/incidents", json=REPORT, headers={**bearer(system), "Idempotency-Key": "cms-1"}
    )
    assert reported.status_code == 201, reported.text
    case_id = reported.json()["case_id"]
    assert (
        await intake.get(f"/v1/cases/{case_id}", params=why, headers=bearer(system))
    ).status_code == 200

    # A person signed in: the Police submitter cannot read Croydon CSC's case.
    signed_in = await asyncio.to_thread(keycloak.sign_in, "demo-police")
    police = bearer(str(signed_in["access_token"]))
    assert (await intake.get(f"/v1/cases/{case_id}", params=why, headers=police)).status_code == 404
    # The Business Team reads it.
    team = await asyncio.to_thread(keycloak.sign_in, "demo-business-team")
    read = await intake.get(
        f"/v1/cases/{case_id}", params=why, headers=bearer(str(team["access_token"]))
    )
    assert read.status_code == 200

    # Signed by this Keycloak, but not for this API: the ID token (audience sprg-console)...
    id_token = bearer(str(signed_in["id_token"]))
    refused = await intake.get(f"/v1/cases/{case_id}", params=why, headers=id_token)
    assert refused.status_code == 401 and "udience" in refused.json()["detail"]
    # ...and a token of another realm of the same server (issuer .../realms/master).
    master = await asyncio.to_thread(
        httpx.post,
        f"{keycloak.base}/realms/master/protocol/openid-connect/token",
        data={
            "grant_type": "password",
            "client_id": "admin-cli",
            "username": "admin",
            "password": keycloak.secrets["SPRG_KEYCLOAK_ADMIN_PASSWORD"],
        },
    )
    admin = bearer(master.json()["access_token"])
    refused = await intake.get(f"/v1/cases/{case_id}", params=why, headers=admin)
    assert refused.status_code == 401 and "issuer" in refused.json()["detail"]
    # A development token is refused where no development key is configured.
    forged = token_issuer().token("croydon-csc", "business_team", issuer=keycloak.issuer)
    assert (
        await intake.get(f"/v1/cases/{case_id}", params=why, headers=bearer(forged))
    ).status_code == 401
