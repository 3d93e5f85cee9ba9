"""/cast: who plays whom."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import HeartstopperBot
from bot.domain import spoilers
from bot.domain.models import CastGroup, CastMember, describe_source
from bot.services.lookups import LookupService
from bot.ui.embeds import FIELD_VALUE_LIMIT, SKY, add_field, base_embed, footer
from bot.ui.paginator import send_pages
from bot.ui.replies import reply, visibility

PAGE_BUDGET = 5000


def _seasons(member: CastMember, horizon: int) -> str:
    parts = [f"Season {s}" if s <= horizon else spoilers.tag(f"Season {s}") for s in member.seasons]
    if member.film:
        parts.append("Heartstopper Forever")
    return ", ".join(parts) or "—"


def cast_card(member: CastMember, horizon: int) -> discord.Embed:
    hidden = spoilers.is_spoiler(member.first_season, horizon)
    character = spoilers.shown(member.character, member.first_season, horizon)
    actor = member.actor or "Actor not confirmed"
    if hidden:
        title = member.actor or "Someone from a later season"
    else:
        title = f"{member.character} · {member.actor}" if member.actor else member.character
    embed = base_embed(title, spoilers.shown(member.description, member.detail_season, horizon))
    add_field(embed, "Character", character, inline=True)
    add_field(
        embed,
        "Played by",
        actor + (f"\n*{member.actor_note}*" if member.actor_note else ""),
        inline=True,
    )
    add_field(
        embed,
        "School or relation",
        spoilers.shown(member.school_or_relation, member.detail_season, horizon),
        inline=True,
    )
    add_field(embed, "Seasons", _seasons(member, horizon), inline=True)
    add_field(embed, "Group", member.group.heading, inline=True)
    links = "\n".join(describe_source(s) for s in member.sources)
    add_field(embed, "Sources", links)
    # Embed footers do not render markdown (a ``||spoiler||`` there shows its bars as text): say it in words.
    if hidden or member.detail_season > horizon or any(s > horizon for s in member.seasons):
        return footer(
            embed, "Some details are from seasons this server hasn't watched: click the spoiler bars to see them."
        )
    return footer(embed, "/cast on its own lists the whole cast")


def cast_pages(cast: tuple[CastMember, ...], horizon: int) -> list[discord.Embed]:
    """The whole cast, grouped; split into pages when one embed would not hold it."""
    pages: list[discord.Embed] = []
    embed = base_embed("💕 The Heartstopper cast", colour=SKY)
    for group in CastGroup:
        lines = [
            f"**{spoilers.shown(m.character, m.first_season, horizon)}** — {m.actor or 'actor not confirmed'}"
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
            name = group.heading if index == 0 else f"{group.heading} (continued)"
            if len(embed) + len(name) + len(chunk) > PAGE_BUDGET or len(embed.fields) >= 25:
                pages.append(embed)
                embed = base_embed("💕 The Heartstopper cast (continued)", colour=SKY)
            add_field(embed, name, chunk)
    pages.append(embed)
    for number, page in enumerate(pages, start=1):
        suffix = f" · page {number}/{len(pages)}" if len(pages) > 1 else ""
        footer(page, f"Use /cast name: for one card{suffix}")
    return pages


class CastCog(commands.Cog):
    def __init__(self, lookups: LookupService) -> None:
        self.lookups = lookups

    @visibility("public")
    @app_commands.command(name="cast")
    @app_commands.describe(name="An actor or character, e.g. Nick, Kit Connor or Olivia Colman")
    async def cast(self, interaction: discord.Interaction[HeartstopperBot], name: str | None = None) -> None:
        """Who plays whom: the whole cast, or one person's card."""
        if name is None:
            horizon = await self.lookups.horizon(interaction.guild_id)
            await send_pages(interaction, cast_pages(self.lookups.catalog.cast, horizon))
            return
        answer = await self.lookups.find_cast(name, interaction.guild_id)
        await reply(interaction, embed=cast_card(answer.member, answer.horizon))

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
    await bot.add_cog(CastCog(bot.services.lookups))
