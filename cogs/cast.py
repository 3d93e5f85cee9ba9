"""/cast: who plays whom.

In the reader's language: the words are marked with ``_`` and rendered by the embed helpers for
``locale`` (``reader_locale``: a public answer in the server's language), and the cast member is
looked up in that language's content (``LocalizedContent``); names stay as Netflix gives them.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import HeartstopperBot
from bot.domain import spoilers
from bot.domain.models import CastGroup, CastMember, describe_source
from bot.i18n import _, render
from bot.services.content import LocalizedContent
from bot.services.lookups import LookupService
from bot.ui.embeds import FIELD_VALUE_LIMIT, SKY, add_field, base_embed, footer
from bot.ui.paginator import send_pages
from bot.ui.replies import reader_locale, reply, visibility

PAGE_BUDGET = 5000


def _seasons(member: CastMember, horizon: int, locale: str) -> str:
    parts = [render(_("Season {number}", number=s), locale) for s in member.seasons]
    shown = [p if s <= horizon else spoilers.tag(p) for s, p in zip(member.seasons, parts, strict=True)]
    if member.film:
        shown.append("Heartstopper Forever")
    return ", ".join(shown) or "—"


def cast_card(member: CastMember, horizon: int, locale: str) -> discord.Embed:
    hidden = spoilers.is_spoiler(member.first_season, horizon)
    character = spoilers.shown(member.character, member.first_season, horizon)
    actor = member.actor or render(_("Actor not confirmed"), locale)
    if hidden:
        title = member.actor or render(_("Someone from a later season"), locale)
    else:
        title = f"{member.character} · {member.actor}" if member.actor else member.character
    embed = base_embed(title, spoilers.shown(member.description, member.detail_season, horizon), locale=locale)
    add_field(embed, _("Character"), character, inline=True, locale=locale)
    add_field(
        embed,
        _("Played by"),
        actor + (f"\n*{member.actor_note}*" if member.actor_note else ""),
        inline=True,
        locale=locale,
    )
    add_field(
        embed,
        _("School or relation"),
        spoilers.shown(member.school_or_relation, member.detail_season, horizon),
        inline=True,
        locale=locale,
    )
    add_field(embed, _("Seasons"), _seasons(member, horizon, locale), inline=True, locale=locale)
    add_field(embed, _("Group"), member.group.heading, inline=True, locale=locale)
    links = "\n".join(describe_source(s) for s in member.sources)
    add_field(embed, _("Sources"), links, locale=locale)
    # Embed footers do not render markdown (a ``||spoiler||`` there shows its bars as text): say it in words.
    if hidden or member.detail_season > horizon or any(s > horizon for s in member.seasons):
        return footer(
            embed,
            _("Some details are from seasons this server hasn't watched: click the spoiler bars to see them."),
            locale=locale,
        )
    return footer(embed, _("/cast on its own lists the whole cast"), locale=locale)


def cast_pages(cast: tuple[CastMember, ...], horizon: int, locale: str) -> list[discord.Embed]:
    """The whole cast, grouped; split into pages when one embed would not hold it."""
    pages: list[discord.Embed] = []
    embed = base_embed(_("💕 The Heartstopper cast"), colour=SKY, locale=locale)
    unconfirmed = render(_("actor not confirmed"), locale)
    for group in CastGroup:
        lines = [
            f"**{spoilers.shown(m.character, m.first_season, horizon)}** — {m.actor or unconfirmed}"
            for m in cast
            if m.group is group
        ]
        chunks: list[str] = []
        current = ""
        for line in lines:
            if len(current) + len(line) + 1 > FIELD_VALUE_LIMIT:
                chunks.append(current)
                current = ""
            current = f"{current}\n{line}" if current else line
        if current:
            chunks.append(current)
        for index, chunk in enumerate(chunks):
            name = group.heading if index == 0 else _("{group} (continued)", group=group.heading)
            if len(embed) + len(render(name, locale)) + len(chunk) > PAGE_BUDGET or len(embed.fields) >= 25:
                pages.append(embed)
                embed = base_embed(_("💕 The Heartstopper cast (continued)"), colour=SKY, locale=locale)
            add_field(embed, name, chunk, locale=locale)
    pages.append(embed)
    for number, page in enumerate(pages, start=1):
        if len(pages) > 1:
            text = _("Use /cast name: for one card · page {page}/{pages}", page=number, pages=len(pages))
        else:
            text = _("Use /cast name: for one card")
        footer(page, text, locale=locale)
    return pages


class CastCog(commands.Cog):
    def __init__(self, lookups: LookupService, content: LocalizedContent) -> None:
        self.lookups = lookups
        self.content = content

    @visibility("public")
    @app_commands.command(name="cast")
    @app_commands.describe(name="An actor or character, e.g. Nick, Kit Connor or Olivia Colman")
    async def cast(self, interaction: discord.Interaction[HeartstopperBot], name: str | None = None) -> None:
        """Who plays whom: the whole cast, or one person's card."""
        locale = await reader_locale(interaction)
        if name is None:
            horizon = await self.lookups.horizon(interaction.guild_id)
            await send_pages(interaction, cast_pages(self.content.catalog(locale).cast, horizon, locale))
            return
        answer = await self.lookups.find_cast(name, interaction.guild_id)
        member = self.content.cast_member(answer.member, locale)
        await reply(interaction, embed=cast_card(member, answer.horizon, locale))

    @cast.autocomplete("name")
    async def cast_name_autocomplete(
        self, interaction: discord.Interaction[HeartstopperBot], current: str
    ) -> list[app_commands.Choice[str]]:
        horizon = await self.lookups.horizon(interaction.guild_id)
        return [
            app_commands.Choice(name=m.label[:100], value=m.item.character[:100])
            for m in self.lookups.cast_suggestions(current, 25, horizon=horizon)
        ]


async def setup(bot: HeartstopperBot) -> None:
    await bot.add_cog(CastCog(bot.services.lookups, bot.services.content))
