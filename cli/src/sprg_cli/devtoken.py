"""Development tokens for the command line: signed with the local development key.

``make run`` writes the key's path to ``.local/secrets.env`` as ``SPRG_AUTH_DEV_KEY_FILE``;
the services trust it only outside production. With ``SPRG_ENV=production`` nothing is
minted: use a token from the identity provider (``SPRG_TOKEN``).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from sprg_shared.auth import AuthMisconfigured, Role, mint


def dev_token(agency: str, roles: frozenset[Role], subject: str, ttl: timedelta) -> str:
    """A development token, or SystemExit with the reason (exit code 2)."""
    key = os.environ.get("SPRG_AUTH_DEV_KEY_FILE")
    if not key:
        raise SystemExit(
            "error: SPRG_AUTH_DEV_KEY_FILE is not set (make run writes it to "
            ".local/secrets.env); or set SPRG_TOKEN to a token from the identity provider"
        )
    try:
        return mint(
            Path(key),
            subject=subject,
            agency=agency,
            roles=roles,
            ttl=ttl,
            audience=os.environ.get("SPRG_AUTH_AUDIENCE", "sprg-api"),
            production=os.environ.get("SPRG_ENV") == "production",
        )
    except AuthMisconfigured as exc:
        raise SystemExit(f"error: {exc}") from exc
