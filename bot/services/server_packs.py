"""A server's own trivia packs: uploaded by its moderators, checked like shipped packs, kept to itself.

An upload is refused, privately and with every problem as ``LINE: field: problem (expected …)``,
unless it passes the same checks as ``data/trivia/`` and ``heartstopper-bot check-pack`` (safe YAML
with no aliases or deep nesting, every field, Discord's lengths, no option that spoils a later
season, no near-duplicates). Limits keep one server from hurting the others: the file's size, the
packs per server and the questions per pack.
"""

from __future__ import annotations

import re

from bot.clock import Clock
from bot.content.audit import audit_questions
from bot.content.loader import load_pack
from bot.domain.models import Catalog, TriviaPack
from bot.domain.text import quote_user_text
from bot.errors import NotFound, UserError
from bot.storage.server_packs import SaveResult, ServerPackRepository, StoredPack

_LINE_PREFIX = re.compile(r"^(\d+):\s*")
MAX_PACK_BYTES = 64 * 1024
MAX_PACKS_PER_SERVER = 5
MAX_QUESTIONS_PER_PACK = 200
MAX_PROBLEMS_SHOWN = 12


class PackRejected(UserError):
    """The uploaded pack has problems; the message lists them for its author."""


class ServerPackService:
    def __init__(self, catalog: Catalog, repo: ServerPackRepository, clock: Clock) -> None:
        self._catalog = catalog
        self._reserved = {p.id for p in catalog.playable_packs}
        self._repo = repo
        self._clock = clock
        self._cache: dict[int, tuple[TriviaPack, ...]] = {}

    @staticmethod
    def check_size(size: int) -> None:
        if size > MAX_PACK_BYTES:
            raise PackRejected(
                f"That file is {size:,} bytes; a pack can be at most {MAX_PACK_BYTES // 1024} KB. "
                "Split it into smaller packs."
            )

    def validate(self, filename: str, data: bytes) -> TriviaPack:
        """The pack in ``data``, or PackRejected listing what is wrong (nothing is stored)."""
        self.check_size(len(data))
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise PackRejected(f"{quote_user_text(filename)} is not UTF-8 text: save it as UTF-8 YAML.") from None
        label = "pack"
        pack, problems = load_pack(text, label)
        # "pack:12: field: problem" reads as "line 12: field: problem" to someone holding the file
        problems = [_LINE_PREFIX.sub(r"line \1: ", p.removeprefix(f"{label}:")) for p in problems]
        if pack is not None and not problems:
            problems = audit_questions(pack.questions, self._catalog)
            if not pack.questions:
                problems.append("questions: has no questions (expected at least one)")
            elif len(pack.questions) > MAX_QUESTIONS_PER_PACK:
                problems.append(
                    f"questions: has {len(pack.questions)} questions (expected at most {MAX_QUESTIONS_PER_PACK})"
                )
            if pack.id in self._reserved:
                problems.append(f"id: {pack.id!r} is taken by a built-in pack (expected another id)")
        if problems or pack is None:
            shown = problems[:MAX_PROBLEMS_SHOWN]
            more = len(problems) - len(shown)
            lines = "\n".join(f"• {quote_user_text(p, limit=150)}" for p in shown)
            tail = f"\n…and {more} more." if more > 0 else ""
            raise PackRejected(
                f"{quote_user_text(filename)} was not added: {len(problems)} problem(s).\n{lines}{tail}\n"
                "Fix them and upload again (check locally with `heartstopper-bot check-pack FILE`)."
            )
        return pack

    async def upload(self, guild_id: int, user_id: int, filename: str, data: bytes) -> tuple[TriviaPack, bool]:
        """Validate and store a pack for this server; returns it and whether it replaced one."""
        pack = self.validate(filename, data)
        stored = StoredPack(pack.id, pack.name, len(pack.questions), data.decode("utf-8"))
        result = await self._repo.save(
            guild_id, stored, uploaded_by=user_id, max_packs=MAX_PACKS_PER_SERVER, now=self._clock.now()
        )
        if result is SaveResult.FULL:
            raise PackRejected(
                f"This server already has {MAX_PACKS_PER_SERVER} packs, the most it can have. "
                "Remove one with `/trivia pack-remove` first, or upload with the id of one to replace it."
            )
        self._cache.pop(guild_id, None)
        return pack, result is SaveResult.REPLACED

    async def remove(self, guild_id: int, pack_id: str) -> None:
        if not await self._repo.remove(guild_id, pack_id.strip()):
            names = ", ".join(f"`{p.id}`" for p in await self.packs(guild_id)) or "none yet"
            raise NotFound(f"This server has no pack called {quote_user_text(pack_id)}. Its packs: {names}.")
        self._cache.pop(guild_id, None)

    async def packs(self, guild_id: int) -> tuple[TriviaPack, ...]:
        """This server's packs, parsed once and kept until one is uploaded or removed."""
        cached = self._cache.get(guild_id)
        if cached is None:
            parsed = []
            for stored in await self._repo.packs(guild_id):
                pack, problems = load_pack(stored.source_yaml, stored.pack_id)
                if pack is not None and not problems:
                    parsed.append(pack)
            cached = self._cache[guild_id] = tuple(parsed)
        return cached
