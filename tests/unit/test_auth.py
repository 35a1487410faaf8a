"""Token verification (sprg_shared.auth): what is admitted and what is refused, and why.

The provider's JWKS is served by an in-memory fetch here; the integration tests fetch it over
HTTP (tests/identity.py) and from the real Keycloak (test_keycloak.py).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from sprg_cli.main import main as cli
from sprg_shared.auth import (
    DEV_ISSUER,
    AuthConfig,
    AuthMisconfigured,
    InvalidToken,
    Role,
    Verifier,
    dev_public_jwk,
    mint,
    new_dev_key,
    sign,
)
from sprg_shared.settings import ServiceSettings

ISSUER = "https://login.example.org/realms/sprg"
JWKS = "https://login.example.org/realms/sprg/protocol/openid-connect/certs"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


KEY = new_key()


class Provider:
    """The provider's discovery document and JWKS, counting how often they are fetched."""

    def __init__(self, *keys: rsa.RSAPrivateKey) -> None:
        self.keys = list(keys)
        self.fetches: list[str] = []

    def __call__(self, url: str) -> dict[str, Any]:
        self.fetches.append(url)
        if url == f"{ISSUER}/.well-known/openid-configuration":
            return {"issuer": ISSUER, "jwks_uri": JWKS}
        if url == JWKS:
            return {"keys": [dev_public_jwk(k) for k in self.keys]}
        raise OSError(f"404 {url}")


def token(key: rsa.RSAPrivateKey = KEY, **changes: Any) -> str:
    fields: dict[str, Any] = {
        "issuer": ISSUER,
        "audience": "sprg-api",
        "subject": "u1",
        "agency": "met-police",
        "roles": ["agency_submitter", "default-roles-sprg", "offline_access"],
        "ttl": timedelta(minutes=5),
    }
    fields.update(changes)
    return sign(key, **fields)


def verifier(provider: Provider | None = None, **config: Any) -> Verifier:
    return Verifier(AuthConfig(issuer=ISSUER, **config), fetch=provider or Provider(KEY))


def test_a_provider_token_names_the_caller_agency_and_sprg_roles_only() -> None:
    provider = Provider(KEY)
    principal = verifier(provider).verify(token())
    assert (principal.subject, principal.agency) == ("u1", "met-police")
    assert principal.roles == {Role.AGENCY_SUBMITTER}  # the provider's own roles are ignored
    # The keys were found through the issuer's discovery document.
    assert provider.fetches == [f"{ISSUER}/.well-known/openid-configuration", JWKS]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"audience": "another-api"}, "(?i)audience"),
        ({"issuer": "https://evil.example.org/realms/sprg"}, "issuer"),
        ({"ttl": timedelta(days=365 * 100)}, "longer than"),
        ({"now": datetime.now(UTC) - timedelta(hours=1)}, "expired"),
        ({"now": datetime.now(UTC) + timedelta(hours=1)}, "future|not yet valid"),
        ({"roles": ["default-roles-sprg", "offline_access"]}, "no SPRG role"),
        ({"agency": ""}, "no agency"),
        ({"agency": "Met Police; DROP"}, "no agency"),
    ],
)
def test_tokens_not_for_us_or_too_long_lived_are_refused(bad: dict[str, Any], reason: str) -> None:
    with pytest.raises(InvalidToken, match=reason):
        verifier().verify(token(**bad))


def test_a_token_signed_by_another_key_or_algorithm_is_refused() -> None:
    with pytest.raises(InvalidToken, match="does not publish"):
        verifier().verify(token(new_key()))
    claims = jwt.decode(token(), options={"verify_signature": False})
    # The old shared-secret tokens, and "alg: none", are not accepted whatever they say.
    for forged in (
        jwt.encode(claims, "s" * 40, algorithm="HS256"),
        jwt.encode(claims, None, algorithm="none"),  # type: ignore[arg-type]
    ):
        with pytest.raises(InvalidToken, match="not accepted"):
            verifier().verify(forged)


def test_the_agency_must_be_one_of_the_partnership_agencies(tmp_path: Path) -> None:
    partnership = tmp_path / "partnership.json"
    partnership.write_text(json.dumps({"agencies": [{"agency_id": "met-police"}]}))
    checked = verifier(agencies_file=partnership)
    assert checked.verify(token()).agency == "met-police"
    with pytest.raises(InvalidToken, match="not one of the partnership's agencies"):
        checked.verify(token(agency="made-up-agency"))


def test_rotated_keys_are_fetched_again_but_made_up_key_ids_do_not_flood_the_provider(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    provider = Provider(KEY)
    checked = verifier(provider)
    checked.verify(token())
    fetched = len(provider.fetches)
    for _ in range(20):  # unknown key ids, at once: the JWKS is not asked again each time
        with pytest.raises(InvalidToken):
            checked.verify(token(new_key()))
    assert len(provider.fetches) <= fetched + 1
    # The provider rotates: a new key signs; once the refetch window passes it is found.
    rotated = new_key()
    provider.keys.append(rotated)
    clock = [1_000_000.0]
    monkeypatch.setattr("sprg_shared.auth.time.monotonic", lambda: clock[0])
    checked = verifier(provider)
    checked.verify(token())
    clock[0] += 11
    assert checked.verify(token(rotated)).agency == "met-police"


def test_roles_and_agency_claims_can_follow_another_provider_s_layout() -> None:
    # Microsoft Entra ID: app roles in "roles", the agency in a directory extension claim.
    entra = jwt.encode(
        {
            "iss": ISSUER,
            "aud": "api://sprg",
            "sub": "AAAA",
            "roles": ["business_team"],
            "extn_agency": "cscp",
            "iat": datetime.now(UTC),
            "exp": datetime.now(UTC) + timedelta(minutes=60),
        },
        KEY,
        algorithm="RS256",
        headers={"kid": dev_public_jwk(KEY)["kid"]},
    )
    principal = verifier(
        audience="api://sprg", roles_claim="roles", agency_claim="extn_agency"
    ).verify(entra)
    assert principal.agency == "cscp" and principal.roles == {Role.BUSINESS_TEAM}


def test_development_tokens_work_in_development_and_are_refused_in_production(
    tmp_path: Path,
) -> None:
    key_file = tmp_path / "dev.pem"
    key_file.write_bytes(new_dev_key())
    dev = mint(
        key_file,
        subject="me",
        agency="cscp",
        roles=frozenset({Role.BUSINESS_TEAM}),
        ttl=timedelta(minutes=30),
    )
    assert jwt.decode(dev, options={"verify_signature": False})["iss"] == DEV_ISSUER
    assert verifier(dev_key_file=key_file).verify(dev).roles == {Role.BUSINESS_TEAM}
    with pytest.raises(InvalidToken, match="issuer is not trusted"):
        verifier().verify(dev)  # a service without the development key
    with pytest.raises(AuthMisconfigured, match="refused in production"):
        mint(
            key_file,
            subject="me",
            agency="cscp",
            roles=frozenset({Role.BUSINESS_TEAM}),
            ttl=timedelta(minutes=30),
            production=True,
        )


def test_production_settings_refuse_what_is_unsafe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SPRG_AUTH_ISSUER", "SPRG_AUTH_DEV_KEY_FILE", "SPRG_AUTH_AGENCIES_FILE"):
        monkeypatch.delenv(name, raising=False)
    key_file = tmp_path / "dev.pem"
    key_file.write_bytes(new_dev_key())
    agencies = tmp_path / "agencies.json"
    agencies.write_text(json.dumps({"agencies": [{"agency_id": "cscp"}]}))
    base: dict[str, Any] = {
        "kafka_bootstrap_servers": "k:9092",
        "mongodb_url": "mongodb://m",
        "http_port": 1,
        "database": "d",
        "env": "production",
    }
    good: dict[str, Any] = {**base, "auth_issuer": ISSUER, "auth_agencies_file": agencies}
    assert ServiceSettings(**good).auth().production
    for unsafe, reason in (
        ({**good, "auth_dev_key_file": key_file}, "development setting"),
        ({**base, "auth_agencies_file": agencies}, "SPRG_AUTH_ISSUER"),
        ({**base, "auth_issuer": ISSUER}, "SPRG_AUTH_AGENCIES_FILE"),
        ({**good, "auth_issuer": "http://login.example.org/realms/sprg"}, "https only"),
    ):
        with pytest.raises(ValueError, match=reason):
            ServiceSettings(**unsafe)
    with pytest.raises(ValueError, match="no way to verify tokens"):
        ServiceSettings(**{**base, "env": "development"})


def test_the_mint_command_signs_development_tokens_and_refuses_production(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file = tmp_path / "dev.pem"
    key_file.write_bytes(new_dev_key())
    monkeypatch.setenv("SPRG_AUTH_DEV_KEY_FILE", str(key_file))
    monkeypatch.delenv("SPRG_ENV", raising=False)
    argv = ["tokens", "mint", "--agency", "met-police", "--role", "agency_submitter"]
    assert cli(argv) == 0
    minted = capsys.readouterr().out.strip()
    principal = verifier(dev_key_file=key_file).verify(minted)
    assert principal.agency == "met-police" and principal.roles == {Role.AGENCY_SUBMITTER}

    monkeypatch.setenv("SPRG_ENV", "production")
    assert cli(argv) == 2
    answer = capsys.readouterr()
    assert answer.out == "" and "refused in production" in answer.err
