"""Data sealed at rest with AES-256-GCM: intake's personal data, the console's sessions.

The case (or record) id and the agency that grants access to it are bound in as associated
data: moving a sealed copy to another case (record), or editing the clear ``agency`` field
beside it, makes it fail to open. A key is base64 of 32 bytes with a key id (``kid``)."""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["CannotDecrypt", "Sealer", "fingerprint"]

_NONCE_BYTES = 12


class CannotDecrypt(Exception):
    """Wrong key, or the sealed data does not belong to this case."""


class Sealer:
    def __init__(self, key_b64: str, key_id: str) -> None:
        self._aead = AESGCM(base64.b64decode(key_b64))
        self.key_id = key_id

    def seal(self, plaintext: bytes, *, case_id: str, agency: str | None = None) -> dict[str, str]:
        nonce = os.urandom(_NONCE_BYTES)
        ciphertext = self._aead.encrypt(nonce, plaintext, _associated(case_id, agency))
        return {
            "alg": "AES-256-GCM",
            "kid": self.key_id,
            "nonce": base64.b64encode(nonce).decode(),
            "ct": base64.b64encode(ciphertext).decode(),
        }

    def open(self, sealed: dict[str, str], *, case_id: str, agency: str | None = None) -> bytes:
        if sealed.get("kid") != self.key_id:
            raise CannotDecrypt(f"sealed with key {sealed.get('kid')!r}, not {self.key_id!r}")
        try:
            return self._aead.decrypt(
                base64.b64decode(sealed["nonce"]),
                base64.b64decode(sealed["ct"]),
                _associated(case_id, agency),
            )
        except (InvalidTag, KeyError, ValueError) as exc:
            raise CannotDecrypt("personal data could not be decrypted") from exc


def _associated(case_id: str, agency: str | None) -> bytes:
    if agency is None:
        return case_id.encode()
    return f"{case_id}\x1fagency={agency}".encode()


def fingerprint(key_b64: str, payload: bytes) -> str:
    """A keyed hash of a request, to recognise a retry without keeping its content in clear."""
    import hmac  # noqa: PLC0415
    from hashlib import sha256  # noqa: PLC0415

    return hmac.new(base64.b64decode(key_b64), payload, sha256).hexdigest()
