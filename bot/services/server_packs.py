"""A server's own trivia packs: uploaded by its moderators, checked like shipped packs, kept to itself.

An upload is refused, privately and with every problem as ``LINE: field: problem (expected …)``,
unless it passes the same checks as ``data/trivia/`` and ``heartstopper-bot check-pack`` (safe YAML
with no aliases or deep nesting, every field, Discord's lengths, no option that spoils a later
season, no near-duplicates). Limits keep one server from hurting the others: the file's size, the
packs per server and the questions per pack.

Reading and auditing a pack is CPU work (a 64 KB upload is hundreds of questions, and the audit
compares every pair), so it runs in a worker thread, never on the event loop that every shard's
interactions and trivia timers share; the cheap limits (size, question count, packs per server) are
checked first, so an upload that breaks one never reaches the audit.

Refusals are ``Text`` (shown in the moderator's language); the problem lines themselves stay as the
checker writes them (``LINE: field: problem``), the same lines ``check-pack`` prints, in English.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import Callable, Sequence

from bot.clock import Clock
from bot.content.audit import audit_questions
from bot.content.loader import load_pack
from bot.domain.models import Catalog, TriviaPack, TriviaQuestion
from bot.domain.text import quote_user_text
from bot.errors import NotFound, UserError
from bot.i18n import N_, Text, _
from bot.storage.server_packs import SaveResult, ServerPackRepository, StoredPack

log = logging.getLogger(__name__)

_LINE_PREFIX = re.compile(r"^(\d+):\s*")
_LABEL = "pack"
MAX_PACK_BYTES = 64 * 1024
MAX_PACKS_PER_SERVER = 5
MAX_QUESTIONS_PER_PACK = 200
MAX_PROBLEMS_SHOWN = 12
# Servers whose parsed packs stay in memory (a few KB each at most); the rest are read again on use.
MAX_CACHED_SERVERS = 4096
# Uploads checked at once. The work holds the GIL, so more threads would not finish sooner; a burst
# would only fill the default executor, which aiohttp's DNS lookups also use.
MAX_CHECKS_AT_ONCE = 2

Audit = Callable[[Sequence[TriviaQuestion], Catalog], list[str]]


class PackRejected(UserError):
    """The uploaded pack has problems; the message lists them for its author."""


class PackCache:
    """Parsed packs per server: at most ``size`` servers, the least recently used dropped first.

    A read must not store what it read if the server's packs changed while it was reading: an
    autocomplete that began before an upload committed and finished after it would otherwise put
    the old list back, and ``/trivia start pack:new`` would not find the new pack until a restart.
    So every change takes the next generation number and stamps its server with it, a read notes
    the generation when it begins (``generation()``), and ``put`` stores only if the server has
    not been stamped since. Stamps are kept for as many servers as packs are; a server whose stamp
    was dropped counts as stamped at the newest dropped generation, which can only make a read skip
    storing, never store a stale list.
    """

    def __init__(self, size: int = MAX_CACHED_SERVERS) -> None:
        self._size = size
        self._packs: OrderedDict[int, tuple[TriviaPack, ...]] = OrderedDict()
        self._changed: OrderedDict[int, int] = OrderedDict()
        self._generation = 0
        self._dropped = 0

    def __len__(self) -> int:
        return len(self._packs)

    def get(self, guild_id: int) -> tuple[TriviaPack, ...] | None:
        packs = self._packs.get(guild_id)
        if packs is not None:
            self._packs.move_to_end(guild_id)
        return packs

    def generation(self) -> int:
        """Note this before reading; hand it to ``put``."""
        return self._generation

    def put(self, guild_id: int, packs: tuple[TriviaPack, ...], read_at: int) -> bool:
        """Store a read that began at generation ``read_at``, unless the server changed since."""
        if self._changed.get(guild_id, self._dropped) > read_at:
            return False
        self._packs[guild_id] = packs
        self._packs.move_to_end(guild_id)
        if len(self._packs) > self._size:
            self._packs.popitem(last=False)
        return True

    def invalidate(self, guild_id: int) -> None:
        """The server's packs changed (after the change committed)."""
        self._generation += 1
        self._packs.pop(guild_id, None)
        self._changed[guild_id] = self._generation
        self._changed.move_to_end(guild_id)
        if len(self._changed) > self._size:
            _, generation = self._changed.popitem(last=False)
            self._dropped = max(self._dropped, generation)


class ServerPackService:
    def __init__(
        self,
        catalog: Catalog,
        repo: ServerPackRepository,
        clock: Clock,
        *,
        audit: Audit = audit_questions,
        cache: PackCache | None = None,
    ) -> None:
        self._catalog = catalog
        self._reserved = {p.id for p in catalog.playable_packs}
        self._repo = repo
        self._clock = clock
        self._audit = audit
        self._cache = cache if cache is not None else PackCache()
        self._checking = asyncio.Semaphore(MAX_CHECKS_AT_ONCE)

    @staticmethod
    def check_size(size: int) -> None:
        if size > MAX_PACK_BYTES:
            raise PackRejected(
                _(
                    "That file is {size} bytes; a pack can be at most {limit} KB. Split it into smaller packs.",
                    size=format(size, ","),
                    limit=MAX_PACK_BYTES // 1024,
                )
            )

    async def validate(self, guild_id: int, filename: str, data: bytes) -> TriviaPack:
        """The pack in ``data``, or PackRejected listing what is wrong (nothing is stored).

        Cheapest first: the size, then reading the pack (refused at once past the question limit),
        the packs this server already has, and last the audit.
        """
        self.check_size(len(data))
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise PackRejected(
                _("{file} is not UTF-8 text: save it as UTF-8 YAML.", file=quote_user_text(filename))
            ) from None
        async with self._checking:
            pack, problems = await asyncio.to_thread(load_pack, text, _LABEL, max_questions=MAX_QUESTIONS_PER_PACK)
            if pack is None or problems:
                # "pack:12: field: problem" reads as "line 12: field: problem" to someone holding the file
                raise _rejected(
                    filename, [_LINE_PREFIX.sub(r"line \1: ", p.removeprefix(f"{_LABEL}:")) for p in problems]
                )
            if pack.id in self._reserved:
                # A problem line like the checker's own (``field: problem (expected …)``), in English as they are.
                raise _rejected(filename, [f"id: {pack.id!r} is taken by a built-in pack (expected another id)"])
            if await self._is_full(guild_id, pack.id):
                raise _full()
            problems = await asyncio.to_thread(self._audit, pack.questions, self._catalog)
        if problems:
            raise _rejected(filename, problems)
        return pack

    async def upload(self, guild_id: int, user_id: int, filename: str, data: bytes) -> tuple[TriviaPack, bool]:
        """Validate and store a pack for this server; returns it and whether it replaced one."""
        pack = await self.validate(guild_id, filename, data)
        stored = StoredPack(pack.id, pack.name, len(pack.questions), data.decode("utf-8"))
        result = await self._repo.save(
            guild_id, stored, uploaded_by=user_id, max_packs=MAX_PACKS_PER_SERVER, now=self._clock.now()
        )
        if result is SaveResult.FULL:  # another upload filled the last place meanwhile
            raise _full()
        self._cache.invalidate(guild_id)
        return pack, result is SaveResult.REPLACED

    async def remove(self, guild_id: int, pack_id: str) -> None:
        if not await self._repo.remove(guild_id, pack_id.strip()):
            names: Text | str = ", ".join(f"`{p.id}`" for p in await self.packs(guild_id)) or _("none yet")
            raise NotFound(
                _(
                    "This server has no pack called {name}. Its packs: {packs}.",
                    name=quote_user_text(pack_id),
                    packs=names,
                )
            )
        self._cache.invalidate(guild_id)

    async def packs(self, guild_id: int) -> tuple[TriviaPack, ...]:
        """This server's packs, parsed once and kept until one is uploaded or removed."""
        cached = self._cache.get(guild_id)
        if cached is not None:
            return cached
        read_at = self._cache.generation()
        stored = await self._repo.packs(guild_id)
        parsed = await asyncio.to_thread(_parse_stored, guild_id, stored) if stored else ()
        self._cache.put(guild_id, parsed, read_at)
        return parsed

    async def _is_full(self, guild_id: int, pack_id: str) -> bool:
        """Whether a new pack would be one too many (a replacement never is); ``save`` checks it again."""
        own = await self.packs(guild_id)
        return len(own) >= MAX_PACKS_PER_SERVER and all(p.id != pack_id for p in own)


def _parse_stored(guild_id: int, stored: Sequence[StoredPack]) -> tuple[TriviaPack, ...]:
    """Stored packs passed the checks when uploaded; one that fails stricter checks since is left out
    (and logged, so an operator can tell a moderator why it vanished), never fatal."""
    packs: list[TriviaPack] = []
    for row in stored:
        pack, problems = load_pack(row.source_yaml, row.pack_id)
        if pack is None or problems:
            log.warning("server %s: stored pack %r fails the checks now: %s", guild_id, row.pack_id, problems[:1])
        else:
            packs.append(pack)
    return tuple(packs)


def _rejected(filename: str, problems: list[str]) -> PackRejected:
    shown = problems[:MAX_PROBLEMS_SHOWN]
    more = len(problems) - len(shown)
    lines: Text | str = "\n".join(f"• {quote_user_text(p, limit=150)}" for p in shown)
    if more > 0:
        lines = N_("{lines}\n…and {n} more.", "{lines}\n…and {n} more.", n=more, lines=lines)
    return PackRejected(
        N_(
            "{file} was not added: {n} problem.\n{lines}\n"
            "Fix it and upload again (check locally with `heartstopper-bot check-pack FILE`).",
            "{file} was not added: {n} problems.\n{lines}\n"
            "Fix them and upload again (check locally with `heartstopper-bot check-pack FILE`).",
            n=len(problems),
            file=quote_user_text(filename),
            lines=lines,
        )
    )


def _full() -> PackRejected:
    return PackRejected(
        _(
            "This server already has {limit} packs, the most it can have. "
            "Remove one with `/trivia pack-remove` first, or upload with the id of one to replace it.",
            limit=MAX_PACKS_PER_SERVER,
        )
    )
