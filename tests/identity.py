"""A stand-in OpenID Connect issuer for tests: real RSA keys, a real JWKS over HTTP.

The services verify test tokens exactly as they verify the provider's: discovery document,
JWKS fetched over HTTP, RS256, issuer, audience, lifetime. Only the signing key is the
test's. ``rotate()`` publishes a new key and signs with it (what a provider does when it
rotates), so tests can prove a running service follows.
"""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from sprg_shared.auth import dev_public_jwk, sign

AUDIENCE = "sprg-api"


class TestIssuer:
    __test__ = False  # not a test class

    def __init__(self) -> None:
        self.keys: list[rsa.RSAPrivateKey] = [self._new_key()]
        self.jwks_requests = 0
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/realms/test/.well-known/openid-configuration":
                    body: dict[str, Any] = {
                        "issuer": issuer.issuer,
                        "jwks_uri": f"{issuer.base}/realms/test/certs",
                    }
                elif self.path == "/realms/test/certs":
                    issuer.jwks_requests += 1
                    body = {"keys": [dev_public_jwk(k) for k in issuer.keys]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.issuer = f"{self.base}/realms/test"

    @staticmethod
    def _new_key() -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    @property
    def key(self) -> rsa.RSAPrivateKey:
        return self.keys[-1]

    def rotate(self) -> None:
        self.keys.append(self._new_key())

    def token(
        self,
        agency: str,
        *roles: str,
        subject: str | None = None,
        ttl: timedelta = timedelta(hours=1),  # the longest the services accept
        audience: str = AUDIENCE,
        issuer: str | None = None,
        key: rsa.RSAPrivateKey | None = None,
    ) -> str:
        return sign(
            key or self.key,
            issuer=issuer or self.issuer,
            audience=audience,
            subject=subject or f"{agency}-user",
            agency=agency,
            roles=roles,
            ttl=ttl,
        )


@cache
def token_issuer() -> TestIssuer:
    """The one issuer of this test process (started on first use)."""
    return TestIssuer()
