"""The question of the day in Discord: its post, its buttons, and its place in the bot's scheduler."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import discord
from discord.utils import escape_markdown, format_dt

from bot.app import HeartstopperBot
from bot.domain.daily import DailyQuestion, DailyReveal
from bot.domain.models import TriviaQuestion, describe_source
from bot.domain.trivia import LETTERS
from bot.errors import UserError
from bot.services.daily import DailyPlan, DailyQuestionService, DailyStanding, DailyToday, RevealPlan
from bot.ui.channels import off_if_unusable
from bot.ui.embeds import LEAF, MINT, PINK, add_field, base_embed, footer
from bot.ui.replies import reply
from bot.ui.rest import within
from bot.ui.scheduler import Job

log = logging.getLogger(__name__)


class DailyAnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"daily:(?P<guild>[0-9]+):(?P<day>[0-9]{8}):(?P<option>[0-9])",
):
    """A question-of-the-day answer; routes by custom id, so it works across restarts."""

    def __init__(self, guild_id: int, day: dt.date, option: int, *, label: str | None = None) -> None:
        self.guild_id, self.day, self.option = guild_id, day, option
        super().__init__(
            discord.ui.Button(
                label=label or LETTERS[option],
                style=discord.ButtonStyle.primary,
                custom_id=f"daily:{guild_id}:{day:%Y%m%d}:{option}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> DailyAnswerButton:
        day = dt.datetime.strptime(match["day"], "%Y%m%d").date()  # noqa: DTZ007 - a calendar date
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(int(match["guild"]), day, int(match["option"]), label=label)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        client: HeartstopperBot = interaction.client
        try:
            option, fresh = await client.services.daily.answer(
                self.guild_id, self.day, interaction.user.id, self.option
            )
        except UserError as error:
            await reply(interaction, error.message, private=True)
            return
        if fresh:
            text = f"Locked in: **{LETTERS[option]}**. The answer comes when the question closes. 🍂"
        else:
            text = f"You're already locked in for today: **{LETTERS[option]}**. One answer a day!"
        await reply(interaction, text, private=True)


def _label(index: int, text: str) -> str:
    label = f"{LETTERS[index]} · {text}"
    return label if len(label) <= 80 else label[:79] + "…"


def answer_view(asked: DailyQuestion) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for index, option in enumerate(asked.options):
        view.add_item(DailyAnswerButton(asked.guild_id, asked.local_date, index, label=_label(index, option)))
    view.stop()  # routed by the registered DynamicItem
    return view


def closed_view(asked: DailyQuestion) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for index, option in enumerate(asked.options):
        button = DailyAnswerButton(asked.guild_id, asked.local_date, index, label=_label(index, option))
        button.item.disabled = True
        button.item.style = (
            discord.ButtonStyle.success if index == asked.correct_index else discord.ButtonStyle.secondary
        )
        view.add_item(button)
    view.stop()
    return view


def _options(asked: DailyQuestion) -> str:
    return "\n".join(f"**{LETTERS[i]}** · {escape_markdown(o)}" for i, o in enumerate(asked.options))


def question_embed(
    asked: DailyQuestion, question: TriviaQuestion, *, late: bool = False, closes_at: dt.datetime | None = None
) -> discord.Embed:
    embed = base_embed(
        f"🍂 Question of the day · {asked.local_date:%d %B %Y}",
        f"**{escape_markdown(question.prompt)}**\n\n{_options(asked)}",
        colour=PINK,
    )
    add_field(embed, "Difficulty", question.difficulty.value.title(), inline=True)
    closes_at = closes_at or asked.closes_at
    if closes_at is not None:
        add_field(embed, "Closes", f"{format_dt(closes_at, 'R')}, then the answer is revealed", inline=True)
    add_field(embed, "How it works", "One answer each, locked in privately. Right answers build your streak.")
    late_note = " (late: I was offline at the scheduled time)" if late else ""
    when = "when it closes" if closes_at is not None else "with tomorrow's question"
    return footer(embed, f"The answer comes {when}{late_note} · /trivia daily")


def reveal_embed(reveal: DailyReveal, question: TriviaQuestion | None) -> discord.Embed:
    asked = reveal.question
    lines = [
        f"{'✅' if i == asked.correct_index else '▫️'} **{LETTERS[i]}** · {escape_markdown(o)} — "
        f"{reveal.counts[i]} vote{'s' if reveal.counts[i] != 1 else ''}"
        for i, o in enumerate(asked.options)
    ]
    prompt = f"**{escape_markdown(question.prompt)}**\n\n" if question else ""
    embed = base_embed(f"🍂 Question of the day · {asked.local_date:%d %B %Y} · closed", prompt + "\n".join(lines))
    embed.colour = MINT
    add_field(embed, "Right", f"{reveal.right} of {reveal.answered} answered right", inline=True)
    source = f" · source: {describe_source(question.source)}" if question else ""
    return footer(embed, f"Answer: {LETTERS[asked.correct_index]}{source}")


def today_embed(today: DailyToday) -> discord.Embed:
    embed = question_embed(today.asked, today.question)
    if today.my_answer is not None:
        add_field(embed, "Your answer", f"Locked in: **{LETTERS[today.my_answer]}**", inline=True)
    add_field(embed, "Your daily streak", f"{today.streak} (best {today.best})", inline=True)
    return embed


def board_embed(rows: list[DailyStanding], guild_name: str) -> discord.Embed:
    if not rows:
        return base_embed(
            "🔥 Daily streaks", "No streaks yet: answer the question of the day right to start one!", colour=LEAF
        )
    lines = [
        f"`{n}.` <@{r.user_id}> — **{r.current}** day{'s' if r.current != 1 else ''} (best {r.best})"
        for n, r in enumerate(rows, start=1)
    ]
    embed = base_embed(f"🔥 {escape_markdown(guild_name)} daily streaks", "\n".join(lines), colour=LEAF)
    return footer(embed, "A streak stands while you answer each question of the day right · /trivia daily")


@dataclass(frozen=True, slots=True)
class DailyPost:
    plan: DailyPlan
    send: Callable[[DailyPlan], Awaitable[bool]]

    @property
    def guild_id(self) -> int:
        return self.plan.guild_id

    async def run(self) -> bool:
        return await self.send(self.plan)


class DailySource:
    """The question of the day as a source for the bot's one scheduler."""

    name = "daily-question"

    def __init__(self, bot: HeartstopperBot, service: DailyQuestionService) -> None:
        self.bot = bot
        self.service = service

    async def due(self) -> AsyncIterator[Job]:
        async for plan in self.service.due_plans():
            yield DailyPost(plan, self._send)

    async def next_due_at(self) -> dt.datetime | None:
        return await self.service.next_due_at()

    async def _send(self, plan: DailyPlan) -> bool:
        if await off_if_unusable(
            self.bot, plan.guild_id, plan.channel_id, self.service.turn_off, "question of the day"
        ):
            return True
        if plan.reveal is not None and plan.reveal.question.message_id is not None:
            old = self.bot.get_partial_messageable(plan.reveal.question.channel_id, guild_id=plan.guild_id)
            try:
                await within(
                    old.get_partial_message(plan.reveal.question.message_id).edit(
                        embed=reveal_embed(plan.reveal, plan.revealed_question), view=closed_view(plan.reveal.question)
                    )
                )
            except (TimeoutError, discord.HTTPException) as exc:
                log.info("could not reveal the question of the day in guild %s: %s", plan.guild_id, exc)
        channel = self.bot.get_partial_messageable(plan.channel_id, guild_id=plan.guild_id)
        try:
            message = await within(
                channel.send(
                    embed=question_embed(plan.asked, plan.question, late=plan.late, closes_at=plan.closes_at),
                    view=answer_view(plan.asked),
                    nonce=plan.nonce,
                )
            )
        except discord.NotFound:
            await self.service.turn_off(plan.guild_id, "the question-of-the-day channel no longer exists")
            return True
        except discord.Forbidden:
            await self.service.turn_off(
                plan.guild_id, f"Discord refused my question of the day in <#{plan.channel_id}> (403)"
            )
            return True
        except (TimeoutError, discord.HTTPException, OSError) as exc:
            log.warning("question of the day for guild %s failed, will retry: %s", plan.guild_id, exc)
            return False
        await self.service.record_posted(plan, message.id)
        return True


@dataclass(frozen=True, slots=True)
class RevealPost:
    plan: RevealPlan
    bot: HeartstopperBot

    @property
    def guild_id(self) -> int:
        return self.plan.reveal.question.guild_id

    async def run(self) -> bool:
        """Edit the closed question in place; its answers and streaks are saved already."""
        asked = self.plan.reveal.question
        if asked.message_id is None:
            return True
        channel = self.bot.get_partial_messageable(asked.channel_id, guild_id=asked.guild_id)
        try:
            await within(
                channel.get_partial_message(asked.message_id).edit(
                    embed=reveal_embed(self.plan.reveal, self.plan.question), view=closed_view(asked)
                )
            )
        except (TimeoutError, discord.HTTPException) as exc:
            log.info("could not reveal the question of the day in guild %s: %s", asked.guild_id, exc)
        return True


class DailyRevealSource:
    """Questions of the day whose answer window (``/settings daily-question hours:``) has closed."""

    name = "daily-reveal"

    def __init__(self, bot: HeartstopperBot, service: DailyQuestionService) -> None:
        self.bot = bot
        self.service = service

    async def due(self) -> AsyncIterator[Job]:
        async for plan in self.service.due_reveals():
            yield RevealPost(plan, self.bot)

    async def next_due_at(self) -> dt.datetime | None:
        return await self.service.next_closing_at()
