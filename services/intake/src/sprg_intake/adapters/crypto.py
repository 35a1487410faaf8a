"""Intake's personal data is sealed with the partnership's one AEAD helper (``sprg_shared.crypto``,
shared with the console's sessions): one key format (base64 of 32 bytes, with a key id)."""

from sprg_shared.crypto import CannotDecrypt, Sealer, fingerprint

__all__ = ["CannotDecrypt", "Sealer", "fingerprint"]
