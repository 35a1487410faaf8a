"""Each service's audit log (``GET /v1/audit``), read with the signed-in person's token.

Its own module (not one more method on each service's client in ``apis.py``): the five
services answer the same route with the same filters, so one client asks them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol

import httpx

from sprg_console.adapters.apis import Document, _Http

SERVICES = ("intake", "rules", "scheduler", "notifier", "reporting")
Action = Literal["read", "change"]


@dataclass(frozen=True)
class AuditQuery:
    """The filters every service's ``GET /v1/audit`` takes (None: any)."""

    case_id: str | None = None
    reference: str | None = None
    """The subject's reference people were given (SIN-2026-1A2B3C4D, COC-..., ESC-...)."""
    person: str | None = None
    agency: str | None = None
    since: date | None = None
    until: date | None = None
    granted: bool | None = None
    action: Action | None = None
    limit: int = 200

    def params(self) -> dict[str, str | int]:
        found: dict[str, str | int] = {"limit": self.limit}
        for name in ("case_id", "reference", "person", "agency", "action"):
            value = getattr(self, name)
            if value:
                found[name] = value
        for name in ("since", "until"):
            day = getattr(self, name)
            if day is not None:
                found[name] = day.isoformat()
        if self.granted is not None:
            found["granted"] = "true" if self.granted else "false"
        return found


class AuditApi(Protocol):
    async def entries(self, token: str, service: str, query: AuditQuery) -> list[Document]:
        """The service's audit entries matching ``query``, newest first."""
        ...


class HttpAudit:
    def __init__(self, client: httpx.AsyncClient, urls: dict[str, str]) -> None:
        self._services = {name: _Http(client, urls[name]) for name in SERVICES}

    async def entries(self, token: str, service: str, query: AuditQuery) -> list[Document]:
        found: list[Document] = await self._services[service]._json(
            "GET", token, "/v1/audit", params=query.params()
        )
        return found
