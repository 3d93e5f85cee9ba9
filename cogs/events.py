"""/event: a server's own countdown targets (a watch party, a newly announced date).

Adding and removing are a moderator's private business, answered in their own Discord language; the
list is public, in the server's language. An event's name stays exactly as the moderator typed it.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import format_dt

from bot.app import HeartstopperBot
from bot.domain import lookup
from bot.i18n import Text, _
from bot.services.countdown import MAX_EVENTS, CountdownService
from bot.ui.autocomplete import zone_autocomplete
from bot.ui.checks import guild_id_of, moderator_only
from bot.ui.embeds import PINK, base_embed, footer
from bot.ui.replies import reader_locale, reply, visibility


@app_commands.guild_only()
class EventsCog(commands.GroupCog, group_name="event", group_description="Your server's own countdown events"):
    def __init__(self, bot: HeartstopperBot, service: CountdownService) -> None:
        self.bot = bot
        self.service = service
        super().__init__()

    @visibility("private")
    @app_commands.command(name="add")
    @app_commands.autocomplete(timezone=zone_autocomplete)
    @app_commands.describe(
        name="What the event is called (up to 100 characters)",
        date="The day, as YYYY-MM-DD",
        time="Optional time of day, 24-hour HH:MM",
        timezone="IANA time zone; default: the server's countdown zone, else UTC",
    )
    @moderator_only()
    async def add(
        self,
        interaction: discord.Interaction[HeartstopperBot],
        name: app_commands.Range[str, 1, 200],
        date: app_commands.Range[str, 1, 40],
        time: app_commands.Range[str, 1, 20] | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
    ) -> None:
        """Add a server event that /countdown and the daily post count down to (moderators)."""
        event = await self.service.add_event(
            guild_id_of(interaction), interaction.user.id, name=name, date=date, time=time, timezone=timezone
        )
        when = format_dt(event.starts_at, "F" if event.has_time else "D")
        await reply(
            interaction,
            # TRANSLATORS: {name} is the event's name; {when} its date and {relative} how far off it is ("in 3 days")
            _(
                "Added **{name}**: {when} ({relative}).",
                name=discord.utils.escape_markdown(event.name),
                when=when,
                relative=format_dt(event.starts_at, "R"),
            ),
        )
        self.bot.scheduler.wake()
        self.bot.dispatch("release_events_changed", event.guild_id)

    @visibility("private")
    @app_commands.command(name="remove")
    @app_commands.describe(name="The event to remove")
    @moderator_only()
    async def remove(
        self, interaction: discord.Interaction[HeartstopperBot], name: app_commands.Range[str, 1, 200]
    ) -> None:
        """Remove a server event (moderators)."""
        guild_id = guild_id_of(interaction)
        await self.service.remove_event(guild_id, name)
        await reply(interaction, _("Removed **{name}**.", name=discord.utils.escape_markdown(" ".join(name.split()))))
        self.bot.dispatch("release_events_changed", guild_id)

    @remove.autocomplete("name")
    async def remove_name(
        self, interaction: discord.Interaction[HeartstopperBot], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        events = await self.service.list_events(interaction.guild_id)
        needle = lookup.normalize(current)  # "soiree" finds "Soirée": case and accents folded
        return [
            app_commands.Choice(name=e.name[:100], value=e.name[:100])
            for e in events
            if needle in lookup.normalize(e.name)
        ][:25]

    @visibility("public")
    @app_commands.command(name="list")
    async def list_events(self, interaction: discord.Interaction[HeartstopperBot]) -> None:
        """This server's events, soonest first."""
        locale = await reader_locale(interaction)
        events = await self.service.list_events(guild_id_of(interaction))
        lines: Text | str
        if not events:
            lines = _("No events yet. A moderator can add one with `/event add`.")
        else:
            lines = "\n".join(
                f"**{discord.utils.escape_markdown(e.name)}**: {format_dt(e.starts_at, 'F' if e.has_time else 'D')} "
                f"({format_dt(e.starts_at, 'R')})"
                for e in events
            )
        embed = base_embed(_("📅 Server events"), lines, colour=PINK, locale=locale)
        # TRANSLATORS: how many events the server has of the most it may have, like "3/25 events"
        embed = footer(embed, _("{count}/{most} events", count=len(events), most=MAX_EVENTS), locale=locale)
        await reply(interaction, embed=embed)


async def setup(bot: HeartstopperBot) -> None:
    await bot.add_cog(EventsCog(bot, bot.services.countdown))
