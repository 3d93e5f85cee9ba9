"""The question of the day in Discord: its post, its buttons, its reveal, and their executors in the outbox.

The post and its reveal are in the server's language (``HeartstopperBot.guild_language``), looked up
when each is made; ``/trivia daily`` shows it in the member's own. The question and its options come
from ``LocalizedContent`` (options are stored in English, in button order, and mapped one by one), so
the same day reads in each language with the same buttons. A click's private answer is a ``Text``
that ``reply`` renders in the clicking member's language.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from collections.abc import Sequence
from typing import Any

import discord
from babel.dates import format_date
from discord.utils import escape_markdown, format_dt

from bot.app import HeartstopperBot
from bot.domain.daily import DailyQuestion, DailyReveal
from bot.domain.models import TriviaQuestion, describe_source
from bot.domain.outbox import Abandon, Delivery, Kind, Outcome
from bot.domain.trivia import LETTERS
from bot.errors import UserError
from bot.i18n import DEFAULT, N_, _, best_locale, render
from bot.i18n.locales import GETTEXT_NAMES
from bot.services.content import LocalizedContent
from bot.services.daily import DailyQuestionService, DailyStanding, DailyToday
from bot.ui.delivery import custom_ids, edit_once, post_once
from bot.ui.embeds import LEAF, MINT, PINK, add_field, base_embed, footer
from bot.ui.replies import defer_if_slow, reply
from bot.ui.tree import observed
from cogs.trivia._embeds import DIFFICULTY, button_label, localized_options, mention

log = logging.getLogger(__name__)

# TRANSLATORS: completes a sentence about a failed delivery, e.g. "Discord refused the {what}"
QUESTION_WHAT = _("question of the day")
# TRANSLATORS: completes a sentence about a failed delivery, e.g. "Discord refused the {what}"
REVEAL_WHAT = _("reveal of the question of the day")


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
        letter = LETTERS[option]
        if fresh:
            # TRANSLATORS: {letter} is the chosen answer's letter (A to D)
            text = _("Locked in: **{letter}**. The answer comes when the question closes. 🍂", letter=letter)
        else:
            text = _("You're already locked in for today: **{letter}**. One answer a day!", letter=letter)
        await reply(interaction, text, private=True)


def answer_view(asked: DailyQuestion, options: Sequence[str]) -> discord.ui.View:
    """The answer buttons; ``options`` are ``asked``'s options in the reader's language (``localized_options``)."""
    view = discord.ui.View(timeout=None)
    for index, option in enumerate(options):
        view.add_item(DailyAnswerButton(asked.guild_id, asked.local_date, index, label=button_label(index, option)))
    view.stop()  # routed by the registered DynamicItem
    return view


def closed_view(asked: DailyQuestion, options: Sequence[str]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for index, option in enumerate(options):
        button = DailyAnswerButton(asked.guild_id, asked.local_date, index, label=button_label(index, option))
        button.item.disabled = True
        button.item.style = (
            discord.ButtonStyle.success if index == asked.correct_index else discord.ButtonStyle.secondary
        )
        view.add_item(button)
    view.stop()
    return view


def day_text(day: dt.date, locale: str) -> str:
    """The question's calendar day in ``locale``: CLDR's long date, the English as it always was."""
    if locale == DEFAULT:
        return f"{day:%d %B %Y}"
    return format_date(day, "long", locale=GETTEXT_NAMES[best_locale(locale)])


def _options(options: Sequence[str]) -> str:
    return "\n".join(f"**{LETTERS[i]}** · {escape_markdown(o)}" for i, o in enumerate(options))


def question_embed(
    asked: DailyQuestion,
    question: TriviaQuestion,
    content: LocalizedContent,
    *,
    locale: str,
    late: bool = False,
    offline: bool = False,
    closes_at: dt.datetime | None = None,
) -> discord.Embed:
    """The question as posted (or shown by /trivia daily), in ``locale``, its content from ``content``."""
    shown = content.question(question, locale)
    options = localized_options(content, question, asked.options, locale)
    embed = base_embed(
        _("🍂 Question of the day · {date}", date=day_text(asked.local_date, locale)),
        f"**{escape_markdown(shown.prompt)}**\n\n{_options(options)}",
        colour=PINK,
        locale=locale,
    )
    add_field(embed, _("Difficulty"), DIFFICULTY[question.difficulty], inline=True, locale=locale)
    closes_at = closes_at or asked.closes_at
    if closes_at is not None:
        closes = _("{when}, then the answer is revealed", when=format_dt(closes_at, "R"))
        # TRANSLATORS: a heading; below it, when the question closes
        add_field(embed, _("Closes"), closes, inline=True, locale=locale)
    how = _("One answer each, locked in privately. Right answers build your streak.")
    add_field(embed, _("How it works"), how, locale=locale)
    if closes_at is not None:
        when = _("The answer comes when it closes")
    else:
        when = _("The answer comes with tomorrow's question")
    if offline:
        said = _("{answer_comes} (late: I was offline at the scheduled time) · /trivia daily", answer_comes=when)
    elif late:
        said = _("{answer_comes} (late) · /trivia daily", answer_comes=when)
    else:
        said = _("{answer_comes} · /trivia daily", answer_comes=when)
    return footer(embed, said, locale=locale)


def reveal_embed(
    reveal: DailyReveal, question: TriviaQuestion | None, content: LocalizedContent, *, locale: str
) -> discord.Embed:
    """The closed question in ``locale``: its answer and how many picked each option."""
    asked = reveal.question
    english = asked.options
    options = localized_options(content, question, english, locale) if question else english
    lines = [
        f"{'✅' if i == asked.correct_index else '▫️'} **{LETTERS[i]}** · {escape_markdown(o)} — "
        + render(N_("{n} vote", "{n} votes", n=reveal.counts[i]), locale)
        for i, o in enumerate(options)
    ]
    shown = content.question(question, locale) if question else None
    prompt = f"**{escape_markdown(shown.prompt)}**\n\n" if shown else ""
    embed = base_embed(
        _("🍂 Question of the day · {date} · closed", date=day_text(asked.local_date, locale)),
        prompt + "\n".join(lines),
        colour=MINT,
        locale=locale,
    )
    right = _("{right} of {answered} answered right", right=reveal.right, answered=reveal.answered)
    # TRANSLATORS: a heading: how many answered the question of the day right
    add_field(embed, _("Right"), right, inline=True, locale=locale)
    letter = LETTERS[asked.correct_index]
    if question:
        # TRANSLATORS: {letter} is the right answer's letter (A to D); {source} a URL or an article's title
        answer = _("Answer: {letter} · source: {source}", letter=letter, source=describe_source(question.source))
    else:
        answer = _("Answer: {letter}", letter=letter)
    return footer(embed, answer, locale=locale)


def today_embed(today: DailyToday, content: LocalizedContent, *, locale: str) -> discord.Embed:
    embed = question_embed(today.asked, today.question, content, locale=locale)
    if today.my_answer is not None:
        mine = _("Locked in: **{letter}**", letter=LETTERS[today.my_answer])
        add_field(embed, _("Your answer"), mine, inline=True, locale=locale)
    streak = _("{current} (best {best})", current=today.streak, best=today.best)
    add_field(embed, _("Your daily streak"), streak, inline=True, locale=locale)
    return embed


def board_embed(rows: list[DailyStanding], guild_name: str, *, locale: str) -> discord.Embed:
    if not rows:
        return base_embed(
            _("🔥 Daily streaks"),
            _("No streaks yet: answer the question of the day right to start one!"),
            colour=LEAF,
            locale=locale,
        )
    lines = [
        render(
            # TRANSLATORS: {rank} is a place (1, 2, …), {member} a mention, {n} the streak in days
            N_(
                "`{rank}.` {member} — **{n}** day (best {best})",
                "`{rank}.` {member} — **{n}** days (best {best})",
                n=r.current,
                rank=rank,
                member=mention(r.user_id),
                best=r.best,
            ),
            locale,
        )
        for rank, r in enumerate(rows, start=1)
    ]
    embed = base_embed(
        _("🔥 {server} daily streaks", server=escape_markdown(guild_name)), "\n".join(lines), colour=LEAF, locale=locale
    )
    return footer(
        embed, _("A streak stands while you answer each question of the day right · /trivia daily"), locale=locale
    )


class DailyQuestionPoster:
    """The outbox's executor for the question of the day: post the planned question once, in the server's language."""

    kind = Kind.DAILY_QUESTION

    def __init__(self, bot: HeartstopperBot, service: DailyQuestionService, content: LocalizedContent) -> None:
        self.bot = bot
        self.service = service
        self.content = content
        self.patience = service.grace

    async def deliver(self, delivery: Delivery) -> Outcome:
        post = await self.service.post_of(delivery)
        if post is None:
            return Abandon(_("that day's question is no longer in the content"))
        asked = post.asked
        prefix = f"daily:{asked.guild_id}:{asked.local_date:%Y%m%d}:"
        locale = await self.bot.guild_language(asked.guild_id)
        options = localized_options(self.content, post.question, asked.options, locale)
        return await post_once(
            self.bot,
            delivery,
            channel_id=asked.channel_id,
            turn_off=functools.partial(self.service.turn_off, asked.guild_id),
            nonce=post.nonce,
            message=lambda: {
                "embed": question_embed(
                    asked,
                    post.question,
                    self.content,
                    locale=locale,
                    late=post.late,
                    offline=post.offline,
                    closes_at=post.closes_at,
                ),
                "view": answer_view(asked, options),
            },
            is_ours=lambda message: any(c.startswith(prefix) for c in custom_ids(message)),
            nonce_window=self.bot.services.outbox.nonce_window,
            complete=lambda message_id: self.service.posted(post, message_id),
            what=QUESTION_WHAT,
        )


class DailyRevealEditor:
    """The outbox's executor for a closed question: edit it in place into its answer and votes, in the server's
    language as it is at the reveal."""

    kind = Kind.DAILY_REVEAL
    patience = dt.timedelta(days=1)

    def __init__(self, bot: HeartstopperBot, service: DailyQuestionService, content: LocalizedContent) -> None:
        self.bot = bot
        self.service = service
        self.content = content

    async def deliver(self, delivery: Delivery) -> Outcome:
        plan = await self.service.reveal_of(delivery)
        message_id = None if plan is None else plan.reveal.question.message_id
        if plan is None or message_id is None:
            return Abandon(_("the question was never posted, so there is nothing to reveal"))
        asked = plan.reveal.question
        locale = await self.bot.guild_language(asked.guild_id)
        english = asked.options
        options = localized_options(self.content, plan.question, english, locale) if plan.question else english
        return await edit_once(
            self.bot,
            delivery,
            channel_id=asked.channel_id,
            message_id=message_id,
            message=lambda: {
                "embed": reveal_embed(plan.reveal, plan.question, self.content, locale=locale),
                "view": closed_view(asked, options),
            },
            shows_it=_shows_reveal,
            what=REVEAL_WHAT,
        )


def _shows_reveal(message: discord.Message) -> bool:
    """The message already shows the answer: every button is disabled."""
    buttons = [child for row in message.components for child in getattr(row, "children", [])]
    return bool(buttons) and all(getattr(b, "disabled", False) for b in buttons)
