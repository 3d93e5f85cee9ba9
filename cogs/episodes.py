"""/episodes and /episode: every episode, by season, code or title.

Both answers are public, in the server's language (``reader_locale``): the words are messages, and
titles, synopses and what a season adapts come from that language's content (``LocalizedContent``);
an episode keeps its English title unless a source shows Netflix titles it otherwise. What a member
types may be a code (``S2E6``, ``T2E6``, ``2x06``) or a title in any of the fandom's languages; the
suggestions while typing are labelled in the member's own language, since only they see them.
"""

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
from bot.i18n import N_, Text, _
from bot.services.content import LocalizedContent
from bot.services.lookups import LookupService
from bot.ui.embeds import LEAF, add_field, base_embed, footer
from bot.ui.replies import reader_locale, reply, visibility


def _timestamp(day: dt.date, style: str = "D") -> str:
    # Seasons dropped at 08:00 UK time; a date-only timestamp at that instant shows the right day.
    return f"<t:{int(local_instant(day, dt.time(8, 0), 'Europe/London').timestamp())}:{style}>"


def _sources(sources: tuple[str, ...]) -> Text:
    # TRANSLATORS: {sources} lists where the facts come from (web sites)
    return _("Source: {sources}", sources=" · ".join(describe_source(s) for s in sources))


def season_embed(season: Season, horizon: int, locale: str) -> discord.Embed:
    """A season in ``locale`` (``season`` is already that language's, from ``LocalizedContent``)."""
    lines = [f"`{e.number}.` **{spoilers.shown(e.title, e.season, horizon)}**" for e in season.episodes]
    embed = base_embed(
        _("📺 Heartstopper Season {number}", number=season.number), "\n".join(lines), colour=LEAF, locale=locale
    )
    add_field(
        embed,
        _("Released"),
        # TRANSLATORS: {date} is the release date (Discord shows it in the reader's language)
        N_(
            "{date} (all {n} episode at once)",
            "{date} (all {n} episodes at once)",
            n=len(season.episodes),
            date=_timestamp(season.release_date),
        ),
        inline=True,
        locale=locale,
    )
    add_field(embed, _("Director"), season.director, inline=True, locale=locale)
    add_field(embed, _("Writer"), season.writer, inline=True, locale=locale)
    add_field(embed, _("Adapts"), spoilers.shown(season.adapts, season.number, horizon), locale=locale)
    return footer(embed, _sources(season.sources), locale=locale)


def episode_embed(episode: Episode, season: Season | None, horizon: int, locale: str) -> discord.Embed:
    """An episode in ``locale`` (``episode`` and ``season`` are already that language's)."""
    description: Text | str
    if episode.synopsis:
        description = spoilers.shown(episode.synopsis, episode.season, horizon)
    else:
        description = _("*No sourced synopsis for this episode yet.*")
    embed = base_embed(f"{episode.code} · {episode.title}", description, colour=LEAF, locale=locale)
    add_field(
        embed,
        _("Season and episode"),
        _("Season {season}, episode {number}", season=episode.season, number=episode.number),
        inline=True,
        locale=locale,
    )
    add_field(embed, _("Released"), _timestamp(episode.release_date), inline=True, locale=locale)
    add_field(embed, _("Director"), episode.director, inline=True, locale=locale)
    add_field(embed, _("Writer"), episode.writer, inline=True, locale=locale)
    if season is not None:
        adapts = spoilers.shown(season.adapts, season.number, horizon)
        add_field(embed, _("Adapts"), adapts, inline=True, locale=locale)
    return footer(embed, _sources(episode.sources), locale=locale)


def special_embed(special: Special, horizon: int, locale: str) -> discord.Embed:
    """The film in ``locale`` (``special`` is already that language's)."""
    synopsis = spoilers.shown(special.synopsis, special.spoiler_season, horizon) if special.synopsis else None
    embed = base_embed(f"🎬 {special.title}", synopsis, colour=LEAF, locale=locale)
    # TRANSLATORS: a field's name: when the film comes out
    add_field(embed, _("Release"), special.release_note, locale=locale)
    add_field(embed, _("Director"), special.director, inline=True, locale=locale)
    add_field(embed, _("Writer"), special.writer, inline=True, locale=locale)
    add_field(embed, _("Adapts"), special.adapts, inline=True, locale=locale)
    return footer(embed, _sources(special.sources), locale=locale)


class EpisodesCog(commands.Cog):
    def __init__(self, lookups: LookupService, content: LocalizedContent) -> None:
        self.lookups = lookups
        self.content = content

    def _season(self, season: Season, locale: str) -> Season:
        return self.content.catalog(locale).season(season.number) or season

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
        locale = await reader_locale(interaction)
        horizon = await self.lookups.horizon(interaction.guild_id)
        await reply(interaction, embed=season_embed(self._season(chosen, locale), horizon, locale))

    @visibility("public")
    @app_commands.command(name="episode")
    @app_commands.describe(which="S2E6, 2x06, 2 6 or a title like Kiss")
    async def episode(self, interaction: discord.Interaction[HeartstopperBot], which: str) -> None:
        """One episode: title, release date, director, writer and synopsis."""
        # An error is private, in the member's own language: its suggestions are labelled in that language.
        answer = await self.lookups.find_episode(
            which, interaction.guild_id, await reader_locale(interaction, private=True)
        )
        locale = await reader_locale(interaction)
        if answer.episode is not None:
            season = None if answer.season is None else self._season(answer.season, locale)
            embed = episode_embed(self.content.episode(answer.episode, locale), season, answer.horizon, locale)
        elif answer.special is not None:
            embed = special_embed(self.content.special(answer.special, locale), answer.horizon, locale)
        else:
            raise UserError(_("That episode could not be found."))
        await reply(interaction, embed=embed)

    @episode.autocomplete("which")
    async def episode_autocomplete(
        self, interaction: discord.Interaction[HeartstopperBot], current: str
    ) -> list[app_commands.Choice[str]]:
        # Suggestions are seen by the member typing only: in their own Discord language.
        locale = await reader_locale(interaction, private=True)
        choices: list[app_commands.Choice[str]] = []
        for match in self.lookups.episode_suggestions(current, 25, locale):
            item = match.item
            value = item.code if isinstance(item, Episode) else item.title  # found again in any language
            choices.append(app_commands.Choice(name=match.label[:100], value=value[:100]))
        return choices


async def setup(bot: HeartstopperBot) -> None:
    await bot.add_cog(EpisodesCog(bot.services.lookups, bot.services.content))
