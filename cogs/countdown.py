"""/countdown, and the daily countdown post: its planner (the service) and its executor in the outbox."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import format_dt

from bot.app import HeartstopperBot
from bot.domain.countdown import Target
from bot.domain.models import describe_source
from bot.domain.outbox import Abandon, Delivery, Kind, Outcome
from bot.services.countdown import CountdownAnswer, CountdownService, PostPlan
from bot.ui.channels import channel_problem
from bot.ui.delivery import custom_ids, embed_at, post_once
from bot.ui.embeds import LEAF, PINK, add_field, base_embed, footer
from bot.ui.replies import reply, visibility

log = logging.getLogger(__name__)


def _when(target: Target) -> str:
    if target.instant is None:
        return "no date yet"
    if target.has_time:
        return f"{format_dt(target.instant, 'F')} ({format_dt(target.instant, 'R')})"
    return f"{format_dt(target.instant, 'D')} ({format_dt(target.instant, 'R')})"


def countdown_embed(answer: CountdownAnswer) -> discord.Embed:
    target = answer.target
    if target is None:
        return base_embed("⏳ Countdown", "Nothing to count down to yet.", colour=PINK)
    if answer.left is not None:
        embed = base_embed(f"⏳ {target.name}", f"**{answer.left.describe()}** to go!\n{_when(target)}", colour=PINK)
    elif answer.since is not None:
        embed = base_embed(
            f"💖 {target.name} is out",
            f"Out since {_when(target)}.",
            colour=LEAF,
        )
        if answer.undated:
            add_field(embed, "Next up", "\n".join(f"**{t.name}**: no date yet. {t.note}" for t in answer.undated))
    else:
        embed = base_embed(f"⏳ {target.name}", f"**No date yet.** {target.note}", colour=PINK)
    if answer.left is not None and answer.undated:
        add_field(embed, "Also coming", "\n".join(f"**{t.name}**: no date yet" for t in answer.undated))
    if answer.following:
        add_field(embed, "After that", "\n".join(f"**{t.name}**: {_when(t)}" for t in answer.following))
    if not target.is_event and target.note and answer.left is not None:
        add_field(embed, "Good to know", target.note)
    if target.sources:
        add_field(embed, "Source", "\n".join(describe_source(s) for s in target.sources))
    return footer(embed, "Server event" if target.is_event else "Times show in your own time zone")


def post_embed(plan: PostPlan) -> discord.Embed:
    target = plan.target
    if target is None:
        lines = [f"**{t.name}**: {t.note}" for t in plan.undated] or ["Nothing is announced yet."]
        embed = base_embed("🍂 No date yet", "\n".join(lines), colour=LEAF)
    else:
        embed = base_embed(f"⏳ {plan.headline}", _when(target), colour=PINK)
        if plan.days:
            add_field(embed, "Days to go", str(plan.days), inline=True)
        if plan.undated:
            add_field(embed, "Also coming", "\n".join(f"**{t.name}**: no date yet" for t in plan.undated))
    # The scheduled time as the embed's timestamp: members see when it was due, and the bot can
    # recognise its own post for this day in the channel's history (never posting it twice).
    embed.timestamp = plan.due_at
    return footer(embed, f"Daily countdown{late_note(plan.late, plan.offline)} · /countdown for details")


def late_note(late: bool, offline: bool) -> str:
    """Say "offline" only when the bot really was not running at the scheduled time."""
    if offline:
        return " (late: I was offline at the scheduled time)"
    return " (late)" if late else ""


class CountdownPoster:
    """The outbox's executor for countdown posts: render the planned post and send it once."""

    kind = Kind.COUNTDOWN

    def __init__(self, bot: HeartstopperBot, service: CountdownService) -> None:
        self.bot = bot
        self.service = service
        self.patience = service.grace

    async def deliver(self, delivery: Delivery) -> Outcome:
        plan = self.service.post_plan(delivery)
        problem = channel_problem(self.bot, plan.guild_id, plan.channel_id)
        if problem is not None:  # the cache already knows: turn the schedule off without spending a request
            await self.service.turn_off(plan.guild_id, problem)
            return Abandon(problem)

        def is_ours(message: discord.Message) -> bool:
            return embed_at(message, plan.due_at) and not any(c.startswith("daily:") for c in custom_ids(message))

        async def refused(reason: str) -> None:
            await self.service.turn_off(plan.guild_id, reason)

        return await post_once(
            self.bot,
            delivery,
            channel_id=plan.channel_id,
            nonce=plan.nonce,
            message=lambda: {"embed": post_embed(plan)},
            is_ours=is_ours,
            nonce_window=self.bot.services.outbox.nonce_window,
            complete=lambda _message_id: self.service.completion(plan),
            refused=refused,
            what="countdown post",
        )


class CountdownCog(commands.Cog):
    name = "countdown"

    def __init__(self, bot: HeartstopperBot, service: CountdownService) -> None:
        self.bot = bot
        self.service = service
        self.poster = CountdownPoster(bot, service)

    async def cog_load(self) -> None:
        self.bot.scheduler.outbox.register(self.poster)
        self.bot.scheduler.add(self.service)

    async def cog_unload(self) -> None:
        self.bot.scheduler.remove(self.service.name)
        self.bot.scheduler.outbox.unregister(Kind.COUNTDOWN)

    # --- the command -----------------------------------------------------------------------
    @visibility("public")
    @app_commands.command(name="countdown")
    @app_commands.describe(release="A release or server event; default: the next one")
    async def countdown(self, interaction: discord.Interaction[HeartstopperBot], release: str | None = None) -> None:
        """How long until the next Heartstopper release (or the one you name)."""
        answer = await self.service.countdown(interaction.guild_id, release)
        await reply(interaction, embed=countdown_embed(answer))

    @countdown.autocomplete("release")
    async def release_autocomplete(
        self, interaction: discord.Interaction[HeartstopperBot], current: str
    ) -> list[app_commands.Choice[str]]:
        matches = await self.service.release_suggestions(interaction.guild_id, current)
        return [app_commands.Choice(name=m.label[:100], value=m.label[:100]) for m in matches]


async def setup(bot: HeartstopperBot) -> None:
    await bot.add_cog(CountdownCog(bot, bot.services.countdown))
