"""The real identity provider: Keycloak with the realm imported from deploy/keycloak/."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from tests.keycloak import DEMO_USERS, Keycloak, LoginRefused, read_secrets
from tests.servers import Servers

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
