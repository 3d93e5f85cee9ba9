"""/settings: moderators choose channels, schedule, spoilers and trivia options."""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import format_dt

from bot.app import HeartstopperBot
from bot.domain import trivia as trivia_rules
from bot.errors import UserError
from bot.services import Services
from bot.ui.autocomplete import zone_autocomplete
from bot.ui.channels import channel_health
from bot.ui.checks import guild_id_of, moderator_only
from bot.ui.embeds import MINT, add_field, base_embed, footer
from bot.ui.replies import reply, visibility


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class SettingsCog(commands.GroupCog, group_name="settings", group_description="Server settings (moderators)"):
    def __init__(self, bot: HeartstopperBot, services: Services) -> None:
        self.bot = bot
        self.services = services
        super().__init__()

    @visibility("private")
    @app_commands.command(name="show")
    @moderator_only()
    async def show(self, interaction: discord.Interaction[HeartstopperBot]) -> None:
        """Every setting of this server, the next countdown post, and a channel health check."""
        guild_id = guild_id_of(interaction)
        config = await self.services.settings.get(guild_id)
        view = await self.services.countdown.view(guild_id)
        horizon = await self.services.lookups.horizon(guild_id)
        embed = base_embed("⚙️ Server settings", colour=MINT)
        spoiler = f"Season {horizon}" + ("" if config.spoiler_season else " (default: every released season)")
        add_field(embed, "Spoiler horizon", spoiler, inline=True)
        if config.countdown_channel_id:
            health = channel_health(interaction.guild, config.countdown_channel_id).summary
            status = "on" if config.countdown_enabled else "**off**"
            lines = [
                f"Channel: <#{config.countdown_channel_id}> ({status})",
                f"Time: {view.time or '—'} {view.timezone}",
            ]
            if view.next_post_at:
                lines.append(f"Next post: {format_dt(view.next_post_at, 'F')} ({format_dt(view.next_post_at, 'R')})")
            if config.countdown_disabled_reason:
                lines.append(f"Turned off because {config.countdown_disabled_reason}. Set the channel again to resume.")
            lines.append(f"Health: {health}")
            add_field(embed, "Daily countdown", "\n".join(lines))
        else:
            add_field(embed, "Daily countdown", "Not set. Use `/settings countdown-channel`.")
        if config.daily_channel_id:
            daily = [
                f"Channel: <#{config.daily_channel_id}> ({'on' if config.daily_enabled else '**off**'})",
                f"Time: {config.daily_time} {config.daily_timezone}",
                f"Open for: {config.daily_window_hours} h" if config.daily_window_hours else "Open until the next one",
            ]
            if config.daily_enabled and config.daily_next_post_at:
                daily.append(f"Next question: {format_dt(config.daily_next_post_at, 'F')}")
            if config.daily_disabled_reason:
                daily.append(f"Turned off because {config.daily_disabled_reason}.")
            daily.append(f"Health: {channel_health(interaction.guild, config.daily_channel_id).summary}")
            add_field(embed, "Question of the day", "\n".join(daily))
        else:
            add_field(embed, "Question of the day", "Not set. Use `/settings daily-question`.")
        events = ["On" if config.release_events_enabled else "Off (`/settings release-events state:on`)"]
        me = interaction.guild.me if interaction.guild else None
        if me is not None:
            can = me.guild_permissions.create_events
            events.append("Create Events: ✅" if can else "Create Events: ❌ missing (Discord requires it for events)")
        if config.release_events_problem:
            events.append(f"Stopped: {config.release_events_problem}")
        add_field(embed, "Release events", "\n".join(events))
        seconds = config.trivia_seconds or trivia_rules.DEFAULT_SECONDS
        if config.trivia_channel_ids:
            checks = [channel_health(interaction.guild, c).summary for c in config.trivia_channel_ids]
            where = "\n".join(checks)
        else:
            where = "Any channel"
        add_field(embed, "Trivia", f"{seconds} seconds per question\nWhere: {where}")
        footer(embed, "Change a setting with the /settings commands.")
        await reply(interaction, embed=embed)

    @visibility("private")
    @app_commands.command(name="countdown-channel")
    @app_commands.describe(channel="The text channel for the daily countdown post")
    @moderator_only()
    async def countdown_channel(
        self,
        interaction: discord.Interaction[HeartstopperBot],
        channel: discord.TextChannel,
    ) -> None:
        """Choose where the daily countdown is posted."""
        guild_id = guild_id_of(interaction)
        health = channel_health(interaction.guild, channel.id)
        if not health.ok:
            raise UserError(
                f"I can't post there: {health.summary}. Fix the channel's permissions, or pick another channel."
            )
        view = await self.services.countdown.set_channel(guild_id, channel.id)
        when = format_dt(view.next_post_at, "F") if view.next_post_at else "—"
        await reply(
            interaction,
            f"Daily countdown goes to <#{channel.id}> at {view.time} {view.timezone}. First post: {when}. "
            "Change the time with `/settings countdown-time`.",
        )
        self.bot.scheduler.wake()

    @visibility("private")
    @app_commands.command(name="countdown-time")
    @app_commands.autocomplete(timezone=zone_autocomplete)
    @app_commands.describe(time="24-hour HH:MM, like 18:30", timezone="IANA time zone, like Europe/London")
    @moderator_only()
    async def countdown_time(
        self,
        interaction: discord.Interaction[HeartstopperBot],
        time: app_commands.Range[str, 1, 20],
        timezone: app_commands.Range[str, 1, 64],
    ) -> None:
        """Choose when the daily countdown is posted, in your time zone (DST handled)."""
        guild_id = guild_id_of(interaction)
        view = await self.services.countdown.set_time(guild_id, time, timezone)
        if view.next_post_at:
            tail = f"Next post: {format_dt(view.next_post_at, 'F')}."
        else:
            tail = "Now pick a channel with `/settings countdown-channel`."
        await reply(interaction, f"Daily countdown time: {view.time} {view.timezone}. {tail}")
        self.bot.scheduler.wake()

    @visibility("private")
    @app_commands.command(name="countdown-off")
    @moderator_only()
    async def countdown_off(self, interaction: discord.Interaction[HeartstopperBot]) -> None:
        """Stop the daily countdown post."""
        guild_id = guild_id_of(interaction)
        await self.services.countdown.turn_off(guild_id, "a moderator turned it off")
        await reply(interaction, "Daily countdown is off. `/settings countdown-channel` turns it back on.")
        self.bot.scheduler.wake()

    @visibility("private")
    @app_commands.command(name="daily-question")
    @app_commands.autocomplete(timezone=zone_autocomplete)
    @app_commands.describe(
        channel="The text channel for the question of the day",
        time="24-hour HH:MM, like 18:30 (default: the countdown's time, else 18:00)",
        timezone="IANA time zone, like Europe/London (default: the countdown's zone, else UTC)",
        hours="Hours each question stays open, 1 to 23 (default: until the next question)",
    )
    @moderator_only()
    async def daily_question(
        self,
        interaction: discord.Interaction[HeartstopperBot],
        channel: discord.TextChannel,
        time: app_commands.Range[str, 1, 20] | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        hours: app_commands.Range[int, 1, 23] | None = None,
    ) -> None:
        """Post a trivia question every day; members answer privately and build streaks."""
        guild_id = guild_id_of(interaction)
        health = channel_health(interaction.guild, channel.id)
        if not health.ok:
            raise UserError(
                f"I can't post there: {health.summary}. Fix the channel's permissions, or pick another channel."
            )
        config = await self.services.daily.set_schedule(guild_id, channel.id, time, timezone, hours)
        first = format_dt(config.daily_next_post_at, "F") if config.daily_next_post_at else "—"
        reveal = (
            f"Each one closes after {hours} hour{'s' if hours != 1 else ''} and is revealed then."
            if hours
            else "Each one is revealed with the next day's."
        )
        await reply(
            interaction,
            f"Question of the day goes to <#{channel.id}> at {config.daily_time} {config.daily_timezone}. "
            f"First question: {first}. {reveal}",
        )
        self.bot.scheduler.wake()

    @visibility("private")
    @app_commands.command(name="daily-question-off")
    @moderator_only()
    async def daily_question_off(self, interaction: discord.Interaction[HeartstopperBot]) -> None:
        """Stop the question of the day (streaks and answers are kept)."""
        await self.services.daily.turn_off(guild_id_of(interaction), "a moderator turned it off")
        await reply(interaction, "Question of the day is off. `/settings daily-question` turns it back on.")
        self.bot.scheduler.wake()

    @visibility("private")
    @app_commands.command(name="release-events")
    @app_commands.describe(state="on: releases and server events appear in this server's event list; off: remove them")
    @moderator_only()
    async def release_events(
        self, interaction: discord.Interaction[HeartstopperBot], state: Literal["on", "off"]
    ) -> None:
        """Show releases and server events in this server's event list (Discord scheduled events)."""
        guild_id = guild_id_of(interaction)
        await self.services.release_events.set_enabled(guild_id, state == "on")
        if state == "on":
            text = (
                "Releases and server events will appear in this server's event list. "
                "I need the **Create Events** permission for that; `/settings show` says if anything is missing."
            )
        else:
            text = "Release events are off; I'm removing the events I made."
        await reply(interaction, text)
        self.bot.dispatch("release_events_changed", guild_id)

    @visibility("private")
    @app_commands.command(name="spoilers")
    @app_commands.describe(season="The newest season this server has watched")
    @moderator_only()
    async def spoilers(
        self, interaction: discord.Interaction[HeartstopperBot], season: app_commands.Range[int, 1, 99]
    ) -> None:
        """Set how far into the story this server may be spoiled."""
        guild_id = guild_id_of(interaction)
        chosen = await self.services.settings.set_spoiler_season(guild_id, season)
        await reply(
            interaction,
            f"Spoiler horizon: Season {chosen}. Later details are ||hidden|| in lookups and left out of trivia.",
        )

    @visibility("private")
    @app_commands.command(name="trivia-seconds")
    @app_commands.describe(seconds=f"Seconds per question, {trivia_rules.MIN_SECONDS} to {trivia_rules.MAX_SECONDS}")
    @moderator_only()
    async def trivia_seconds(
        self,
        interaction: discord.Interaction[HeartstopperBot],
        seconds: app_commands.Range[int, trivia_rules.MIN_SECONDS, trivia_rules.MAX_SECONDS],
    ) -> None:
        """How long each trivia question stays open."""
        chosen = await self.services.settings.set_trivia_seconds(guild_id_of(interaction), seconds)
        await reply(interaction, f"Trivia questions now stay open for {chosen} seconds.")

    @visibility("private")
    @app_commands.command(name="trivia-channels")
    @app_commands.describe(
        action="Allow or disallow a channel, or let trivia run anywhere",
        channel="The channel to allow or disallow",
    )
    @moderator_only()
    async def trivia_channels(
        self,
        interaction: discord.Interaction[HeartstopperBot],
        action: Literal["allow", "disallow", "anywhere"],
        channel: discord.TextChannel | None = None,
    ) -> None:
        """Choose the channels where trivia may run (default: anywhere)."""
        guild_id = guild_id_of(interaction)
        if action == "anywhere":
            await self.services.settings.allow_trivia_anywhere(guild_id)
            await reply(interaction, "Trivia may now run in any channel.")
            return
        if channel is None:
            raise UserError(f"Pick the channel to {action} with the `channel` option.")
        allowed = await self.services.settings.allow_trivia_channel(guild_id, channel.id, action == "allow")
        where = ", ".join(f"<#{c}>" for c in allowed) or "any channel"
        await reply(interaction, f"Trivia may run in: {where}.")


async def setup(bot: HeartstopperBot) -> None:
    await bot.add_cog(SettingsCog(bot, bot.services))
