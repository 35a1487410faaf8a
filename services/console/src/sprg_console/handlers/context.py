"""What every handler is given: the service clients, and who is asking."""

from __future__ import annotations

from dataclasses import dataclass

from sprg_console.adapters.apis import Apis, Document
from sprg_console.adapters.oidc import Person
from sprg_shared.auth import Role


@dataclass(frozen=True)
class Caller:
    """The signed-in person and the token the services are asked with."""

    token: str
    person: Person

    @property
    def clock_scope(self) -> str | None:
        """The agency whose clocks this person lists: their own for an agency practitioner
        (the scheduler refuses an agency's unscoped list), None for the SPRG's own people."""
        if self.person.has(Role.BUSINESS_TEAM, Role.CHAIR, Role.SPRG_MEMBER):
            return None
        return self.person.agency


@dataclass(frozen=True)
class Deps:
    apis: Apis
    agencies: tuple[Document, ...] = ()
    """The partnership's agencies when the notifier's directory is not readable by the
    person (an agency practitioner): the same list the directory is seeded from."""
