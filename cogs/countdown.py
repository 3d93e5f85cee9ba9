"""/countdown, and the scheduler that posts each server's daily countdown."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import format_dt

from bot.app import HeartstopperBot
from bot.domain.countdown import Target
from bot.domain.models import describe_source
from bot.services.countdown import CountdownAnswer, CountdownService, PostPlan
from bot.ui.channels import off_if_unusable
from bot.ui.embeds import LEAF, PINK, add_field, base_embed, footer
from bot.ui.replies import reply, visibility
from bot.ui.rest import within
from bot.ui.scheduler import Job

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
            f"Out since {_when(target)}: {answer.since.describe()} ago.",
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
    late = " (late: I was offline at the scheduled time)" if plan.late else ""
    return footer(embed, f"Daily countdown{late} · /countdown for details")


@dataclass(frozen=True, slots=True)
class CountdownPost:
    guild_id: int
    plan: PostPlan
    send: Callable[[PostPlan], Awaitable[bool]]

    async def run(self) -> bool:
        return await self.send(self.plan)


class CountdownCog(commands.Cog):
    name = "countdown"

    def __init__(self, bot: HeartstopperBot, service: CountdownService) -> None:
        self.bot = bot
        self.service = service

    async def cog_load(self) -> None:
        self.bot.scheduler.add(self)

    async def cog_unload(self) -> None:
        self.bot.scheduler.remove(self.name)

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

    # --- the daily post, as a source for the bot's one scheduler ---------------------------
    async def due(self) -> AsyncIterator[Job]:
        async for plan in self.service.due_plans():
            yield CountdownPost(plan.guild_id, plan, self._send)

    async def next_due_at(self) -> dt.datetime | None:
        return await self.service.next_due_at()

    async def _send(self, plan: PostPlan) -> bool:
        if await off_if_unusable(self.bot, plan.guild_id, plan.channel_id, self.service.turn_off, "countdown"):
            return True
        channel = self.bot.get_partial_messageable(plan.channel_id, guild_id=plan.guild_id)
        try:
            message = await within(
                channel.send(embed=post_embed(plan), nonce=plan.nonce, allowed_mentions=discord.AllowedMentions.none())
            )
        except discord.NotFound:
            await self.service.turn_off(plan.guild_id, "the countdown channel no longer exists (Discord said 404)")
            return True
        except discord.Forbidden:
            await self.service.turn_off(
                plan.guild_id,
                f"Discord refused my post in <#{plan.channel_id}> (403): "
                "check that I can view, send and embed links there",
            )
            return True
        except (TimeoutError, discord.HTTPException, OSError) as exc:
            log.warning("countdown post for guild %s failed, will retry: %s", plan.guild_id, exc)
            return False
        await self.service.record_sent(plan, message.id)
        return True


async def setup(bot: HeartstopperBot) -> None:
    await bot.add_cog(CountdownCog(bot, bot.services.countdown))
