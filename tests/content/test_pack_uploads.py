"""Uploads of a server's own pack: checked off the event loop, cheapest limits first, cached safely (review B9).

These drive ``ServerPackService`` against an in-memory repository whose reads can be held open at
will (an ``asyncio.Event``, never a sleep), so the race between a slow read and an upload is played
out step by step. The same service behind the real bot is in tests/e2e/test_server_packs.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading

import pytest

from bot.i18n import render
from bot.services import server_packs
from bot.services.server_packs import (
    MAX_PACKS_PER_SERVER,
    MAX_QUESTIONS_PER_PACK,
    PackCache,
    PackRejected,
    ServerPackService,
)
from bot.storage.server_packs import SaveResult, StoredPack
from tests.clocks import ManualClock
from tests.e2e.test_server_packs import PACK

GUILD = 1234


class MemoryPacks:
    """ServerPackRepository in memory; ``hold_next_read()`` makes the next read wait, holding what it read."""

    def __init__(self) -> None:
        self.rows: dict[int, dict[str, StoredPack]] = {}
        self._gate: asyncio.Event | None = None
        self.read_waiting = asyncio.Event()

    def hold_next_read(self) -> asyncio.Event:
        self._gate = asyncio.Event()
        return self._gate

    async def save(self, guild_id, pack, *, uploaded_by, max_packs, now):
        own = self.rows.setdefault(guild_id, {})
        if pack.pack_id not in own and len(own) >= max_packs:
            return SaveResult.FULL
        replaced = pack.pack_id in own
        own[pack.pack_id] = pack
        return SaveResult.REPLACED if replaced else SaveResult.ADDED

    async def remove(self, guild_id, pack_id):
        return self.rows.get(guild_id, {}).pop(pack_id, None) is not None

    async def packs(self, guild_id):
        read = sorted(self.rows.get(guild_id, {}).values(), key=lambda p: p.pack_id)  # read now: the old list
        gate, self._gate = self._gate, None
        if gate is not None:
            self.read_waiting.set()
            await gate.wait()
        return read


class AuditSpy:
    def __init__(self, real):
        self.real = real
        self.calls: list[int] = []  # the thread each call ran on

    def __call__(self, questions, catalog):
        self.calls.append(threading.get_ident())
        return self.real(questions, catalog)


@pytest.fixture
def repo():
    return MemoryPacks()


@pytest.fixture
def audit():
    return AuditSpy(server_packs.audit_questions)


@pytest.fixture
def service(catalog, repo, audit):
    return ServerPackService(catalog, repo, ManualClock(dt.datetime(2026, 12, 1, tzinfo=dt.UTC)), audit=audit)


def one_line_questions(count: int, pack_id: str = "big") -> bytes:
    """A pack of ``count`` one-line questions that all share an answer (the audit's worst case)."""
    lines = [f"id: {pack_id}", "name: Big", "description: Many.", "questions:"]
    lines += [
        f'  - {{id: q{i}, prompt: "Question {i}?", answer: Nellie, wrong: [Rex, Bella, Daisy], season: 1,'
        " difficulty: easy, source: seed}"
        for i in range(count)
    ]
    return ("\n".join(lines) + "\n").encode()


def named(pack_id: str) -> bytes:
    return PACK.replace("id: our-fandom", f"id: {pack_id}").encode()


async def test_a_read_that_began_before_an_upload_never_stores_the_old_list(service, repo):
    release = repo.hold_next_read()
    slow = asyncio.create_task(service.packs(GUILD))  # e.g. an autocomplete keystroke
    await repo.read_waiting.wait()  # it has read the server's packs (none yet) and is still going

    pack, replaced = await service.upload(GUILD, 1, "pack.yaml", PACK.encode())
    assert (pack.id, replaced) == ("our-fandom", False)

    release.set()
    assert await slow == ()  # its caller gets what it read, but the cache must not keep it
    assert [p.id for p in await service.packs(GUILD)] == ["our-fandom"]


async def test_a_read_that_began_before_a_removal_never_stores_the_removed_pack(service, repo):
    await service.upload(GUILD, 1, "pack.yaml", PACK.encode())
    release = repo.hold_next_read()
    slow = asyncio.create_task(service.packs(GUILD))
    await repo.read_waiting.wait()
    await service.remove(GUILD, "our-fandom")
    release.set()
    assert [p.id for p in await slow] == ["our-fandom"]
    assert await service.packs(GUILD) == ()


async def test_reading_and_the_audit_run_in_a_worker_thread(service, audit, monkeypatch):
    threads: list[int] = []
    real_load = server_packs.load_pack

    def load_pack(*args, **kwargs):
        threads.append(threading.get_ident())
        return real_load(*args, **kwargs)

    monkeypatch.setattr(server_packs, "load_pack", load_pack)
    await service.upload(GUILD, 1, "pack.yaml", PACK.encode())
    loop_thread = threading.get_ident()
    assert threads and audit.calls and loop_thread not in threads + audit.calls


async def test_too_many_questions_are_refused_before_the_audit(service, audit):
    data = one_line_questions(509)
    assert len(data) <= server_packs.MAX_PACK_BYTES  # within the size limit: only the count refuses it
    with pytest.raises(PackRejected) as info:
        await service.upload(GUILD, 1, "big.yaml", data)
    assert f"line 4: questions: has 509 questions (expected at most {MAX_QUESTIONS_PER_PACK})" in render(
        info.value.message, "en"
    )
    assert audit.calls == []


async def test_a_full_server_is_refused_before_the_audit_but_may_replace(service, audit):
    for index in range(MAX_PACKS_PER_SERVER):
        await service.upload(GUILD, 1, "pack.yaml", named(f"pack-{index}"))
    audited = len(audit.calls)
    with pytest.raises(PackRejected, match=f"already has {MAX_PACKS_PER_SERVER} packs"):
        await service.upload(GUILD, 1, "pack.yaml", named("one-too-many"))
    assert len(audit.calls) == audited
    _, replaced = await service.upload(GUILD, 1, "pack.yaml", named("pack-0"))
    assert replaced and len(audit.calls) == audited + 1


async def test_a_pack_with_yaml_problems_never_reaches_the_audit(service, audit):
    huge = PACK.replace("season: 2", "season: " + "1" * 5000)
    with pytest.raises(PackRejected) as info:
        await service.upload(GUILD, 1, "pack.yaml", huge.encode())
    assert "line 16: number too long: 5,000 characters" in render(info.value.message, "en")
    assert audit.calls == []


def test_the_cache_keeps_the_most_recently_used_servers_only():
    cache = PackCache(size=3)
    for guild in (1, 2, 3):
        assert cache.put(guild, (), cache.generation())
    assert cache.get(1) == ()  # used again: now the most recent
    cache.put(4, (), cache.generation())
    assert len(cache) == 3 and cache.get(2) is None and cache.get(1) == () and cache.get(4) == ()


async def test_the_service_cache_is_bounded(catalog, repo):
    cache = PackCache(size=2)
    service = ServerPackService(catalog, repo, ManualClock(dt.datetime(2026, 12, 1, tzinfo=dt.UTC)), cache=cache)
    for guild in range(10):
        await service.packs(guild)
    assert len(cache) == 2


def test_a_change_whose_stamp_was_dropped_still_stops_a_stale_read():
    cache = PackCache(size=1)
    read_at = cache.generation()
    cache.invalidate(1)
    cache.invalidate(2)  # only one stamp is kept: server 1's is dropped
    assert not cache.put(1, (), read_at)
    assert cache.put(1, (), cache.generation())  # a read that began after the change is kept
