"""Every API route of an app, including those of included routers (FastAPI keeps an
included router as one entry of ``app.routes`` and resolves its routes lazily)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute


def api_routes(app: FastAPI, prefix: str = "/v1/") -> list[tuple[str, str, str]]:
    """(route name, method, path) of every route whose path starts with ``prefix``."""
    found: list[tuple[str, str, str]] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                found.extend((route.name, m, route.path) for m in route.methods or ())
            elif hasattr(route, "effective_candidates"):
                for candidate in route.effective_candidates():
                    if hasattr(candidate, "effective_candidates"):
                        walk([candidate])
                        continue
                    original = candidate.original_route
                    if isinstance(original, APIRoute):
                        found.extend(
                            (original.name, m, candidate.path) for m in original.methods or ()
                        )

    walk(list(app.router.routes))
    return sorted(r for r in set(found) if r[2].startswith(prefix))
