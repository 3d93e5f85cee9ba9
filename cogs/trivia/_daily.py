"""The question of the day in Discord: its post, its buttons, its reveal, and their executors in the outbox."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

import discord
from discord.utils import escape_markdown, format_dt

from bot.app import HeartstopperBot
from bot.domain.daily import DailyQuestion, DailyReveal
from bot.domain.models import TriviaQuestion, describe_source
from bot.domain.outbox import Abandon, Delivery, Kind, Outcome
from bot.domain.trivia import LETTERS
from bot.errors import UserError
from bot.services.daily import DailyQuestionService, DailyStanding, DailyToday
from bot.ui.channels import channel_problem
from bot.ui.delivery import custom_ids, edit_once, post_once
from bot.ui.embeds import LEAF, MINT, PINK, add_field, base_embed, footer
from bot.ui.replies import defer_if_slow, reply
from bot.ui.tree import observed

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
        defer_if_slow(interaction)  # it writes: a busy database must not show "This interaction failed"
        async with observed(interaction, "daily answer"):
            await self._answer(client, interaction)

    async def _answer(self, client: HeartstopperBot, interaction: discord.Interaction[Any]) -> None:
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
    asked: DailyQuestion,
    question: TriviaQuestion,
    *,
    late: bool = False,
    offline: bool = False,
    closes_at: dt.datetime | None = None,
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
    late_text = " (late: I was offline at the scheduled time)" if offline else " (late)" if late else ""
    when = "when it closes" if closes_at is not None else "with tomorrow's question"
    return footer(embed, f"The answer comes {when}{late_text} · /trivia daily")


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


class DailyQuestionPoster:
    """The outbox's executor for the question of the day: post the planned question once."""

    kind = Kind.DAILY_QUESTION

    def __init__(self, bot: HeartstopperBot, service: DailyQuestionService) -> None:
        self.bot = bot
        self.service = service
        self.patience = service.grace

    async def deliver(self, delivery: Delivery) -> Outcome:
        post = await self.service.post_of(delivery)
        if post is None:
            return Abandon("that day's question is no longer in the content")
        asked = post.asked
        problem = channel_problem(self.bot, asked.guild_id, asked.channel_id)
        if problem is not None:
            await self.service.turn_off(asked.guild_id, problem)
            return Abandon(problem)
        prefix = f"daily:{asked.guild_id}:{asked.local_date:%Y%m%d}:"

        async def refused(reason: str) -> None:
            await self.service.turn_off(asked.guild_id, reason)

        return await post_once(
            self.bot,
            delivery,
            channel_id=asked.channel_id,
            nonce=post.nonce,
            message=lambda: {
                "embed": question_embed(
                    asked, post.question, late=post.late, offline=post.offline, closes_at=post.closes_at
                ),
                "view": answer_view(asked),
            },
            is_ours=lambda message: any(c.startswith(prefix) for c in custom_ids(message)),
            nonce_window=self.bot.services.outbox.nonce_window,
            complete=lambda message_id: self.service.posted(post, message_id),
            refused=refused,
            what="question of the day",
        )


class DailyRevealEditor:
    """The outbox's executor for a closed question: edit it in place into its answer and votes."""

    kind = Kind.DAILY_REVEAL
    patience = dt.timedelta(days=1)

    def __init__(self, bot: HeartstopperBot, service: DailyQuestionService) -> None:
        self.bot = bot
        self.service = service

    async def deliver(self, delivery: Delivery) -> Outcome:
        plan = await self.service.reveal_of(delivery)
        message_id = None if plan is None else plan.reveal.question.message_id
        if plan is None or message_id is None:
            return Abandon("the question was never posted, so there is nothing to reveal")
        asked = plan.reveal.question
        return await edit_once(
            self.bot,
            delivery,
            channel_id=asked.channel_id,
            message_id=message_id,
            message=lambda: {"embed": reveal_embed(plan.reveal, plan.question), "view": closed_view(asked)},
            shows_it=_shows_reveal,
            what="reveal of the question of the day",
        )


def _shows_reveal(message: discord.Message) -> bool:
    """The message already shows the answer: every button is disabled."""
    buttons = [child for row in message.components for child in getattr(row, "children", [])]
    return bool(buttons) and all(getattr(b, "disabled", False) for b in buttons)
