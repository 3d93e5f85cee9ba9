"""/episodes and /episode: every episode, by season, code or title."""

from __future__ import annotations

import datetime as dt

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import HeartstopperBot
from bot.domain import spoilers
from bot.domain.countdown import local_instant
from bot.domain.models import Episode, Season, Special, describe_source
from bot.errors import UserError
from bot.services.lookups import LookupService
from bot.ui.embeds import LEAF, add_field, base_embed, footer
from bot.ui.replies import reply, visibility


def _timestamp(day: dt.date, style: str = "D") -> str:
    # Seasons dropped at 08:00 UK time; a date-only timestamp at that instant shows the right day.
    return f"<t:{int(local_instant(day, dt.time(8, 0), 'Europe/London').timestamp())}:{style}>"


def season_embed(season: Season, horizon: int) -> discord.Embed:
    lines = [f"`{e.number}.` **{spoilers.shown(e.title, e.season, horizon)}**" for e in season.episodes]
    embed = base_embed(f"📺 Heartstopper Season {season.number}", "\n".join(lines), colour=LEAF)
    add_field(
        embed,
        "Released",
        f"{_timestamp(season.release_date)} (all {len(season.episodes)} episodes at once)",
        inline=True,
    )
    add_field(embed, "Director", season.director, inline=True)
    add_field(embed, "Writer", season.writer, inline=True)
    add_field(embed, "Adapts", spoilers.shown(season.adapts, season.number, horizon))
    return footer(embed, "Source: " + " · ".join(describe_source(s) for s in season.sources))


def episode_embed(episode: Episode, season: Season | None, horizon: int) -> discord.Embed:
    embed = base_embed(f"{episode.code} · {episode.title}", colour=LEAF)
    if episode.synopsis:
        embed.description = spoilers.shown(episode.synopsis, episode.season, horizon)
    else:
        embed.description = "*No sourced synopsis for this episode yet.*"
    add_field(embed, "Season and episode", f"Season {episode.season}, episode {episode.number}", inline=True)
    add_field(embed, "Released", _timestamp(episode.release_date), inline=True)
    add_field(embed, "Director", episode.director, inline=True)
    add_field(embed, "Writer", episode.writer, inline=True)
    if season is not None:
        add_field(embed, "Adapts", spoilers.shown(season.adapts, season.number, horizon), inline=True)
    return footer(embed, "Source: " + " · ".join(describe_source(s) for s in episode.sources))


def special_embed(special: Special, horizon: int) -> discord.Embed:
    embed = base_embed(f"🎬 {special.title}", colour=LEAF)
    embed.description = spoilers.shown(special.synopsis, special.spoiler_season, horizon) if special.synopsis else None
    add_field(embed, "Release", special.release_note)
    add_field(embed, "Director", special.director, inline=True)
    add_field(embed, "Writer", special.writer, inline=True)
    add_field(embed, "Adapts", special.adapts, inline=True)
    return footer(embed, "Source: " + " · ".join(describe_source(s) for s in special.sources))


class EpisodesCog(commands.Cog):
    def __init__(self, lookups: LookupService) -> None:
        self.lookups = lookups

    @visibility("public")
    @app_commands.command(name="episodes")
    @app_commands.describe(season="Season number; default: the latest released season")
    async def episodes(
        self,
        interaction: discord.Interaction[HeartstopperBot],
        season: app_commands.Range[int, 1, 99] | None = None,
    ) -> None:
        """A season's episodes in order, with their release date."""
        chosen = self.lookups.season(season)
        horizon = await self.lookups.horizon(interaction.guild_id)
        await reply(interaction, embed=season_embed(chosen, horizon))

    @visibility("public")
    @app_commands.command(name="episode")
    @app_commands.describe(which="S2E6, 2x06, 2 6 or a title like Kiss")
    async def episode(self, interaction: discord.Interaction[HeartstopperBot], which: str) -> None:
        """One episode: title, release date, director, writer and synopsis."""
        answer = await self.lookups.find_episode(which, interaction.guild_id)
        if answer.episode is not None:
            embed = episode_embed(answer.episode, answer.season, answer.horizon)
        elif answer.special is not None:
            embed = special_embed(answer.special, answer.horizon)
        else:
            raise UserError("That episode could not be found.")
        await reply(interaction, embed=embed)

    @episode.autocomplete("which")
    async def episode_autocomplete(
        self, interaction: discord.Interaction[HeartstopperBot], current: str
    ) -> list[app_commands.Choice[str]]:
        choices: list[app_commands.Choice[str]] = []
        for match in self.lookups.episode_suggestions(current, 25):
            item = match.item
            value = item.code if isinstance(item, Episode) else item.title
            choices.append(app_commands.Choice(name=match.label[:100], value=value[:100]))
        return choices


async def setup(bot: HeartstopperBot) -> None:
    await bot.add_cog(EpisodesCog(bot.services.lookups))
