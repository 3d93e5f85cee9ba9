"""/settings: moderators choose channels, schedule, spoilers, trivia options and the server's language.

Every answer here is private, so in the moderator's own Discord language (``reader_locale``), and so
is ``/settings show``, stored reasons included: why a schedule was turned off or a post given up is
kept as a message (``Text.stored()``) and rendered here with ``from_stored`` for whoever reads it.
``/settings language`` chooses the language of what the bot says in public on the server.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import format_dt

from bot.app import HeartstopperBot
from bot.domain import trivia as trivia_rules
from bot.domain.outbox import Kind, OutboxRecord, State
from bot.errors import UserError
from bot.i18n import N_, SUPPORTED, Text, _, best_locale, discord_locale, render
from bot.i18n.locales import NAMES, Locale
from bot.i18n.text import from_stored
from bot.services.countdown import CountdownService
from bot.services.daily import DailyQuestionService
from bot.services.guild_settings import GuildSettingsService
from bot.services.language import LanguageService
from bot.services.release_events import ReleaseEventService
from bot.services.settings_report import SettingsReport, SettingsReportService
from bot.ui.autocomplete import zone_autocomplete
from bot.ui.channels import CREATE_EVENTS, channel_health
from bot.ui.checks import guild_id_of, moderator_only
from bot.ui.embeds import MINT, add_field, base_embed, footer
from bot.ui.replies import reader_locale, reply, visibility

AUTO = "auto"  # the choice that follows the server's preferred locale (stored as NULL)
LANGUAGE_CHOICES = [
    app_commands.Choice(name=AUTO, value=AUTO),
    # Each language by its own name, as language pickers show them, whatever the reader's language.
    *(app_commands.Choice(name=NAMES[locale], value=locale) for locale in SUPPORTED),
]


@dataclass(frozen=True, slots=True)
class ServerLanguage:
    """The server's public language, and why: chosen with ``/settings language``, or its preferred locale."""

    chosen: str | None  # what a moderator chose (``GuildConfig.language``); None follows Discord
    preferred: str | None  # the server's preferred locale in Discord ("Server Primary Language")

    @property
    def effective(self) -> Locale:
        return best_locale(self.chosen, self.preferred)

    def describe(self) -> Text:
        """One line for ``/settings show`` (and the reply to ``/settings language``)."""
        name = NAMES[self.effective]
        if self.chosen is not None:
            return _("{language} (chosen with `/settings language`)", language=name)
        if discord_locale(self.preferred) is not None:
            # TRANSLATORS: {language} is a language's own name, e.g. "Deutsch"; Discord calls the setting
            # "Server Primary Language"
            return _("{language}: auto, the server's primary language in Discord", language=name)
        # TRANSLATORS: {code} is a Discord locale code, e.g. "ja"; {language} a language's own name
        return _(
            "{language}: auto (the server's primary language in Discord, `{code}`, is not one I speak)",
            language=name,
            code=self.preferred or "—",
        )


def _preferred_locale(interaction: discord.Interaction[HeartstopperBot]) -> str | None:
    return interaction.guild_locale.value if interaction.guild_locale else None


def _lines(lines: Sequence[Text | str], locale: str) -> str:
    return "\n".join(render(line, locale) for line in lines)


def _record_line(record: OutboxRecord | None, what: Text) -> Text | None:
    """What the bot last did for a feature, from the outbox: done, skipped, being retried, or given up, and why.

    The reason comes back from the database as a message (``from_stored``), rendered with the line."""
    if record is None:
        return None
    when = format_dt(record.updated_at, "R")
    key = record.key
    if record.state is State.DONE:
        if record.outcome == "skipped":
            # TRANSLATORS: {key} is the day (2026-11-26) or thing the post was for; {when} a relative time
            return _(
                "Last: {key} skipped ({reason}), {when}",
                key=key,
                reason=record.reason or _("nothing to post"),
                when=when,
            )
        if record.outcome == "adopted":
            # TRANSLATORS: {what} is e.g. "countdown post"; {key} the day it was for; {when} a relative time
            return _(
                "Last: {what} for {key} posted {when} (found already posted after a restart)",
                what=what,
                key=key,
                when=when,
            )
        # TRANSLATORS: {what} is e.g. "countdown post"; {key} the day it was for; {when} a relative time
        return _("Last: {what} for {key} posted {when}", what=what, key=key, when=when)
    if record.state is State.ABANDONED:
        # TRANSLATORS: {what} is e.g. "countdown post"; {key} the day it was for; {reason} why it was given up
        return _("Last: gave up on the {what} for {key}: {reason}", what=what, key=key, reason=record.reason or "—")
    if record.attempts and record.reason:
        return _(
            "In progress: {what} for {key}, attempt {attempt} (last try: {reason})",
            what=what,
            key=key,
            attempt=record.attempts,
            reason=record.reason,
        )
    if record.attempts:
        return _("In progress: {what} for {key}, attempt {attempt}", what=what, key=key, attempt=record.attempts)
    if record.reason:
        return _("In progress: {what} for {key} (last try: {reason})", what=what, key=key, reason=record.reason)
    return _("In progress: {what} for {key}", what=what, key=key)


def _when(at: dt.datetime) -> str:
    return f"{format_dt(at, 'F')} ({format_dt(at, 'R')})"


def _stored_reason(value: str | None) -> Text | str:
    """A reason kept in the server's settings, back as a message (or an older row's plain text)."""
    return from_stored(value) or "—"


def _channel_line(channel_id: int, enabled: bool) -> Text:
    mention = f"<#{channel_id}>"
    if enabled:
        return _("Channel: {channel} (on)", channel=mention)
    return _("Channel: {channel} (**off**)", channel=mention)


def settings_embed(
    report: SettingsReport, guild: discord.Guild | None, locale: str, language: ServerLanguage
) -> discord.Embed:
    """``/settings show``: each feature's settings, what comes next, what the bot last did, and its health,
    in ``locale`` (the moderator's own language); ``language`` is the server's, for everyone else."""
    config = report.config
    embed = base_embed(_("⚙️ Server settings"), colour=MINT, locale=locale)
    if config.spoiler_season:
        spoiler = _("Season {number}", number=report.horizon)
    else:
        spoiler = _("Season {number} (default: every released season)", number=report.horizon)
    add_field(embed, _("Spoiler horizon"), spoiler, inline=True, locale=locale)
    add_field(embed, _("Language in public"), language.describe(), inline=True, locale=locale)

    if config.countdown_channel_id:
        lines: list[Text | str] = [
            _channel_line(config.countdown_channel_id, config.countdown_enabled),
            _("Time: {time} {zone}", time=config.countdown_time or "—", zone=config.countdown_timezone or "UTC"),
        ]
        nxt = report.countdown_next
        if nxt is not None:
            if nxt.quiet_from is not None:
                lines.append(
                    _(
                        'Quiet on {date}: nothing dated to count down to, so the "no date yet" reminder goes out '
                        "once a week",
                        date=format_dt(nxt.quiet_from, "D"),
                    )
                )
            # TRANSLATORS: {when} is a date and time; {about} what the post counts down to, e.g. "3 days to Season 4"
            lines.append(_("Next post: {when}: {about}", when=_when(nxt.at), about=nxt.about))
        if config.countdown_disabled_reason:
            # TRANSLATORS: {reason} says why, e.g. "a moderator turned it off"
            lines.append(
                _(
                    "Turned off because {reason}. Set the channel again to resume.",
                    reason=_stored_reason(config.countdown_disabled_reason),
                )
            )
        lines += [line for line in [_record_line(report.last[Kind.COUNTDOWN], _("countdown post"))] if line]
        lines.append(_("Health: {summary}", summary=channel_health(guild, config.countdown_channel_id).summary))
        add_field(embed, _("Daily countdown"), _lines(lines, locale), locale=locale)
    else:
        add_field(embed, _("Daily countdown"), _("Not set. Use `/settings countdown-channel`."), locale=locale)

    if config.daily_channel_id:
        daily: list[Text | str] = [
            _channel_line(config.daily_channel_id, config.daily_enabled),
            _("Time: {time} {zone}", time=config.daily_time or "—", zone=config.daily_timezone or "UTC"),
            _("Open for: {hours} h", hours=config.daily_window_hours)
            if config.daily_window_hours
            else _("Open until the next one"),
        ]
        if report.daily_next_at:
            daily.append(_("Next question: {when}", when=_when(report.daily_next_at)))
        if report.reveal_at:
            # TRANSLATORS: {when} is a relative time, e.g. "in 3 hours"
            daily.append(_("Today's answer is revealed {when}", when=format_dt(report.reveal_at, "R")))
        if config.daily_disabled_reason:
            # TRANSLATORS: {reason} says why, e.g. "a moderator turned it off"
            daily.append(_("Turned off because {reason}.", reason=_stored_reason(config.daily_disabled_reason)))
        # TRANSLATORS: what the bot posts: the question of the day, then its reveal (the answer)
        for kind, what in ((Kind.DAILY_QUESTION, _("question")), (Kind.DAILY_REVEAL, _("reveal"))):
            line = _record_line(report.last[kind], what)
            if line:
                daily.append(line)
        daily.append(_("Health: {summary}", summary=channel_health(guild, config.daily_channel_id).summary))
        add_field(embed, _("Question of the day"), _lines(daily, locale), locale=locale)
    else:
        add_field(embed, _("Question of the day"), _("Not set. Use `/settings daily-question`."), locale=locale)

    add_field(embed, _("Release events"), _lines(_events_status(report, guild), locale), locale=locale)
    seconds = config.trivia_seconds or trivia_rules.DEFAULT_SECONDS
    if config.trivia_channel_ids:
        where = _lines([channel_health(guild, c).summary for c in config.trivia_channel_ids], locale)
    else:
        where = render(_("Any channel"), locale)
    trivia = [
        N_("{n} second per question", "{n} seconds per question", n=seconds),
        _("Where: {where}", where=where),
    ]
    add_field(embed, _("Trivia"), _lines(trivia, locale), locale=locale)
    return footer(embed, _("Change a setting with the /settings commands."), locale=locale)


def _events_status(report: SettingsReport, guild: discord.Guild | None) -> list[Text | str]:
    """One consistent account of the feature and the permission it needs (never "✅" and "missing" at once)."""
    config = report.config
    me = guild.me if guild else None
    can = None if me is None else me.guild_permissions.create_events
    if not config.release_events_enabled:
        return [_("Off (`/settings release-events state:on`)")]
    if config.release_events_problem:  # the one thing to say; the permission is part of the reason
        # TRANSLATORS: {reason} says why the bot stopped making events
        return [_("Stopped: {reason}.", reason=_stored_reason(config.release_events_problem))]
    lines: list[Text | str] = [_("On")]
    if can is False:
        lines.append(
            _(
                "❌ I am missing {permission}, which Discord requires: no events can be made until I have it",
                permission=CREATE_EVENTS,
            )
        )
    pending = [r for r in report.in_play if r.kind is Kind.SCHEDULED_EVENT]
    if pending and pending[0].reason:
        lines.append(
            N_(
                "{n} change in progress (last try: {reason})",
                "{n} changes in progress (last try: {reason})",
                n=len(pending),
                reason=pending[0].reason,
            )
        )
    elif pending:
        lines.append(N_("{n} change in progress", "{n} changes in progress", n=len(pending)))
    return lines


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
        languages: LanguageService,
    ) -> None:
        self.bot = bot
        self.settings = settings
        self.countdown = countdown
        self.daily = daily
        self.events = release_events
        self.report = report
        self.languages = languages
        super().__init__()

    @visibility("private")
    @app_commands.command(name="show")
    @moderator_only()
    async def show(self, interaction: discord.Interaction[HeartstopperBot]) -> None:
        """Every setting of this server, what the bot does next and last did, and a channel health check."""
        report = await self.report.report(guild_id_of(interaction))
        language = ServerLanguage(report.config.language, _preferred_locale(interaction))
        locale = await reader_locale(interaction)
        await reply(interaction, embed=settings_embed(report, interaction.guild, locale, language))

    @visibility("private")
    @app_commands.command(name="language")
    @app_commands.describe(
        language="Replies everyone sees, game messages and posts; auto: the server's primary language in Discord"
    )
    @app_commands.choices(language=LANGUAGE_CHOICES)
    @moderator_only()
    async def language(
        self, interaction: discord.Interaction[HeartstopperBot], language: app_commands.Choice[str]
    ) -> None:
        """Choose the language the bot speaks in public here; private replies follow each member's Discord."""
        guild_id = guild_id_of(interaction)
        chosen = None if language.value == AUTO else language.value
        await self.languages.set_language(guild_id, chosen)
        self.bot.dispatch("server_language_changed", guild_id)  # the events the bot made there are rewritten
        now = ServerLanguage(chosen, _preferred_locale(interaction))
        # TRANSLATORS: {language} is the language's own name and why it is used, e.g. "Deutsch (chosen with …)"
        await reply(
            interaction,
            _(
                "Replies everyone sees, game messages and the bot's own posts here are now in: {language}. "
                "Private replies stay in each member's own Discord language.",
                language=now.describe(),
            ),
        )

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
        _refuse_unhealthy(interaction, channel.id)
        view = await self.countdown.set_channel(guild_id, channel.id)
        when = format_dt(view.next_post_at, "F") if view.next_post_at else "—"
        await reply(
            interaction,
            # TRANSLATORS: {time} is like 18:30, {zone} a time zone like Europe/London, {when} a date and time
            _(
                "Daily countdown goes to {channel} at {time} {zone}. First post: {when}. "
                "Change the time with `/settings countdown-time`.",
                channel=channel.mention,
                time=view.time or "—",
                zone=view.timezone,
                when=when,
            ),
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
            text = _(
                "Daily countdown time: {time} {zone}. Next post: {when}.",
                time=view.time or "—",
                zone=view.timezone,
                when=format_dt(view.next_post_at, "F"),
            )
        else:
            text = _(
                "Daily countdown time: {time} {zone}. Now pick a channel with `/settings countdown-channel`.",
                time=view.time or "—",
                zone=view.timezone,
            )
        await reply(interaction, text)
        self.bot.scheduler.wake()

    @visibility("private")
    @app_commands.command(name="countdown-off")
    @moderator_only()
    async def countdown_off(self, interaction: discord.Interaction[HeartstopperBot]) -> None:
        """Stop the daily countdown post."""
        guild_id = guild_id_of(interaction)
        # TRANSLATORS: the reason shown after "Turned off because …"
        await self.countdown.turn_off(guild_id, _("a moderator turned it off"))
        await reply(interaction, _("Daily countdown is off. `/settings countdown-channel` turns it back on."))
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
        _refuse_unhealthy(interaction, channel.id)
        config = await self.daily.set_schedule(guild_id, channel.id, time, timezone, hours)
        first = format_dt(config.daily_next_post_at, "F") if config.daily_next_post_at else "—"
        if hours:
            reveal = N_(
                "Each one closes after {n} hour and is revealed then.",
                "Each one closes after {n} hours and is revealed then.",
                n=hours,
            )
        else:
            reveal = _("Each one is revealed with the next day's.")
        await reply(
            interaction,
            # TRANSLATORS: {reveal} is the sentence saying when each question is revealed
            _(
                "Question of the day goes to {channel} at {time} {zone}. First question: {when}. {reveal}",
                channel=channel.mention,
                time=config.daily_time or "—",
                zone=config.daily_timezone or "UTC",
                when=first,
                reveal=reveal,
            ),
        )
        self.bot.scheduler.wake()

    @visibility("private")
    @app_commands.command(name="daily-question-off")
    @moderator_only()
    async def daily_question_off(self, interaction: discord.Interaction[HeartstopperBot]) -> None:
        """Stop the question of the day (streaks and answers are kept)."""
        await self.daily.turn_off(guild_id_of(interaction), _("a moderator turned it off"))
        await reply(interaction, _("Question of the day is off. `/settings daily-question` turns it back on."))
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
            text = _(
                "Releases and server events will appear in this server's event list. "
                "I need the **{permission}** permission for that; `/settings show` says if anything is missing.",
                permission=CREATE_EVENTS,
            )
        else:
            text = _("Release events are off; I'm removing the events I made.")
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
            # TRANSLATORS: keep the ||bars|| around the word for "hidden": Discord shows it as a spoiler
            _(
                "Spoiler horizon: Season {season}. Later details are ||hidden|| in lookups and left out of trivia.",
                season=chosen,
            ),
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
        await reply(
            interaction,
            N_(
                "Trivia questions now stay open for {n} second.",
                "Trivia questions now stay open for {n} seconds.",
                n=chosen,
            ),
        )

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
            await reply(interaction, _("Trivia may now run in any channel."))
            return
        if channel is None:
            if action == "allow":
                raise UserError(_("Pick the channel to allow with the `channel` option."))
            raise UserError(_("Pick the channel to disallow with the `channel` option."))
        allowed = await self.settings.allow_trivia_channel(guild_id, channel.id, action == "allow")
        if allowed:
            # TRANSLATORS: {channels} is a list of channels, e.g. "#trivia, #games"
            text = _("Trivia may run in: {channels}.", channels=", ".join(f"<#{c}>" for c in allowed))
        else:
            text = _("Trivia may run in: any channel.")
        await reply(interaction, text)


def _refuse_unhealthy(interaction: discord.Interaction[HeartstopperBot], channel_id: int) -> None:
    """A channel the bot cannot post in is refused at once, with what is wrong there."""
    health = channel_health(interaction.guild, channel_id)
    if not health.ok:
        # TRANSLATORS: {problem} says what is wrong with the channel, e.g. "#news: ❌ missing Send Messages"
        raise UserError(
            _(
                "I can't post there: {problem}. Fix the channel's permissions, or pick another channel.",
                problem=health.summary,
            )
        )


async def setup(bot: HeartstopperBot) -> None:
    services = bot.services
    await bot.add_cog(
        SettingsCog(
            bot,
            services.settings,
            services.countdown,
            services.daily,
            services.release_events,
            services.report,
            services.language,
        )
    )
