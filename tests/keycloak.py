"""Talking to the real Keycloak (realm ``sprg``) the way a browser and an agency system do.

Keycloak sets its login cookies ``Secure``; httpx, rightly, will not send those back over
plain http (the login then answers 400 ``cookie_not_found``). A browser on 127.0.0.1 treats
the origin as secure, so this client does what the browser does: it keeps the cookies
itself and sends them back on every request to the provider.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

REALM = "sprg"
CONSOLE_CLIENT = "sprg-console"
CMS_CLIENT = "cms-croydon-csc"
DEMO_USERS = (
    "demo-business-team",
    "demo-chair",
    "demo-member-police",
    "demo-police",
    "demo-school",
    "demo-executive",
    "demo-rules-admin",
)


def read_secrets(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {name.strip(): value.strip() for name, value in pairs}


@dataclass(frozen=True)
class Keycloak:
    base: str  # http://127.0.0.1:PORT
    secrets: dict[str, str]

    @property
    def issuer(self) -> str:
        return f"{self.base}/realms/{REALM}"

    @property
    def token_endpoint(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/token"

    def client_credentials(self, client_id: str = CMS_CLIENT, secret: str | None = None) -> str:
        answer = httpx.post(
            self.token_endpoint,
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret or self.secrets["SPRG_CMS_CLIENT_SECRET"],
            },
            timeout=30,
        )
        answer.raise_for_status()
        return str(answer.json()["access_token"])

    def sign_in(
        self,
        username: str,
        password: str | None = None,
        redirect_uri: str = "http://127.0.0.1:8000/auth/callback",
    ) -> dict[str, object]:
        """Authorization code with PKCE S256 through the login form: the token response."""
        verifier = secrets.token_urlsafe(48)
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        state = secrets.token_urlsafe(16)
        cookies: dict[str, str] = {}

        def remember(response: httpx.Response) -> None:
            for header in response.headers.get_list("set-cookie"):
                name, _, rest = header.partition("=")
                cookies[name.strip()] = rest.split(";", 1)[0]

        def jar() -> dict[str, str]:
            return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}

        with httpx.Client(timeout=30, follow_redirects=False) as http:
            page = http.get(
                f"{self.issuer}/protocol/openid-connect/auth?"
                + urlencode(
                    {
                        "client_id": CONSOLE_CLIENT,
                        "response_type": "code",
                        "scope": "openid",
                        "redirect_uri": redirect_uri,
                        "state": state,
                        "code_challenge": challenge,
                        "code_challenge_method": "S256",
                    }
                )
            )
            if page.status_code != 200:
                raise LoginRefused(page.status_code, page.text[:300])
            remember(page)
            action = re.search(r'<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"', page.text)
            if action is None:
                raise LoginRefused(page.status_code, "no login form")
            posted = http.post(
                html.unescape(action.group(1)),
                data={
                    "username": username,
                    "password": password or self.secrets["SPRG_DEMO_PASSWORD"],
                    "credentialId": "",
                },
                headers=jar(),
            )
            if posted.status_code != 302:
                raise LoginRefused(posted.status_code, "the provider did not redirect back")
            back = urlsplit(posted.headers["location"])
            query = parse_qs(back.query)
            assert query["state"] == [state], "the state must come back unchanged"
            tokens = http.post(
                self.token_endpoint,
                data={
                    "grant_type": "authorization_code",
                    "code": query["code"][0],
                    "redirect_uri": redirect_uri,
                    "code_verifier": verifier,
                    "client_id": CONSOLE_CLIENT,
                    "client_secret": self.secrets["SPRG_CONSOLE_CLIENT_SECRET"],
                },
            )
            tokens.raise_for_status()
            result: dict[str, object] = tokens.json()
            return result


def log_in_at(auth_url: str, username: str, password: str) -> str:
    """A person signs in on the provider's page at ``auth_url`` (where a client such as the
    console sent the browser): where the provider sends the browser back (the callback URL,
    with its code and state)."""
    cookies: dict[str, str] = {}

    def remember(response: httpx.Response) -> None:
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            cookies[name.strip()] = rest.split(";", 1)[0]

    with httpx.Client(timeout=30, follow_redirects=False) as http:
        page = http.get(auth_url)
        if page.status_code != 200:
            raise LoginRefused(page.status_code, page.text[:300])
        remember(page)
        action = re.search(r'<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"', page.text)
        if action is None:
            raise LoginRefused(page.status_code, "no login form")
        posted = http.post(
            html.unescape(action.group(1)),
            data={"username": username, "password": password, "credentialId": ""},
            headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())},
        )
        if posted.status_code != 302:
            raise LoginRefused(posted.status_code, "the provider did not redirect back")
        return str(posted.headers["location"])


class LoginRefused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
