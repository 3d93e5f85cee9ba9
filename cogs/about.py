"""/about: what the bot is, and that it is alive.

Public, so in the server's language (``reader_locale``), the commands it suggests included, as that
language's Discord lists them (``/elenco`` in Portuguese). The bot's name and version stay as they are.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import format_dt

from bot.app import HeartstopperBot
from bot.domain.models import Catalog
from bot.i18n import N_, Text, _, render
from bot.ui.embeds import add_field, base_embed, footer
from bot.ui.replies import reader_locale, reply, visibility
from bot.ui.translator import localized_paths

SHOWN = ("cast", "episodes", "episode", "countdown", "trivia start", "event list")  # the ones to try first


def _duration(seconds: float) -> Text:
    minutes = int(seconds) // 60
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        # TRANSLATORS: an uptime in days, hours and minutes, shortened as a clock would ("2d 3h 4m")
        return _("{days}d {hours}h {minutes}m", days=days, hours=hours, minutes=minutes)
    if hours:
        return _("{hours}h {minutes}m", hours=hours, minutes=minutes)
    return _("{minutes}m", minutes=minutes) if minutes else _("just started")


def _content(catalog: Catalog, locale: str) -> str:
    """What the bot knows, each count a plural of its own ("1 trivia question", "120 trivia questions")."""
    counts = catalog.counts()
    parts = (
        N_("{n} cast member", "{n} cast members", n=counts["cast"]),
        N_("{n} episode", "{n} episodes", n=counts["episodes"]),
        N_("{n} release", "{n} releases", n=counts["releases"]),
        N_("{n} trivia question", "{n} trivia questions", n=counts["questions"]),
    )
    return " · ".join(render(part, locale) for part in parts)


def about_embed(bot: HeartstopperBot, catalog: Catalog, locale: str) -> discord.Embed:
    embed = base_embed(
        "💕 heartstopper-bot",
        _(
            "Your Heartstopper fan server's companion: look up the cast and every episode, count down to "
            "the next release, and play trivia with scores your server keeps. Spoiler-aware, ping-free."
        ),
        locale=locale,
    )
    paths = localized_paths(bot.tree, locale)
    add_field(embed, _("Commands"), " ".join(f"`/{paths[c]}`" for c in SHOWN if c in paths), locale=locale)
    add_field(embed, _("Content"), _content(catalog, locale), inline=False, locale=locale)
    add_field(embed, _("Version"), bot.version, inline=True, locale=locale)
    add_field(embed, _("Uptime"), _duration(bot.uptime_seconds), inline=True, locale=locale)
    latency = bot.latency
    add_field(
        embed,
        _("Latency"),
        "—" if latency != latency or latency == float("inf") else f"{latency * 1000:.0f} ms",
        inline=True,
        locale=locale,
    )
    last_pass = bot.scheduler.last_pass_at
    scheduler: Text | str
    if bot.scheduling_refused:
        scheduler = bot.scheduling_refused
    elif bot.scheduler.waiting_for_shards:
        scheduler = _("waiting: another process still holds one of this process's shards")
    elif last_pass:
        # TRANSLATORS: {when} is how long ago, like "2 minutes ago" (Discord shows it in the reader's language)
        scheduler = _("last ran {when}", when=format_dt(last_pass, "R"))
    else:
        scheduler = _("starting up")
    # TRANSLATORS: the part of the bot that posts on its own (the daily countdown, the question of the day)
    add_field(embed, _("Scheduler"), scheduler, inline=True, locale=locale)
    backlog = bot.scheduler.backlog
    if backlog:
        add_field(
            embed,
            _("Posts on its own (last 24 h)"),
            _(
                "{done} done · {waiting} waiting · {retried} being retried · {abandoned} given up",
                done=backlog.get("done", 0),
                waiting=backlog.get("planned", 0),
                retried=backlog.get("attempting", 0),
                abandoned=backlog.get("abandoned", 0),
            ),
            inline=False,
            locale=locale,
        )
    return footer(embed, _("Facts come from sourced data files; nothing is made up."), locale=locale)


class AboutCog(commands.Cog):
    def __init__(self, bot: HeartstopperBot, catalog: Catalog) -> None:
        self.bot = bot  # its version, uptime, latency and scheduler are what /about reports
        self.catalog = catalog

    @visibility("public")
    @app_commands.command(name="about")
    async def about(self, interaction: discord.Interaction[HeartstopperBot]) -> None:
        """What this bot does, its version, uptime and latency."""
        locale = await reader_locale(interaction)
        await reply(interaction, embed=about_embed(self.bot, self.catalog, locale))


async def setup(bot: HeartstopperBot) -> None:
    await bot.add_cog(AboutCog(bot, bot.services.catalog))
