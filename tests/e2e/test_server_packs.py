"""A server's own trivia packs: uploaded, checked, played, replaced, removed, and never seen elsewhere."""

from __future__ import annotations

import asyncio
import textwrap

from bot.localdiscord import builders as b
from bot.services.server_packs import ServerPackService
from bot.storage.server_packs import ServerPackRepository
from tests.conftest import start_bot

MOD = {"permissions": b.MODERATOR_PERMS, "user_obj": b.user(6000, "mod")}

PACK = textwrap.dedent(
    """\
    id: our-fandom
    name: Our Fandom Night
    description: Questions our members wrote about the show.
    questions:
      - id: nellie
        prompt: "What is the name of Nick's dog?"
        answer: Nellie
        wrong: [Rex, Bella, Daisy]
        season: 1
        difficulty: easy
        source: seed
      - id: paris
        prompt: "Which city do they visit on the Season 2 school trip?"
        answer: Paris
        wrong: [Rome, Berlin, Madrid]
        season: 2
        difficulty: easy
        source: seed
    """
)


async def _upload(fake, guild, content: bytes | str, *, filename="pack.yaml", size=None, who=MOD):
    data = content.encode() if isinstance(content, str) else content
    file = {"filename": filename, "content": data, **({"size": size} if size is not None else {})}
    inter = await fake.slash("trivia pack-upload", guild, file=file, **who)
    answer = await fake.reply_to(inter, timeout=15)
    if answer["type"] == 5:
        return (await fake.followup_of(inter, timeout=15))["content"]
    assert answer["data"]["flags"] == 64
    return answer["data"]["content"]


async def test_upload_play_replace_remove_and_no_leak_to_another_server(fake, tmp_path, catalog, manual_clock):
    ours, theirs = fake.add_guild("ours"), fake.add_guild("theirs")
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog, clock=manual_clock)
    try:
        said = await _upload(fake, ours, PACK)
        assert "Added **Our Fandom Night** (`our-fandom`) with 2 questions" in said

        listed = await fake.reply_to(await fake.slash("trivia packs", ours))
        assert "Our Fandom Night" in listed["data"]["embeds"][0]["description"]
        elsewhere = await fake.reply_to(await fake.slash("trivia packs", theirs))
        assert "Our Fandom Night" not in elsewhere["data"]["embeds"][0]["description"]
        refused = await fake.reply_to(await fake.slash("trivia start", theirs, pack="our-fandom"))
        assert "no pack called" in refused["data"]["content"]

        start = await fake.reply_to(await fake.slash("trivia start", ours, pack="our-fandom", questions=2))
        assert "Our Fandom Night" in start["data"]["embeds"][0]["description"]
        channel = fake.channel_ids(ours)[0]
        first = await fake.wait_for("POST", rf"^/channels/{channel}/messages$")
        prompt = first[0].body["embeds"][0]["description"]
        assert "Nick's dog" in prompt or "school trip" in prompt
        await fake.reply_to(await fake.slash("trivia stop", ours, **MOD))

        replaced = await _upload(fake, ours, PACK.replace("Our Fandom Night", "Our Fandom Night II"))
        assert replaced.startswith("Replaced **Our Fandom Night II**")
        member = await fake.reply_to(await fake.slash("trivia pack-remove", ours, pack="our-fandom"))
        assert "Manage Server" in member["data"]["content"]
        removed = await fake.reply_to(await fake.slash("trivia pack-remove", ours, pack="our-fandom", **MOD))
        assert "Removed" in removed["data"]["content"]
        gone = await fake.reply_to(await fake.slash("trivia packs", ours))
        assert "Our Fandom" not in gone["data"]["embeds"][0]["description"]
    finally:
        await handle.stop()


async def test_bad_packs_are_refused_with_their_lines_and_change_nothing(fake, tmp_path, catalog, manual_clock):
    guild = fake.add_guild()
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog, clock=manual_clock)
    try:
        broken = PACK.replace(
            "difficulty: easy\n    source: seed\n  - id: paris", "difficulty: trivial\n    source: seed\n  - id: paris"
        )
        said = await _upload(fake, guild, broken)
        assert "was not added" in said and "line 10: questions[0].difficulty: 'trivial' is not allowed" in said

        spoiler = PACK.replace("wrong: [Rex, Bella, Daisy]", "wrong: [Rex, Aunt Diane, Daisy]")
        assert "first appears in Season 3" in await _upload(fake, guild, spoiler)

        bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b]\n"
        assert "aliases" in await _upload(fake, guild, bomb)

        nested = "id: deep\nquestions: " + "[" * 60 + "]" * 60 + "\n"
        assert "nested deeper than" in await _upload(fake, guild, nested)

        downloads = len(fake.downloads)
        huge = await _upload(fake, guild, b"x", size=10 * 1024 * 1024)
        assert "at most 64 KB" in huge
        assert len(fake.downloads) == downloads  # refused on its declared size, never downloaded

        assert "not UTF-8" in await _upload(fake, guild, b"\xff\xfe\x00id: x")
        huge = await _upload(fake, guild, PACK.replace("season: 2", "season: " + "1" * 5000))
        assert "line 16: number too long: 5,000 characters" in huge
        hex_key = await _upload(fake, guild, "id: x\n? " + ":".join(["1", *["59"] * 10_000]) + "\n: y\n")
        assert "line 2: key too long" in hex_key
        many = PACK + "".join(
            f"  - {{id: q{i}, prompt: Question {i}?, answer: A, wrong: [B, C, D], season: 1,"
            " difficulty: easy, source: seed}\n"
            for i in range(509)
        )
        assert "line 4: questions: has 511 questions (expected at most 200)" in await _upload(fake, guild, many)
        taken = PACK.replace("id: our-fandom", "id: season-1")
        assert "taken by a built-in pack" in await _upload(fake, guild, taken)

        listed = await fake.reply_to(await fake.slash("trivia packs", guild))
        assert "this server's own" not in listed["data"]["embeds"][0]["description"]
    finally:
        await handle.stop()


class HeldReads:
    """The real repository, except that the next read of a server's packs waits, holding what it read."""

    def __init__(self, repo: ServerPackRepository) -> None:
        self._repo = repo
        self._gate: asyncio.Event | None = None
        self.waiting = asyncio.Event()
        self.finished = asyncio.Event()

    def hold_next_read(self) -> asyncio.Event:
        self._gate = asyncio.Event()
        return self._gate

    def __getattr__(self, name):
        return getattr(self._repo, name)

    async def packs(self, guild_id):
        read = await self._repo.packs(guild_id)
        gate, self._gate = self._gate, None
        if gate is not None:
            self.waiting.set()
            await gate.wait()
            self.finished.set()
        return read


async def test_a_slow_read_during_an_upload_does_not_hide_the_new_pack(fake, tmp_path, catalog, manual_clock):
    """Review B9: a read that began before the upload and ended after it must not put the old list back."""
    guild = fake.add_guild()
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog, clock=manual_clock)
    try:
        repo = HeldReads(ServerPackRepository(handle.db))
        handle.services.trivia.server_packs = ServerPackService(catalog, repo, manual_clock)
        release = repo.hold_next_read()
        listing = await fake.slash("trivia packs", guild)
        await repo.waiting.wait()  # it has read the server's packs (none) and is still going

        assert "Added **Our Fandom Night**" in await _upload(fake, guild, PACK)
        release.set()
        await repo.finished.wait()
        await fake.reply_to(listing)

        start = await fake.reply_to(await fake.slash("trivia start", guild, pack="our-fandom", questions=2))
        assert "Our Fandom Night" in start["data"]["embeds"][0]["description"], start
        await fake.reply_to(await fake.slash("trivia stop", guild, **MOD))
    finally:
        await handle.stop()
