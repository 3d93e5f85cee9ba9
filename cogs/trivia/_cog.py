"""The trivia commands and the task that runs each game (timing and messages only)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Coroutine
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import HeartstopperBot
from bot.errors import UserError
from bot.services.trivia import LiveGame, TriviaService
from bot.ui.channels import missing_post_permissions
from bot.ui.checks import is_moderator, moderator_only
from bot.ui.embeds import LEAF, base_embed, footer
from bot.ui.replies import send_ephemeral, send_public
from bot.ui.rest import within
from cogs.trivia import _embeds as views_text
from cogs.trivia._views import ConfirmReset, question_view, revealed_view

log = logging.getLogger(__name__)

PAUSE_BETWEEN_QUESTIONS = dt.timedelta(seconds=4)


@app_commands.guild_only()
class TriviaCog(commands.GroupCog, group_name="trivia", group_description="Heartstopper trivia"):
    def __init__(self, bot: HeartstopperBot, service: TriviaService) -> None:
        self.bot = bot
        self.service = service
        self._stops: dict[int, asyncio.Event] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        super().__init__()

    async def cog_load(self) -> None:
        task = asyncio.create_task(self._close_interrupted(), name="trivia-recovery")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def cog_unload(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    # --- commands ---------------------------------------------------------------------------
    @app_commands.command(name="start")
    @app_commands.describe(questions="How many questions, 1 to 20 (default 10)", pack="Question pack (default: core)")
    async def start(
        self,
        interaction: discord.Interaction[HeartstopperBot],
        questions: app_commands.Range[int, 1, 20] | None = None,
        pack: str | None = None,
    ) -> None:
        """Start a multiple-choice game in this channel; answer with the buttons."""
        assert interaction.guild_id is not None and interaction.channel_id is not None  # noqa: S101
        missing = missing_post_permissions(interaction.app_permissions)
        if missing:
            raise UserError(f"I need {', '.join(missing)} in this channel to run trivia here.")
        live = await self.service.start(
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            starter_id=interaction.user.id,
            questions=questions,
            pack_id=pack,
        )
        seconds = live.game.seconds
        embed = base_embed(
            "💕 Heartstopper trivia!",
            f"**{live.game.total}** question{'s' if live.game.total != 1 else ''} from **{live.pack.name}**, "
            f"{seconds} seconds each. Tap a button to lock in your answer: one answer per question, "
            "10 points for a right one and up to 5 more for speed.",
            colour=LEAF,
        )
        if questions and live.game.total < questions:
            footer(embed, f"Only {live.game.total} questions fit this server's spoiler setting.")
        await send_public(interaction, embed=embed)
        self._stops[live.id] = asyncio.Event()
        task = asyncio.create_task(self._run(live), name=f"trivia-game-{live.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @start.autocomplete("pack")
    async def pack_autocomplete(
        self, interaction: discord.Interaction[HeartstopperBot], current: str
    ) -> list[app_commands.Choice[str]]:
        needle = current.casefold()
        return [
            app_commands.Choice(name=f"{p.name} ({len(p.questions)} questions)"[:100], value=p.id)
            for p in self.service.packs()
            if needle in p.id or needle in p.name.casefold()
        ][:25]

    @app_commands.command(name="stop")
    async def stop(self, interaction: discord.Interaction[HeartstopperBot]) -> None:
        """Stop the game in this channel (its starter or a moderator); revealed points are kept."""
        assert interaction.channel_id is not None  # noqa: S101
        live = self.service.request_stop(
            interaction.channel_id, interaction.user.id, is_moderator=is_moderator(interaction)
        )
        event = self._stops.get(live.id)
        if event is not None:
            event.set()
        await send_ephemeral(interaction, "Stopping the game. Points already revealed are kept.")

    @app_commands.command(name="leaderboard")
    async def leaderboard(self, interaction: discord.Interaction[HeartstopperBot]) -> None:
        """This server's top 10 players, and your own rank."""
        assert interaction.guild_id is not None  # noqa: S101
        board = await self.service.leaderboard(interaction.guild_id, interaction.user.id)
        name = interaction.guild.name if interaction.guild else "Server"
        await send_public(interaction, embed=views_text.leaderboard_embed(board, name))

    @app_commands.command(name="stats")
    @app_commands.describe(member="Whose stats (default: yours)")
    async def stats(
        self, interaction: discord.Interaction[HeartstopperBot], member: discord.User | None = None
    ) -> None:
        """Games, right answers, accuracy, points, wins and best streak."""
        assert interaction.guild_id is not None  # noqa: S101
        who = member or interaction.user
        row, rank = await self.service.stats(interaction.guild_id, who.id)
        await send_public(interaction, embed=views_text.stats_embed(who, row, rank))

    @app_commands.command(name="packs")
    async def packs(self, interaction: discord.Interaction[HeartstopperBot]) -> None:
        """The question packs available here."""
        lines = [
            f"**{p.name}** (`{p.id}`): {len(p.questions)} questions\n{p.description}" for p in self.service.packs()
        ]
        await send_public(interaction, embed=base_embed("📚 Trivia packs", "\n\n".join(lines), colour=LEAF))

    @app_commands.command(name="reset")
    @moderator_only()
    async def reset(self, interaction: discord.Interaction[HeartstopperBot]) -> None:
        """Wipe this server's trivia scores, after you confirm (moderators)."""
        assert interaction.guild_id is not None  # noqa: S101
        view = ConfirmReset(interaction.user.id)
        await send_ephemeral(interaction, "This wipes **every** trivia score on this server. Are you sure?", view=view)
        view.message = await interaction.original_response()
        await view.wait()
        if view.confirmed:
            removed = await self.service.reset(interaction.guild_id)
            await interaction.followup.send(f"Done: scores wiped for {removed} member(s).", ephemeral=True)

    # --- running a game ---------------------------------------------------------------------
    async def _run(self, live: LiveGame) -> None:
        channel = self.bot.get_partial_messageable(live.channel_id, guild_id=live.guild_id)
        stop = self._stops[live.id]
        clock = self.bot.services.clock
        try:
            while live.game.has_next:
                asked = live.game.open_next()
                message = await within(
                    channel.send(embed=views_text.question_embed(live, asked), view=question_view(live.id, asked))
                )
                await self.service.set_message(live, message.id, asked.number)
                await self._wait(clock.sleep_until(asked.closes_at), stop)
                if stop.is_set():
                    live.game.discard_current()
                    await self._edit(message, embed=views_text.discarded_embed(live, asked), view=None)
                    break
                result = await self.service.close_question(live)  # saved before Discord hears of it
                await self._edit(
                    message, embed=views_text.reveal_embed(live, result), view=revealed_view(live.id, asked)
                )
                if live.game.has_next:
                    await self._wait(clock.sleep_until(clock.now() + PAUSE_BETWEEN_QUESTIONS), stop)
            table = await self.service.finish(live)
            await within(channel.send(embed=views_text.final_embed(live, table, stopped=live.game.stopped)))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("trivia game %s in channel %s failed", live.id, live.channel_id)
            await self.service.abandon(live)
            try:
                await channel.send(
                    "Sorry, this trivia game hit a problem and had to stop. Points already revealed are saved."
                )
            except discord.HTTPException:
                pass
        finally:
            self._stops.pop(live.id, None)

    @staticmethod
    async def _edit(message: discord.Message, **changes: Any) -> None:
        """Edit a game message; if Discord fails or times out, the game goes on (its points are saved)."""
        try:
            await within(message.edit(**changes))
        except (TimeoutError, discord.HTTPException) as exc:
            log.warning("could not edit trivia message %s, carrying on: %s", message.id, exc)

    @staticmethod
    async def _wait(sleep: Coroutine[Any, Any, None], stop: asyncio.Event) -> None:
        """Wait for the timer or a stop request, whichever comes first."""
        sleeper = asyncio.ensure_future(sleep)
        stopper = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            stopper.cancel()

    async def _close_interrupted(self) -> None:
        """Games cut by a crash or restart: say so on their last message, then close them.

        Telling the channel comes first, so a crash in between repeats the notice rather than
        losing it: the edit is idempotent and the new-message case carries a nonce Discord
        deduplicates on.
        """
        await self.bot.wait_until_ready()
        for row in await self.service.interrupted_games():
            points = await self.service.game_points(row.id)
            embed = views_text.interrupted_embed(points, row.revealed, row.total_questions)
            channel = self.bot.get_partial_messageable(row.channel_id)
            try:
                if row.message_shows_open_question and row.current_message_id is not None:
                    # Replace the unanswerable question (and its buttons) with the notice.
                    await channel.get_partial_message(row.current_message_id).edit(embed=embed, view=None)
                else:
                    # The last message is a reveal worth keeping; say it in a new message instead.
                    await channel.send(embed=embed, nonce=f"trivia-int-{row.id}")
            except discord.HTTPException as exc:
                log.info("could not announce interrupted trivia game %s: %s", row.id, exc)
            await self.service.mark_interrupted(row.id)
