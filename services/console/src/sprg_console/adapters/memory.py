"""The console's ports in memory, for the unit tier (one process, gone on restart)."""

from __future__ import annotations

from datetime import datetime

from sprg_console.adapters.ports import KnownPerson, SessionRecord


class MemorySessions:
    def __init__(self) -> None:
        self.records: dict[str, SessionRecord] = {}

    async def ensure_indexes(self) -> None:
        return None

    async def put(self, record: SessionRecord) -> None:
        self.records[record.key] = record

    async def get(self, key: str, now: datetime) -> SessionRecord | None:
        found = self.records.get(key)
        if found is not None and found.expires_at <= now:
            del self.records[key]
            return None
        return found

    async def delete(self, key: str) -> None:
        self.records.pop(key, None)

    async def purge_expired(self, now: datetime) -> int:
        ended = [k for k, r in self.records.items() if r.expires_at <= now]
        for key in ended:
            del self.records[key]
        return len(ended)


class MemoryPeople:
    def __init__(self) -> None:
        self.people: dict[str, KnownPerson] = {}

    async def ensure_indexes(self) -> None:
        return None

    async def remember(self, person: KnownPerson, at: datetime) -> None:
        self.people[person.subject] = person

    async def named(self, subjects: list[str]) -> dict[str, KnownPerson]:
        return {s: self.people[s] for s in subjects if s in self.people}

    async def called(self, name: str) -> list[KnownPerson]:
        wanted = name.strip().casefold()
        return sorted(
            (p for p in self.people.values() if p.name.casefold() == wanted),
            key=lambda p: p.subject,
        )
