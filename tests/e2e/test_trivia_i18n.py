"""Trivia and the question of the day in the fandom's languages: who reads which language, end to end.

These check the mechanism, not the wording: every expected text is the same message rendered for the
expected locale (``render``) or the content looked up for it (``LocalizedContent``), so they hold while
the catalogues and ``data/translations/`` are incomplete (a missing translation falls back to English on
both sides) and become real checks as translations land. The bot runs with the content in every
language, as ``heartstopper-bot`` loads it.

- a game speaks its server's language: the question, its options on the buttons, the reveal, the
  standings, the packs list, the start reply;
- a member's private answers (locked in, already answered, an error) are in their own Discord language
  while the public messages stay in the server's;
- the question of the day is posted and revealed in the server's language, and ``/trivia daily`` shows
  it to a member in theirs;
- a game cut short by a restart is announced in the server's language.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from discord.utils import escape_markdown

from bot.domain.trivia import LETTERS
from bot.i18n import N_, _, render
from bot.localdiscord import builders as b
from bot.localdiscord.server import button_ids
from cogs.trivia._daily import day_text
from tests.conftest import settle, start_bot

ALICE, BEN, CARA = (b.user(7000 + i, n) for i, n in enumerate(("alice", "ben", "cara")))
FIRST = dt.datetime(2026, 11, 25, 18, 0, 5, tzinfo=dt.UTC)


def _labels(message) -> list[str]:
    return [c["label"] for row in message["components"] for c in row["components"]]


def _expected_labels(options) -> list[str]:
    """What a button shows: the letter and the option, clipped to Discord's 80 characters."""
    labels = [f"{LETTERS[i]} · {option}" for i, option in enumerate(options)]
    return [label if len(label) <= 80 else label[:79] + "…" for label in labels]


def _message(fake, message_id) -> dict:
    return fake.messages[int(message_id)]


async def _question(fake, channel_id, number=1):
    posts = await fake.wait_for("POST", rf"^/channels/{channel_id}/messages$", count=number)
    body = posts[number - 1].body
    message_id = next(
        mid for mid, m in fake.messages.items() if m["channel_id"] == str(channel_id) and m["embeds"] == body["embeds"]
    )
    return message_id


async def _click_text(fake, inter) -> str:
    """A click's private answer (the follow-up when it was deferred while the database was busy)."""
    first = await fake.reply_to(inter, timeout=15)
    if first["type"] == 5:
        return (await fake.followup_of(inter, timeout=15))["content"]
    assert first["data"]["flags"] == 64
    return first["data"]["content"]


async def test_a_game_speaks_the_servers_language_and_answers_each_member_in_theirs(
    fake, tmp_path, catalog, catalogs, manual_clock
):
    guild = fake.add_guild(preferred_locale="pt-BR")
    channel_id = fake.channel_ids(guild)[0]
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog, clock=manual_clock, catalogs=catalogs)
    content = handle.services.content
    try:
        start = await fake.reply_to(await fake.slash("trivia start", guild, questions=1, user_obj=ALICE))
        assert start["data"]["embeds"][0]["title"] == render(_("💕 Heartstopper trivia!"), "pt-BR")
        live = handle.services.trivia.live_in(channel_id)
        assert live.locale == "pt-BR"  # the game keeps the server's language

        message_id = await _question(fake, channel_id)
        asked = live.game.current
        shown = _message(fake, message_id)
        embed = shown["embeds"][0]
        prompt = content.question(asked.question, "pt-BR").prompt
        assert embed["description"].startswith(f"**{escape_markdown(prompt)}**")
        assert embed["title"] == render(_("Question {number}/{total}", number=1, total=1), "pt-BR")
        options = [content.option(asked.question, option, "pt-BR") for option in asked.options]
        assert _labels(shown) == _expected_labels(options)
        assert all(len(label) <= 80 for label in _labels(shown))

        # A member whose Discord is in German is answered privately in German; one in English, in English.
        ids = button_ids(shown)
        right, wrong = asked.correct_index, (asked.correct_index + 1) % len(ids)
        letter = LETTERS[right]
        german = await _click_text(
            fake, await fake.click(message_id, ids[right], guild, user_obj=BEN, user_locale="de")
        )
        assert german == render(_("Locked in: **{letter}**. Good luck! 🍀", letter=letter), "de")
        again = await _click_text(fake, await fake.click(message_id, ids[wrong], guild, user_obj=BEN, user_locale="de"))
        assert again == render(
            _("You're already locked in: **{letter}**. One answer per question!", letter=letter), "de"
        )
        english = await _click_text(fake, await fake.click(message_id, ids[wrong], guild, user_obj=CARA))
        assert english == render(_("Locked in: **{letter}**. Good luck! 🍀", letter=LETTERS[wrong]), "en")

        # The reveal and the standings are public: the server's language, whoever clicked.
        await manual_clock.advance(21)
        await fake.wait_for("PATCH", rf"^/channels/{channel_id}/messages/{message_id}$")
        revealed = _message(fake, message_id)
        assert revealed["embeds"][0]["title"] == render(
            _("Question {number}/{total} · closed", number=1, total=1), "pt-BR"
        )
        assert revealed["embeds"][0]["description"].startswith(f"**{escape_markdown(prompt)}**")
        assert render(N_("{n} vote", "{n} votes", n=1), "pt-BR") in revealed["embeds"][0]["description"]
        assert _labels(revealed) == _expected_labels(options)
        final = await fake.wait_for("POST", rf"^/channels/{channel_id}/messages$", count=2)
        assert final[1].body["embeds"][0]["title"] == render(_("🏆 Trivia over!"), "pt-BR")
        late = await _click_text(
            fake, await fake.click(message_id, ids[right], guild, user_obj=ALICE, user_locale="de")
        )
        assert late in {
            render(_("This trivia game has ended. Start a new one with `/trivia start`."), "de"),
            render(_("Too late, this question has closed. Get ready for the next one!"), "de"),
        }
        await settle()

        # Public commands answer in the server's language; a private error in the member's own.
        packs = await fake.reply_to(await fake.slash("trivia packs", guild, user_locale="fr"))
        listed = packs["data"]["embeds"][0]
        assert listed["title"] == render(_("📚 Trivia packs"), "pt-BR")
        for pack in catalog.packs:
            assert escape_markdown(content.pack(pack, "pt-BR").name) in listed["description"]
        board = await fake.reply_to(await fake.slash("trivia leaderboard", guild, user_obj=BEN, user_locale="de"))
        assert board["data"]["embeds"][0]["fields"][0]["name"] == render(_("You"), "pt-BR")
        none = await fake.reply_to(await fake.slash("trivia daily", guild, user_locale="es-419"))
        assert none["data"]["flags"] == 64
        assert none["data"]["content"] == render(
            _("There's no open question of the day here. A moderator can start one with `/settings daily-question`."),
            "es-ES",
        )
    finally:
        await handle.stop()


async def test_packs_are_suggested_in_the_typing_members_language_and_found_by_any_languages_name(
    fake, tmp_path, catalog, catalogs, manual_clock
):
    guild = fake.add_guild(preferred_locale="pt-BR")
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog, clock=manual_clock, catalogs=catalogs)
    content = handle.services.content
    try:
        pack = catalog.packs[0]
        inter = await fake.autocomplete("trivia start", guild, "pack", "", user_locale="fr")
        choices = {c["value"]: c["name"] for c in (await fake.reply_to(inter))["data"]["choices"]}
        named = N_(
            "{pack} ({n} question)", "{pack} ({n} questions)", n=len(pack.questions), pack=content.pack(pack, "fr").name
        )
        assert choices[pack.id] == render(named, "fr")[:100]

        # A pack typed out by its German name (any case) starts that pack, in the server's language.
        typed = content.pack(pack, "de").name.upper()
        start = await fake.reply_to(await fake.slash("trivia start", guild, pack=typed, questions=1, user_locale="de"))
        assert escape_markdown(content.pack(pack, "pt-BR").name) in start["data"]["embeds"][0]["description"]
        assert handle.services.trivia.live_in(fake.channel_ids(guild)[0]).pack.id == pack.id
    finally:
        await handle.stop()


async def test_the_question_of_the_day_is_posted_and_revealed_in_the_servers_language(
    fake, tmp_path, catalog, catalogs, manual_clock
):
    guild = fake.add_guild(preferred_locale="fr")
    guild_id, channel_id = int(guild["id"]), fake.channel_ids(guild)[1]
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog, clock=manual_clock, catalogs=catalogs)
    content = handle.services.content
    day = dt.date(2026, 11, 25)
    try:
        await handle.services.daily.set_schedule(guild_id, channel_id, "18:00", "Europe/London")
        await manual_clock.set(FIRST)
        await fake.wait_for("POST", rf"^/channels/{channel_id}/messages$")
        [posted] = [m for m in fake.messages.values() if m["channel_id"] == str(channel_id) and m.get("components")]
        asked = await handle.services.daily._repo.question(guild_id, day)
        question = next(q for p in catalog.packs for q in p.questions if q.id == asked.question_id)

        embed = posted["embeds"][0]
        assert embed["title"] == render(_("🍂 Question of the day · {date}", date=day_text(day, "fr")), "fr")
        prompt = content.question(question, "fr").prompt
        assert embed["description"].startswith(f"**{escape_markdown(prompt)}**")
        options = [content.option(question, option, "fr") for option in asked.options]
        assert _labels(posted) == _expected_labels(options)

        # Private answers in the member's own language; /trivia daily shows the question in it too.
        ids = button_ids(posted)
        letter = LETTERS[asked.correct_index]
        inter = await fake.click(int(posted["id"]), ids[asked.correct_index], guild, user_obj=BEN, user_locale="pt-BR")
        assert await _click_text(fake, inter) == render(
            _("Locked in: **{letter}**. The answer comes when the question closes. 🍂", letter=letter), "pt-BR"
        )
        today = await fake.reply_to(await fake.slash("trivia daily", guild, user_obj=CARA, user_locale="de"))
        assert today["data"]["flags"] == 64
        mine = today["data"]["embeds"][0]
        assert mine["title"] == render(_("🍂 Question of the day · {date}", date=day_text(day, "de")), "de")
        assert mine["description"].startswith(f"**{escape_markdown(content.question(question, 'de').prompt)}**")
        shown_options = [content.option(question, option, "de") for option in asked.options]
        assert _labels(today["data"]) == _expected_labels(shown_options)

        # The next day it is revealed in place, still in the server's language.
        await settle()
        await manual_clock.set(FIRST + dt.timedelta(days=1))
        await fake.wait_for("PATCH", rf"^/channels/{channel_id}/messages/{posted['id']}$")
        revealed = fake.messages[int(posted["id"])]["embeds"][0]
        closed = _("🍂 Question of the day · {date} · closed", date=day_text(day, "fr"))
        assert revealed["title"] == render(closed, "fr")
        assert revealed["fields"][0]["value"] == render(
            _("{right} of {answered} answered right", right=1, answered=1), "fr"
        )
    finally:
        await handle.stop()


async def test_an_interrupted_game_is_announced_in_the_servers_language(
    fake, tmp_path, catalog, catalogs, manual_clock
):
    guild = fake.add_guild(preferred_locale="de")
    channel_id = fake.channel_ids(guild)[0]
    db_path = tmp_path / "bot.sqlite3"
    handle = await start_bot(fake, db_path, catalog, clock=manual_clock, catalogs=catalogs)
    await fake.reply_to(await fake.slash("trivia start", guild, questions=2, user_obj=ALICE))
    message_id = await _question(fake, channel_id)
    await settle()
    for task in asyncio.all_tasks():  # the process dies mid-question
        if task.get_name().startswith("trivia-game-"):
            task.cancel()
    await handle.stop()
    handle = await start_bot(fake, db_path, catalog, clock=manual_clock, catalogs=catalogs)
    try:
        edit = await fake.wait_for("PATCH", rf"^/channels/{channel_id}/messages/{message_id}$")
        assert edit[-1].body["embeds"][0]["title"] == render(_("⚠️ Trivia interrupted"), "de")
    finally:
        await handle.stop()
