"""How outbox rows reach Discord: a post sent once, an edit made once, and our own messages found again.

Feature-agnostic: each kind's handler (in its cog) renders its message and calls these. The rule
they keep is the outbox's: never guess. A retry whose earlier attempt may have reached Discord
(a timeout, a 5xx, a crash mid-attempt) and is older than Discord's nonce window (Discord
deduplicates a nonce only "in the past few minutes") first reads the channel for the bot's own
post; one it finds is adopted, not sent again. A channel that cannot be read means the day is
skipped with the reason: for a daily post, at most once beats twice.

Every reason is a message (``bot.i18n.Text``): the outbox stores it and ``/settings show`` renders it
in the reading moderator's language. ``what`` (the thing being sent, "countdown post") is best a
``Text`` too (``_("countdown post")``): a plain ``str`` is shown as it is, in English. What Discord
said (``str(exc)``) stays a plain parameter.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import discord

from bot.domain.outbox import Abandon, Completion, Delivery, Done, Outcome, Retry
from bot.i18n import Text, _
from bot.ui.channels import READ_MESSAGE_HISTORY, channel_problem
from bot.ui.rest import REST_TIMEOUT, within

log = logging.getLogger(__name__)

CLOCK_SKEW = dt.timedelta(minutes=2)  # read history from a little before the first attempt
HISTORY_LIMIT = 300  # messages read at most (three requests) when looking for our own post


class Unreadable(Exception):
    """The channel's history cannot be read, so whether our earlier attempt arrived is unknown."""

    def __init__(self, reason: Text) -> None:
        super().__init__(str(reason))
        self.reason = reason


def _mention(channel_id: int) -> str:
    return f"<#{channel_id}>"


def _unreadable_history(channel_id: int) -> Unreadable:
    return Unreadable(
        _(
            "I can't read the message history of {channel} ({permission}), so I could not check whether my "
            "earlier attempt arrived",
            channel=_mention(channel_id),
            permission=READ_MESSAGE_HISTORY,
        )
    )


def failed(exc: BaseException, what: Text | str) -> Retry | None:
    """A failure worth trying again, and whether Discord may have acted on it; None if it is not one.

    ``what`` says what the bot was doing, as the end of "… while {doing}": ``_("sending the {what}")``.
    """
    if isinstance(exc, TimeoutError):
        seconds = format(REST_TIMEOUT, ".0f")
        return Retry(
            # TRANSLATORS: {doing} is what the bot was doing, e.g. "sending the countdown post"; {seconds} a number.
            _("no answer from Discord within {seconds} s while {doing}", seconds=seconds, doing=what),
            unknown=True,
        )
    if isinstance(exc, discord.RateLimited):
        # TRANSLATORS: {doing} is what the bot was doing, e.g. "sending the countdown post".
        return Retry(_("rate limited while {doing}", doing=what), unknown=False)
    if isinstance(exc, discord.HTTPException) and (exc.status >= 500 or exc.status == 429):
        # TRANSLATORS: {status} is an HTTP status code, e.g. 503; {doing} what the bot was doing.
        return Retry(
            _("Discord answered {status} while {doing}", status=exc.status, doing=what), unknown=exc.status >= 500
        )
    if isinstance(exc, aiohttp.ClientConnectorError):
        # TRANSLATORS: {doing} is what the bot was doing, e.g. "sending the countdown post".
        return Retry(_("could not connect to Discord while {doing}", doing=what), unknown=False)
    if isinstance(exc, aiohttp.ClientError | OSError):
        # TRANSLATORS: {doing} is what the bot was doing, e.g. "sending the countdown post".
        return Retry(_("the connection to Discord failed while {doing}", doing=what), unknown=True)
    return None


async def find_own_message(
    bot: discord.Client,
    channel_id: int,
    guild_id: int | None,
    since: dt.datetime,
    is_ours: Callable[[discord.Message], bool],
) -> discord.Message | None:
    """The bot's own message in ``channel_id`` sent after ``since`` for which ``is_ours`` holds."""
    if bot.user is None:
        raise Unreadable(_("I am not logged in yet"))
    # Without Read Message History Discord answers an empty list, not an error: an empty answer would
    # then look like "never posted". Only a channel the bot can be seen to read is trusted.
    guild = bot.get_guild(guild_id) if guild_id is not None else None
    cached = guild.get_channel(channel_id) if guild is not None else None
    if guild is None or cached is None or guild.me is None:
        raise Unreadable(
            _(
                "I can't see {channel} right now, so I could not check whether my earlier attempt arrived",
                channel=_mention(channel_id),
            )
        )
    if not cached.permissions_for(guild.me).read_message_history:
        raise _unreadable_history(channel_id)
    channel = bot.get_partial_messageable(channel_id, guild_id=guild_id)
    after = discord.Object(id=discord.utils.time_snowflake(since - CLOCK_SKEW))
    read = 0
    try:
        async for message in channel.history(limit=HISTORY_LIMIT, after=after, oldest_first=True):
            read += 1
            if message.author.id == bot.user.id and is_ours(message):
                return message
    except discord.Forbidden:
        raise _unreadable_history(channel_id) from None
    except discord.NotFound:
        raise Unreadable(_("{channel} no longer exists", channel=_mention(channel_id))) from None
    if read >= HISTORY_LIMIT:
        # The read stopped at its limit, not at the end of the channel: the post may lie beyond it,
        # and "not found" would be a guess that could post twice.
        raise Unreadable(
            _(
                "more than {limit} messages were posted in {channel} since my earlier attempt, so I could not "
                "check whether it arrived",
                limit=HISTORY_LIMIT,
                channel=_mention(channel_id),
            )
        )
    return None


async def post_once(
    bot: discord.Client,
    delivery: Delivery,
    *,
    channel_id: int,
    nonce: str,
    message: Callable[[], dict[str, Any]],
    is_ours: Callable[[discord.Message], bool],
    nonce_window: dt.timedelta,
    complete: Callable[[int], Completion | None],
    what: Text | str,
    turn_off: Callable[[Text], Awaitable[None]] | None = None,
) -> Outcome:
    """Send ``message()`` to ``channel_id`` so that it exists there once.

    ``turn_off(reason)`` is for a feature that posts on its own every day (the countdown, the question
    of the day): a channel the bot cannot post in turns it off with the reason moderators see (store it
    with ``reason.stored()``), so it does not fail again every day. Known from the cache already, no
    request is spent; otherwise Discord says the channel is gone (404) or closed to the bot (403).
    Without ``turn_off`` such a post is only abandoned. ``what`` names the post without an article
    (``_("countdown post")``).
    """

    async def stop(reason: Text) -> Abandon:
        if turn_off is not None:
            await turn_off(reason)
        return Abandon(reason)

    if turn_off is not None:
        problem = channel_problem(bot, delivery.guild_id, channel_id)
        if problem is not None:
            return await stop(problem)
    channel = _mention(channel_id)
    if delivery.must_reconcile(nonce_window):
        try:
            found = await within(
                find_own_message(bot, channel_id, delivery.guild_id, delivery.first_attempt_at, is_ours)
            )
        except Unreadable as exc:
            # TRANSLATORS: {reason} says why the channel could not be read; a post is skipped rather than risk two.
            return Abandon(_("skipped: {reason} (at most once beats twice)", reason=exc.reason))
        except (TimeoutError, discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            # TRANSLATORS: {what} names what the bot posts, e.g. "countdown post"; {channel} is a channel.
            retry = failed(exc, _("checking {channel} for my earlier {what}", channel=channel, what=what))
            # TRANSLATORS: {error} is Discord's own error text, in English.
            unchecked = _(
                "could not check {channel} for my earlier {what}: {error}", channel=channel, what=what, error=str(exc)
            )
            return retry or Retry(unchecked)
        if found is not None:
            log.info("adopting %s %s in guild %s: it reached Discord before", what, found.id, delivery.guild_id)
            return Done("adopted", found.id, complete(found.id))
    messageable = bot.get_partial_messageable(channel_id, guild_id=delivery.guild_id)
    try:
        sent = await within(messageable.send(**message(), nonce=nonce, allowed_mentions=discord.AllowedMentions.none()))
    except discord.NotFound:
        # TRANSLATORS: {what} names what the bot posts, e.g. "countdown post".
        return await stop(_("the channel for the {what} no longer exists (Discord said 404)", what=what))
    except discord.Forbidden:
        return await stop(
            _(
                "Discord refused my {what} in {channel} (403): check that I can view, send and embed links there",
                what=what,
                channel=channel,
            )
        )
    except (TimeoutError, discord.HTTPException, aiohttp.ClientError, OSError) as exc:
        # TRANSLATORS: {what} names what the bot posts, e.g. "countdown post".
        retry = failed(exc, _("sending the {what}", what=what))
        if retry is None:  # a 4xx that will not change by trying again
            # TRANSLATORS: {what} names what the bot posts; {error} is Discord's own error text, in English.
            return Abandon(_("Discord refused the {what}: {error}", what=what, error=str(exc)))
        return retry
    return Done("sent", sent.id, complete(sent.id))


async def edit_once(
    bot: discord.Client,
    delivery: Delivery,
    *,
    channel_id: int,
    message_id: int,
    message: Callable[[], dict[str, Any]],
    shows_it: Callable[[discord.Message], bool],
    what: Text | str,
    deleted: Callable[[], Awaitable[Outcome]] | None = None,
) -> Outcome:
    """Edit ``message_id`` into ``message()``; after an attempt with an unknown outcome, read it first.

    ``deleted()``, when given, decides what happens if the message is gone (post a new one, say).
    ``what`` names the edit without an article (``_("reveal of the question of the day")``).
    """
    channel = bot.get_partial_messageable(channel_id, guild_id=delivery.guild_id)
    try:
        if delivery.outcome_unknown:
            current = await within(channel.fetch_message(message_id))
            if shows_it(current):
                return Done("adopted", message_id)
        await within(channel.get_partial_message(message_id).edit(**message()))
    except discord.NotFound:
        if deleted is not None:
            return await deleted()
        # TRANSLATORS: {what} names what the bot edits, e.g. "reveal of the question of the day".
        return Abandon(_("the message for the {what} was deleted", what=what))
    except discord.Forbidden:
        return Abandon(_("Discord refused the {what} in {channel} (403)", what=what, channel=_mention(channel_id)))
    except (TimeoutError, discord.HTTPException, aiohttp.ClientError, OSError) as exc:
        # TRANSLATORS: {what} names what the bot edits, e.g. "reveal of the question of the day".
        retry = failed(exc, _("making the {what}", what=what))
        return retry or Abandon(_("Discord refused the {what}: {error}", what=what, error=str(exc)))
    return Done("sent", message_id)


def embed_at(message: discord.Message, instant: dt.datetime | None) -> bool:
    """Whether one of the message's embeds carries ``instant`` as its timestamp (how our posts mark their day)."""
    if instant is None:
        return False
    return any(e.timestamp is not None and abs((e.timestamp - instant).total_seconds()) < 1 for e in message.embeds)


def custom_ids(message: discord.Message) -> list[str]:
    ids: list[str] = []
    for row in message.components:
        for child in getattr(row, "children", []):
            custom_id = getattr(child, "custom_id", None)
            if custom_id:
                ids.append(custom_id)
    return ids
