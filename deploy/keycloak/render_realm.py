"""Render the realm template (sprg-realm.json) with this machine's secrets and URLs.

    python render_realm.py TEMPLATE OUTPUT

Reads from the environment: SPRG_DEMO_PASSWORD, SPRG_CONSOLE_CLIENT_SECRET,
SPRG_CMS_CLIENT_SECRET (required); SPRG_CONSOLE_REDIRECT_URIS and
SPRG_CONSOLE_POST_LOGOUT_URIS (comma-separated; default the console on 127.0.0.1:8000);
SPRG_AUTH_AUDIENCE (default sprg-api). A "@NAME@" string inside a list is replaced by
every item of the comma-separated value; elsewhere by the value itself. The output is
written with mode 600: it holds the secrets.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

DEFAULTS = {
    "CONSOLE_REDIRECT_URIS": "http://127.0.0.1:8000/auth/callback",
    "CONSOLE_POST_LOGOUT_URIS": "http://127.0.0.1:8000/*",
    "AUDIENCE": "sprg-api",
}
ENV_NAMES = {"AUDIENCE": "SPRG_AUTH_AUDIENCE"}
LISTS = {"CONSOLE_REDIRECT_URIS"}
JOINED = {"CONSOLE_POST_LOGOUT_URIS"}  # Keycloak keeps these as one "##"-separated string


def value(name: str) -> str:
    env = ENV_NAMES.get(name, f"SPRG_{name}")
    found = os.environ.get(env) or DEFAULTS.get(name)
    if not found:
        raise SystemExit(f"render_realm.py: {env} is not set")
    return found


def render(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: render(item) for key, item in node.items()}
    if isinstance(node, list):
        out: list[Any] = []
        for item in node:
            if isinstance(item, str) and item.strip("@") in LISTS and item.startswith("@"):
                out.extend(u.strip() for u in value(item.strip("@")).split(",") if u.strip())
            else:
                out.append(render(item))
        return out
    if isinstance(node, str) and node.startswith("@") and node.endswith("@") and len(node) > 2:
        name = node.strip("@")
        if name in JOINED:
            return "##".join(u.strip() for u in value(name).split(",") if u.strip())
        return value(name)
    return node


def main() -> int:
    template, output = sys.argv[1:3]
    realm = render(json.loads(Path(template).read_text(encoding="utf-8")))
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(realm, f, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
