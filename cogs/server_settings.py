"""/settings: moderators choose channels, schedule, spoilers and trivia options."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import format_dt

from bot.app import HeartstopperBot
from bot.domain import trivia as trivia_rules
from bot.domain.outbox import Kind, OutboxRecord, State
from bot.errors import UserError
from bot.services.countdown import CountdownService
from bot.services.daily import DailyQuestionService
from bot.services.guild_settings import GuildSettingsService
from bot.services.release_events import ReleaseEventService
from bot.services.settings_report import SettingsReport, SettingsReportService
from bot.ui.autocomplete import zone_autocomplete
from bot.ui.channels import channel_health
from bot.ui.checks import guild_id_of, moderator_only
from bot.ui.embeds import MINT, add_field, base_embed, footer
from bot.ui.replies import reply, visibility


def _record_line(record: OutboxRecord | None, what: str) -> str | None:
    """What the bot last did for a feature, from the outbox: done, skipped, being retried, or given up, and why."""
    if record is None:
        return None
    when = format_dt(record.updated_at, "R")
    if record.state is State.DONE:
        if record.outcome == "skipped":
            return f"Last: {record.key} skipped ({record.reason or 'nothing to post'}), {when}"
        found = " (found already posted after a restart)" if record.outcome == "adopted" else ""
        return f"Last: {what} for {record.key} posted {when}{found}"
    if record.state is State.ABANDONED:
        return f"Last: gave up on the {what} for {record.key}: {record.reason}"
    tried = f", attempt {record.attempts}" if record.attempts else ""
    why = f" (last try: {record.reason})" if record.reason else ""
    return f"In progress: {what} for {record.key}{tried}{why}"


def _when(at: dt.datetime) -> str:
    return f"{format_dt(at, 'F')} ({format_dt(at, 'R')})"


def settings_embed(report: SettingsReport, guild: discord.Guild | None) -> discord.Embed:
    """``/settings show``: each feature's settings, what comes next, what the bot last did, and its health."""
    config = report.config
    embed = base_embed("⚙️ Server settings", colour=MINT)
    spoiler = f"Season {report.horizon}" + ("" if config.spoiler_season else " (default: every released season)")
    add_field(embed, "Spoiler horizon", spoiler, inline=True)

    if config.countdown_channel_id:
        status = "on" if config.countdown_enabled else "**off**"
        lines = [
            f"Channel: <#{config.countdown_channel_id}> ({status})",
            f"Time: {config.countdown_time or '—'} {config.countdown_timezone or 'UTC'}",
        ]
        nxt = report.countdown_next
        if nxt is not None:
            if nxt.quiet_from is not None:
                lines.append(
                    f"Quiet on {format_dt(nxt.quiet_from, 'D')}: nothing dated to count down to, so the "
                    '"no date yet" reminder goes out once a week'
                )
            lines.append(f"Next post: {_when(nxt.at)}: {nxt.about}")
        if config.countdown_disabled_reason:
            lines.append(f"Turned off because {config.countdown_disabled_reason}. Set the channel again to resume.")
        lines += [line for line in [_record_line(report.last[Kind.COUNTDOWN], "countdown post")] if line]
        lines.append(f"Health: {channel_health(guild, config.countdown_channel_id).summary}")
        add_field(embed, "Daily countdown", "\n".join(lines))
    else:
        add_field(embed, "Daily countdown", "Not set. Use `/settings countdown-channel`.")

    if config.daily_channel_id:
        daily = [
            f"Channel: <#{config.daily_channel_id}> ({'on' if config.daily_enabled else '**off**'})",
            f"Time: {config.daily_time} {config.daily_timezone}",
            f"Open for: {config.daily_window_hours} h" if config.daily_window_hours else "Open until the next one",
        ]
        if report.daily_next_at:
            daily.append(f"Next question: {_when(report.daily_next_at)}")
        if report.reveal_at:
            daily.append(f"Today's answer is revealed {format_dt(report.reveal_at, 'R')}")
        if config.daily_disabled_reason:
            daily.append(f"Turned off because {config.daily_disabled_reason}.")
        for kind, what in ((Kind.DAILY_QUESTION, "question"), (Kind.DAILY_REVEAL, "reveal")):
            line = _record_line(report.last[kind], what)
            if line:
                daily.append(line)
        daily.append(f"Health: {channel_health(guild, config.daily_channel_id).summary}")
        add_field(embed, "Question of the day", "\n".join(daily))
    else:
        add_field(embed, "Question of the day", "Not set. Use `/settings daily-question`.")

    add_field(embed, "Release events", _events_status(report, guild))
    seconds = config.trivia_seconds or trivia_rules.DEFAULT_SECONDS
    if config.trivia_channel_ids:
        where = "\n".join(channel_health(guild, c).summary for c in config.trivia_channel_ids)
    else:
        where = "Any channel"
    add_field(embed, "Trivia", f"{seconds} seconds per question\nWhere: {where}")
    return footer(embed, "Change a setting with the /settings commands.")


def _events_status(report: SettingsReport, guild: discord.Guild | None) -> str:
    """One consistent account of the feature and the permission it needs (never "✅" and "missing" at once)."""
    config = report.config
    me = guild.me if guild else None
    can = None if me is None else me.guild_permissions.create_events
    if not config.release_events_enabled:
        return "Off (`/settings release-events state:on`)"
    if config.release_events_problem:  # the one thing to say; the permission is part of the reason
        return f"Stopped: {config.release_events_problem}."
    lines = ["On"]
    if can is False:
        lines.append("❌ I am missing Create Events, which Discord requires: no events can be made until I have it")
    pending = [r for r in report.in_play if r.kind is Kind.SCHEDULED_EVENT]
    if pending:
        lines.append(
            f"{len(pending)} change(s) in progress" + (f" (last try: {pending[0].reason})" if pending[0].reason else "")
        )
    return "\n".join(lines)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class SettingsCog(commands.GroupCog, group_name="settings", group_description="Server settings (moderators)"):
    def __init__(
        self,
        bot: HeartstopperBot,
        settings: GuildSettingsService,
        countdown: CountdownService,
        daily: DailyQuestionService,
        release_events: ReleaseEventService,
        report: SettingsReportService,
    ) -> None:
        self.bot = bot
        self.settings = settings
        self.countdown = countdown
        self.daily = daily
        self.events = release_events
        self.report = report
        super().__init__()

    @visibility("private")
    @app_commands.command(name="show")
    @moderator_only()
    async def show(self, interaction: discord.Interaction[HeartstopperBot]) -> None:
        """Every setting of this server, what the bot does next and last did, and a channel health check."""
        report = await self.report.report(guild_id_of(interaction))
        await reply(interaction, embed=settings_embed(report, interaction.guild))

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
        view = await self.countdown.set_channel(guild_id, channel.id)
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
        view = await self.countdown.set_time(guild_id, time, timezone)
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
        await self.countdown.turn_off(guild_id, "a moderator turned it off")
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
        config = await self.daily.set_schedule(guild_id, channel.id, time, timezone, hours)
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
        await self.daily.turn_off(guild_id_of(interaction), "a moderator turned it off")
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
        await self.events.set_enabled(guild_id, state == "on")
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
        chosen = await self.settings.set_spoiler_season(guild_id, season)
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
        chosen = await self.settings.set_trivia_seconds(guild_id_of(interaction), seconds)
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
            await self.settings.allow_trivia_anywhere(guild_id)
            await reply(interaction, "Trivia may now run in any channel.")
            return
        if channel is None:
            raise UserError(f"Pick the channel to {action} with the `channel` option.")
        allowed = await self.settings.allow_trivia_channel(guild_id, channel.id, action == "allow")
        where = ", ".join(f"<#{c}>" for c in allowed) or "any channel"
        await reply(interaction, f"Trivia may run in: {where}.")


async def setup(bot: HeartstopperBot) -> None:
    services = bot.services
    await bot.add_cog(
        SettingsCog(
            bot, services.settings, services.countdown, services.daily, services.release_events, services.report
        )
    )
