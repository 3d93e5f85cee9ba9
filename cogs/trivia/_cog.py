"""The trivia commands: they translate between Discord and the trivia service (games run in ``GameSession``).

Who reads what: a public answer (a game's start, the leaderboard, stats, packs) in the server's
language, a private one in the member's own (``reader_locale``); a game keeps the server's language
it started in for all its messages. Pack names and descriptions come from ``LocalizedContent``; a
server's own pack stays as uploaded.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import escape_markdown

from bot.app import HeartstopperBot
from bot.domain import trivia as rules
from bot.domain.lookup import normalize
from bot.domain.models import TriviaPack
from bot.errors import UserError
from bot.i18n import N_, _, render
from bot.services.content import LocalizedContent
from bot.services.daily import DailyQuestionService
from bot.services.server_packs import MAX_PACK_BYTES
from bot.services.trivia import TriviaService
from bot.ui.channels import missing_post_permission_names
from bot.ui.checks import channel_id_of, guild_id_of, is_moderator, moderator_only
from bot.ui.confirm import Confirm
from bot.ui.replies import reader_locale, reply, visibility
from bot.ui.rest import within
from cogs.trivia import _daily as daily_text
from cogs.trivia import _embeds as views_text
from cogs.trivia._daily import DailyQuestionPoster, DailyRevealEditor
from cogs.trivia._display import ChannelDisplay
from cogs.trivia._recovery import TriviaNoticePoster
from cogs.trivia._views import RESET_WORDS

log = logging.getLogger(__name__)

DOWNLOAD_TIMEOUT = 10.0  # seconds to fetch an uploaded pack from Discord's CDN
START_FAILED_TEXT = _(
    "Discord didn't confirm the start of the game, so it never began and nothing was saved. Try `/trivia start` again."
)


@app_commands.guild_only()
class TriviaCog(commands.GroupCog, group_name="trivia", group_description="Heartstopper trivia"):
    def __init__(
        self, bot: HeartstopperBot, service: TriviaService, daily: DailyQuestionService, content: LocalizedContent
    ) -> None:
        self.bot = bot
        self.service = service
        self.daily_service = daily
        self.content = content
        self.display = ChannelDisplay(bot, content)
        self.executors = (
            DailyQuestionPoster(bot, daily, content),
            DailyRevealEditor(bot, daily, content),
            TriviaNoticePoster(bot, service),
        )
        super().__init__()

    async def cog_load(self) -> None:
        # Planners (services, no discord) decide what is due; executors (here) make it so at Discord.
        for executor in self.executors:
            self.bot.scheduler.outbox.register(executor)
        self.bot.scheduler.add(self.daily_service)
        self.bot.scheduler.add(self.service)  # closes games whose process is gone
        self.service.start_heartbeat()

    async def cog_unload(self) -> None:
        self.bot.scheduler.remove(self.daily_service.name)
        self.bot.scheduler.remove(self.service.name)
        for executor in self.executors:
            self.bot.scheduler.outbox.unregister(executor.kind)
        self.service.stop_heartbeat()
        self.service.cancel_all()

    # --- commands ---------------------------------------------------------------------------
    @visibility("public")
    @app_commands.command(name="start")
    @app_commands.describe(
        questions=f"How many questions, {rules.MIN_QUESTIONS} to {rules.MAX_QUESTIONS} "
        f"(default {rules.DEFAULT_QUESTIONS})",
        pack="Question pack (default: Everything, a mix of every pack)",
    )
    async def start(
        self,
        interaction: discord.Interaction[HeartstopperBot],
        questions: app_commands.Range[int, rules.MIN_QUESTIONS, rules.MAX_QUESTIONS] | None = None,
        pack: str | None = None,
    ) -> None:
        """Start a multiple-choice game in this channel; answer with the buttons."""
        missing = missing_post_permission_names(interaction.app_permissions)
        if missing is not None:
            # TRANSLATORS: {permissions} are permission names as Discord's interface shows them
            raise UserError(_("I need {permissions} in this channel to run trivia here.", permissions=missing))
        locale = await reader_locale(interaction)  # public: the server's language, which the game keeps
        session = await self.service.start(
            guild_id=guild_id_of(interaction),
            channel_id=channel_id_of(interaction),
            starter_id=interaction.user.id,
            questions=questions,
            pack_id=self._pack_id(pack),
            locale=locale,
        )
        try:
            embed = views_text.start_embed(session, self.content, asked_for=questions)
            await within(reply(interaction, embed=embed))
        except (TimeoutError, discord.HTTPException) as exc:
            await session.abort()
            raise UserError(START_FAILED_TEXT) from exc
        except BaseException:
            await session.abort()
            raise
        session.launch(self.display)

    def _pack_id(self, typed: str | None) -> str | None:
        """A pack typed out by its name in any language (rather than picked from the suggestions), as its
        id; anything else is left for the service to find or refuse."""
        if not typed:
            return typed
        return self.content.pack_id_named(typed) or typed

    def _pack_names(self, pack: TriviaPack, locale: str) -> tuple[str, str]:
        """A pack's name and description in ``locale``; a server's own pack as its author wrote it."""
        if self.service.is_server_pack(pack):
            return pack.name, pack.description
        return views_text.localized_pack(self.content, pack, locale)

    @start.autocomplete("pack")
    async def pack_autocomplete(
        self, interaction: discord.Interaction[HeartstopperBot], current: str
    ) -> list[app_commands.Choice[str]]:
        locale = await reader_locale(interaction, private=True)  # suggestions are the typing member's alone
        needle = normalize(current)
        choices = []
        for pack in await self.service.packs(interaction.guild_id):
            name, _description = self._pack_names(pack, locale)
            if any(needle in normalize(text) for text in (pack.id, name, pack.name)):
                label = N_("{pack} ({n} question)", "{pack} ({n} questions)", n=len(pack.questions), pack=name)
                choices.append(app_commands.Choice(name=render(label, locale)[:100], value=pack.id))
        return choices[:25]

    @visibility("private")
    @app_commands.command(name="stop")
    async def stop(self, interaction: discord.Interaction[HeartstopperBot]) -> None:
        """Stop the game in this channel (its starter or a moderator); revealed points are kept."""
        self.service.request_stop(
            channel_id_of(interaction), interaction.user.id, is_moderator=is_moderator(interaction)
        )
        await reply(interaction, _("Stopping the game. Points already revealed are kept."))

    @visibility("public")
    @app_commands.command(name="leaderboard")
    @app_commands.describe(board="points: game points (default); daily: question-of-the-day streaks")
    async def leaderboard(
        self, interaction: discord.Interaction[HeartstopperBot], board: Literal["points", "daily"] = "points"
    ) -> None:
        """This server's top 10 players, and your own rank."""
        locale = await reader_locale(interaction)
        name = interaction.guild.name if interaction.guild else render(_("This server"), locale)
        if board == "daily":
            rows = await self.daily_service.board(guild_id_of(interaction))
            await reply(interaction, embed=daily_text.board_embed(rows, name, locale=locale))
            return
        scores = await self.service.leaderboard(guild_id_of(interaction), interaction.user.id)
        await reply(interaction, embed=views_text.leaderboard_embed(scores, name, locale=locale))

    @visibility("private")
    @app_commands.command(name="daily")
    async def daily(self, interaction: discord.Interaction[HeartstopperBot]) -> None:
        """Today's question of the day, if you missed the post, and your daily streak."""
        today = await self.daily_service.today(guild_id_of(interaction), interaction.user.id)
        if today is None:
            raise UserError(
                _(
                    "There's no open question of the day here. "
                    "A moderator can start one with `/settings daily-question`."
                )
            )
        locale = await reader_locale(interaction)  # private: the member's own language
        view = None
        if today.my_answer is None:
            options = views_text.localized_options(self.content, today.question, today.asked.options, locale)
            view = daily_text.answer_view(today.asked, options)
        await reply(interaction, embed=daily_text.today_embed(today, self.content, locale=locale), view=view)

    @visibility("public")
    @app_commands.command(name="stats")
    @app_commands.describe(member="Whose stats (default: yours)")
    async def stats(
        self, interaction: discord.Interaction[HeartstopperBot], member: discord.User | None = None
    ) -> None:
        """Games, right answers, accuracy, points, wins and best streak."""
        who = member or interaction.user
        locale = await reader_locale(interaction)
        stats = await self.service.stats(guild_id_of(interaction), who.id)
        streak = await self.daily_service.streak(guild_id_of(interaction), who.id)
        await reply(interaction, embed=views_text.stats_embed(who, stats, daily_streak=streak, locale=locale))

    @visibility("public")
    @app_commands.command(name="packs")
    async def packs(self, interaction: discord.Interaction[HeartstopperBot]) -> None:
        """The question packs available here, including this server's own."""
        locale = await reader_locale(interaction)
        packs = await self.service.packs(guild_id_of(interaction))
        await reply(
            interaction, embed=views_text.packs_embed(packs, self.service.is_server_pack, self.content, locale=locale)
        )

    @visibility("private")
    @app_commands.command(name="pack-upload")
    @app_commands.describe(
        file=f"A .yaml pack in the same format as the built-in packs, at most {MAX_PACK_BYTES // 1024} KB"
    )
    @moderator_only()
    async def pack_upload(self, interaction: discord.Interaction[HeartstopperBot], file: discord.Attachment) -> None:
        """Add (or replace) a trivia pack for this server only (moderators)."""
        guild_id = guild_id_of(interaction)
        self.service.server_packs.check_size(file.size)  # before downloading anything
        try:
            data = await asyncio.wait_for(file.read(), DOWNLOAD_TIMEOUT)
        except (TimeoutError, discord.HTTPException) as exc:
            raise UserError(_("I couldn't download that file from Discord. Try uploading it again.")) from exc
        pack, replaced = await self.service.server_packs.upload(guild_id, interaction.user.id, file.filename, data)
        words = {"name": escape_markdown(pack.name), "id": pack.id}
        if replaced:
            said = N_(
                "Replaced **{name}** (`{id}`) with {n} question, for this server only. "
                "Play it with `/trivia start pack:{id}`.",
                "Replaced **{name}** (`{id}`) with {n} questions, for this server only. "
                "Play it with `/trivia start pack:{id}`.",
                n=len(pack.questions),
                **words,
            )
        else:
            said = N_(
                "Added **{name}** (`{id}`) with {n} question, for this server only. "
                "Play it with `/trivia start pack:{id}`.",
                "Added **{name}** (`{id}`) with {n} questions, for this server only. "
                "Play it with `/trivia start pack:{id}`.",
                n=len(pack.questions),
                **words,
            )
        await reply(interaction, said)

    @visibility("private")
    @app_commands.command(name="pack-remove")
    @app_commands.describe(pack="One of this server's own packs")
    @moderator_only()
    async def pack_remove(
        self, interaction: discord.Interaction[HeartstopperBot], pack: app_commands.Range[str, 1, 64]
    ) -> None:
        """Remove one of this server's own trivia packs (moderators)."""
        await self.service.server_packs.remove(guild_id_of(interaction), pack)
        await reply(interaction, _("Removed the pack `{id}` from this server.", id=escape_markdown(pack.strip())))

    @pack_remove.autocomplete("pack")
    async def own_pack_autocomplete(
        self, interaction: discord.Interaction[HeartstopperBot], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        needle = current.casefold()
        return [
            app_commands.Choice(name=f"{p.name} ({p.id})"[:100], value=p.id)
            for p in await self.service.server_packs.packs(interaction.guild_id)
            if needle in p.id or needle in p.name.casefold()
        ][:25]

    @visibility("private")
    @app_commands.command(name="reset")
    @moderator_only()
    async def reset(self, interaction: discord.Interaction[HeartstopperBot]) -> None:
        """Wipe this server's trivia scores, after you confirm (moderators)."""
        guild_id = guild_id_of(interaction)
        view = Confirm(interaction.user.id, await reader_locale(interaction), RESET_WORDS)
        view.message = await reply(
            interaction, _("This wipes **every** trivia score on this server. Are you sure?"), view=view
        )
        await view.wait()
        if view.confirmed:
            removed = await self.service.reset(guild_id)
            await reply(
                interaction,
                N_("Done: scores wiped for {n} member.", "Done: scores wiped for {n} members.", n=removed),
            )
