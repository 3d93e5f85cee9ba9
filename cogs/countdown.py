"""/countdown, and the daily countdown post: its planner (the service) and its executor in the outbox.

Words are messages rendered for whoever reads them: ``/countdown`` is public, so it speaks the
server's language (``reader_locale``); the daily post is the bot's own, so it speaks the server's
language at the moment it is sent (``guild_language``), whatever language the server had when the
post was planned. A release's note is looked up in that language by the release's id (a target's key
is ``release:<id>``); names (releases, a server's events as a moderator typed them) stay as they are,
and timestamps are Discord's ``<t:…>``, which every client shows in its own language.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import format_dt

from bot.app import HeartstopperBot
from bot.domain.countdown import Target
from bot.domain.models import describe_source
from bot.domain.outbox import Delivery, Kind, Outcome
from bot.i18n import Text, _, render
from bot.services.content import LocalizedContent
from bot.services.countdown import CountdownAnswer, CountdownService, PostPlan
from bot.ui.delivery import custom_ids, embed_at, post_once
from bot.ui.embeds import LEAF, PINK, add_field, base_embed, footer
from bot.ui.replies import reader_locale, reply, visibility

log = logging.getLogger(__name__)

RELEASE_KEY = "release:"


def _when(target: Target, locale: str) -> str:
    if target.instant is None:
        return render(_("no date yet"), locale)
    if target.has_time:
        return f"{format_dt(target.instant, 'F')} ({format_dt(target.instant, 'R')})"
    return f"{format_dt(target.instant, 'D')} ({format_dt(target.instant, 'R')})"


def target_note(target: Target, content: LocalizedContent, locale: str) -> str:
    """A release's note in ``locale`` (found by its id in the target's key), else the note the target carries."""
    if target.key.startswith(RELEASE_KEY):
        release = content.release(target.key.removeprefix(RELEASE_KEY), locale)
        if release is not None:
            return release.note
    return target.note


def to_go(left: Text, when: str) -> Text:
    """``/countdown``'s sentence for a target still ahead: "**12 days, 3 hours** to go!" and when."""
    # TRANSLATORS: {left} is the time left, like "12 days, 3 hours"; {when} a date Discord shows in the reader's zone
    return _("**{left}** to go!\n{when}", left=left, when=when)


def countdown_embed(answer: CountdownAnswer, content: LocalizedContent, locale: str) -> discord.Embed:
    target = answer.target
    if target is None:
        return base_embed(_("⏳ Countdown"), _("Nothing to count down to yet."), colour=PINK, locale=locale)

    def note(t: Target) -> str:
        return target_note(t, content, locale)

    def lines(texts: list[Text]) -> str:
        return "\n".join(render(t, locale) for t in texts)

    if answer.left is not None:
        embed = base_embed(
            f"⏳ {target.name}", to_go(answer.left.describe(), _when(target, locale)), colour=PINK, locale=locale
        )
    elif answer.since is not None:
        embed = base_embed(
            # TRANSLATORS: {name} is a release or a server's event that has come out
            _("💖 {name} is out", name=target.name),
            _("Out since {when}.", when=_when(target, locale)),
            colour=LEAF,
            locale=locale,
        )
        if answer.undated:
            undated = [_("**{name}**: no date yet. {note}", name=t.name, note=note(t)) for t in answer.undated]
            add_field(embed, _("Next up"), lines(undated), locale=locale)
    else:
        embed = base_embed(
            f"⏳ {target.name}", _("**No date yet.** {note}", note=note(target)), colour=PINK, locale=locale
        )
    if answer.left is not None and answer.undated:
        coming = [_("**{name}**: no date yet", name=t.name) for t in answer.undated]
        add_field(embed, _("Also coming"), lines(coming), locale=locale)
    if answer.following:
        following = "\n".join(f"**{t.name}**: {_when(t, locale)}" for t in answer.following)
        add_field(embed, _("After that"), following, locale=locale)
    if not target.is_event and note(target) and answer.left is not None:
        add_field(embed, _("Good to know"), note(target), locale=locale)
    if target.sources:
        add_field(embed, _("Source"), "\n".join(describe_source(s) for s in target.sources), locale=locale)
    return footer(embed, _("Server event") if target.is_event else _("Times show in your own time zone"), locale=locale)


def post_embed(plan: PostPlan, content: LocalizedContent, locale: str) -> discord.Embed:
    """The daily post in ``locale`` (the server's language when it is sent)."""
    target = plan.target
    if target is None:
        notes = [f"**{t.name}**: {target_note(t, content, locale)}" for t in plan.undated]
        lines = notes or [render(_("Nothing is announced yet."), locale)]
        embed = base_embed(_("🍂 No date yet"), "\n".join(lines), colour=LEAF, locale=locale)
    else:
        embed = base_embed(f"⏳ {render(plan.headline, locale)}", _when(target, locale), colour=PINK, locale=locale)
        if plan.days:
            add_field(embed, _("Days to go"), str(plan.days), inline=True, locale=locale)
        if plan.undated:
            coming = "\n".join(render(_("**{name}**: no date yet", name=t.name), locale) for t in plan.undated)
            add_field(embed, _("Also coming"), coming, locale=locale)
    # The scheduled time as the embed's timestamp: members see when it was due, and the bot can
    # recognise its own post for this day in the channel's history (never posting it twice).
    embed.timestamp = plan.due_at
    return footer(embed, post_footer(plan.late, plan.offline), locale=locale)


def post_footer(late: bool, offline: bool) -> Text:
    """The daily post's footer; it says "offline" only when the bot really was not running at the scheduled time."""
    if offline:
        # TRANSLATORS: /countdown is the command's name
        return _("Daily countdown (late: I was offline at the scheduled time) · /countdown for details")
    if late:
        return _("Daily countdown (late) · /countdown for details")
    return _("Daily countdown · /countdown for details")


class CountdownPoster:
    """The outbox's executor for countdown posts: render the planned post and send it once."""

    kind = Kind.COUNTDOWN

    def __init__(
        self, bot: HeartstopperBot, service: CountdownService, content: LocalizedContent, nonce_window: dt.timedelta
    ) -> None:
        self.bot = bot
        self.service = service
        self.content = content
        self.nonce_window = nonce_window
        self.patience = service.grace

    async def deliver(self, delivery: Delivery) -> Outcome:
        plan = self.service.post_plan(delivery)
        # The server's language now (not when it was planned): a language chosen since shows in the post.
        locale = await self.bot.guild_language(plan.guild_id)

        def is_ours(message: discord.Message) -> bool:
            return embed_at(message, plan.due_at) and not any(c.startswith("daily:") for c in custom_ids(message))

        return await post_once(
            self.bot,
            delivery,
            channel_id=plan.channel_id,
            turn_off=functools.partial(self.service.turn_off, plan.guild_id),
            nonce=plan.nonce,
            message=lambda: {"embed": post_embed(plan, self.content, locale)},
            is_ours=is_ours,
            nonce_window=self.nonce_window,
            complete=lambda _message_id: self.service.completion(plan),
            # TRANSLATORS: what the bot posts, inside a reason such as "Discord refused my {what} in #channel"
            what=_("countdown post"),
        )


class CountdownCog(commands.Cog):
    name = "countdown"

    def __init__(
        self,
        bot: HeartstopperBot,
        service: CountdownService,
        content: LocalizedContent,
        nonce_window: dt.timedelta,
    ) -> None:
        self.bot = bot
        self.service = service
        self.content = content
        self.poster = CountdownPoster(bot, service, content, nonce_window)

    async def cog_load(self) -> None:
        self.bot.scheduler.outbox.register(self.poster)
        self.bot.scheduler.add(self.service)

    async def cog_unload(self) -> None:
        self.bot.scheduler.remove(self.service.name)
        self.bot.scheduler.outbox.unregister(Kind.COUNTDOWN)

    # --- the command -----------------------------------------------------------------------
    @visibility("public")
    @app_commands.command(name="countdown")
    @app_commands.describe(release="A release or server event; default: the next one")
    async def countdown(self, interaction: discord.Interaction[HeartstopperBot], release: str | None = None) -> None:
        """How long until the next Heartstopper release (or the one you name)."""
        locale = await reader_locale(interaction)
        answer = await self.service.countdown(interaction.guild_id, release)
        await reply(interaction, embed=countdown_embed(answer, self.content, locale))

    @countdown.autocomplete("release")
    async def release_autocomplete(
        self, interaction: discord.Interaction[HeartstopperBot], current: str
    ) -> list[app_commands.Choice[str]]:
        # Release and event names are names (the same in every language); an alias typed in any language finds them.
        matches = await self.service.release_suggestions(interaction.guild_id, current)
        return [app_commands.Choice(name=m.label[:100], value=m.label[:100]) for m in matches]


async def setup(bot: HeartstopperBot) -> None:
    services = bot.services
    await bot.add_cog(CountdownCog(bot, services.countdown, services.content, services.outbox.nonce_window))
