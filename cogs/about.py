"""/about: what the bot is, and that it is alive."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import format_dt

from bot.app import HeartstopperBot
from bot.ui.embeds import add_field, base_embed, footer
from bot.ui.replies import reply, visibility


def _duration(seconds: float) -> str:
    minutes, _ = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d {hours}h {minutes}m"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m" if minutes else "just started"


def about_embed(bot: HeartstopperBot) -> discord.Embed:
    counts = bot.services.catalog.counts()
    embed = base_embed(
        "💕 heartstopper-bot",
        "Your Heartstopper fan server's companion: look up the cast and every episode, count down to "
        "the next release, and play trivia with scores your server keeps. Spoiler-aware, ping-free.",
    )
    add_field(embed, "Commands", "`/cast` `/episodes` `/episode` `/countdown` `/trivia start` `/event list`")
    add_field(
        embed,
        "Content",
        f"{counts['cast']} cast members · {counts['episodes']} episodes · "
        f"{counts['releases']} releases · {counts['questions']} trivia questions",
        inline=False,
    )
    add_field(embed, "Version", bot.version, inline=True)
    add_field(embed, "Uptime", _duration(bot.uptime_seconds), inline=True)
    latency = bot.latency
    add_field(
        embed,
        "Latency",
        "—" if latency != latency or latency == float("inf") else f"{latency * 1000:.0f} ms",
        inline=True,
    )
    last_pass = bot.scheduler.last_pass_at
    if bot.scheduling_refused:
        scheduler = bot.scheduling_refused
    elif bot.scheduler.waiting_for_shards:
        scheduler = "waiting: another process still holds one of this process's shards"
    else:
        scheduler = f"last ran {format_dt(last_pass, 'R')}" if last_pass else "starting up"
    add_field(embed, "Scheduler", scheduler, inline=True)
    backlog = bot.scheduler.backlog
    if backlog:
        add_field(
            embed,
            "Posts on its own (last 24 h)",
            f"{backlog.get('done', 0)} done · {backlog.get('planned', 0)} waiting · "
            f"{backlog.get('attempting', 0)} being retried · {backlog.get('abandoned', 0)} given up",
            inline=False,
        )
    return footer(embed, "Facts come from sourced data files; nothing is made up.")


class AboutCog(commands.Cog):
    def __init__(self, bot: HeartstopperBot) -> None:
        self.bot = bot

    @visibility("public")
    @app_commands.command(name="about")
    async def about(self, interaction: discord.Interaction[HeartstopperBot]) -> None:
        """What this bot does, its version, uptime and latency."""
        await reply(interaction, embed=about_embed(self.bot))


async def setup(bot: HeartstopperBot) -> None:
    await bot.add_cog(AboutCog(bot))
