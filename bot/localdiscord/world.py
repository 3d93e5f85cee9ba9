"""What the local Discord knows: guilds, channels, members, messages, scheduled events, nonces.

State only: no HTTP here (``rest.py`` turns requests into these calls, ``users.py`` builds what
members do). Two clocks matter:

- ``clock`` (a callable returning an aware datetime; default the wall clock) is Discord's idea of
  *now*: message timestamps and every id's time bits come from it, so a test's manual clock or the
  playground's fast one moves them.
- ``monotonic`` (seconds; default ``time.monotonic``) measures how long Discord remembers a nonce.

Nonces, as Discord: a send with ``enforce_nonce`` and a nonce already used in that channel
within ``nonce_window`` seconds (default 180, Discord's "past few minutes") returns the earlier
message instead of posting again; after the window the same nonce posts a new message.
``forget_nonces()`` ends every window at once (as if the window had passed).
``nonces[(channel_id, nonce)]`` is a ``NonceRecord``: every message that nonce created and how many
POSTs carried it, kept after the window so tests can count doubles (the oldest records go first
once there are more than ``max_nonces``).

Memory: ``messages`` (and ``message_interactions``, who each message answers) are the world and are
kept until deleted, as Discord keeps them; ``interactions`` keeps the newest ``max_interactions``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.localdiscord import builders as b
from bot.localdiscord.bounded import BoundedDict
from bot.localdiscord.changes import Subscription
from bot.localdiscord.kinds import EntityType, EventStatus, MessageFlag
from bot.localdiscord.snowflakes import Snowflakes, time_of

Json = dict[str, Any]
Listener = Callable[[str, Json], None]
NONCE_WINDOW = 180.0  # seconds: Discord checks an enforced nonce "in the past few minutes"
HISTORY_LIMIT, HISTORY_MAX = 50, 100  # GET /channels/{id}/messages: default and largest limit


@dataclass
class Interaction:
    """One INTERACTION_CREATE the stand-in sent, and what the bot did with it."""

    id: int
    token: str
    payload: Json
    callbacks: list[Json] = field(default_factory=list)
    original_message_id: int | None = None
    followups: list[Json] = field(default_factory=list)
    sent_at: float = 0.0  # monotonic time the gateway sent INTERACTION_CREATE
    acked_at: float = 0.0  # monotonic time the first callback arrived
    thinking: bool = False  # deferred (type 5): the next follow-up replaces the "thinking…" message
    message_ids: list[int] = field(default_factory=list)  # every message this interaction created

    def visible_to_others(self, messages: dict[int, Json]) -> list[Json]:
        """Messages this interaction left in the channel that members other than its user can see."""
        return [
            messages[m]
            for m in self.message_ids
            if m in messages and not int(messages[m]["flags"]) & MessageFlag.ephemeral
        ]


@dataclass
class NonceRecord:
    """One nonce in one channel: the messages it created and how many POSTs carried it."""

    channel_id: int
    nonce: str
    message_ids: list[int] = field(default_factory=list)  # more than one only if re-sent after the window
    posts: int = 0
    remembered_since: float = -math.inf  # monotonic time of its latest message (the window's start)

    @property
    def message_id(self) -> int | None:
        return self.message_ids[-1] if self.message_ids else None


class NonceTable(Mapping[tuple[int, str], NonceRecord]):
    """Every nonce seen, by (channel id, nonce); deduplicating only within ``window`` seconds."""

    def __init__(self, window: float, clock: Callable[[], float], maxlen: int) -> None:
        self.window = window
        self._clock = clock
        self.maxlen = maxlen
        self._records: OrderedDict[tuple[int, str], NonceRecord] = OrderedDict()

    def __getitem__(self, key: tuple[int, str]) -> NonceRecord:
        return self._records[key]

    def __iter__(self) -> Iterator[tuple[int, str]]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)

    def remembered(self, channel_id: int, nonce: str) -> int | None:
        """The message Discord still ties to this nonce, or None once the window has passed."""
        record = self._records.get((channel_id, nonce))
        if record is None or self._clock() - record.remembered_since >= self.window:
            return None
        return record.message_id

    def count_post(self, channel_id: int, nonce: str) -> NonceRecord:
        record = self._records.get((channel_id, nonce))
        if record is None:
            record = self._records[(channel_id, nonce)] = NonceRecord(channel_id, nonce)
        record.posts += 1
        return record

    def remember(self, record: NonceRecord, message_id: int) -> None:
        record.message_ids.append(message_id)
        record.remembered_since = self._clock()
        self._records.move_to_end((record.channel_id, record.nonce))
        while len(self._records) > self.maxlen:  # the front was remembered longest ago: expired first
            self._records.popitem(last=False)

    def forget(self) -> None:
        """End every window now: the next enforced send with any nonce seen so far posts again."""
        for record in self._records.values():
            record.remembered_since = -math.inf


class World:
    """Discord's state as the bot can see it, plus the switches tests use to make it awkward."""

    def __init__(
        self,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        nonce_window: float = NONCE_WINDOW,
        max_nonces: int = 100_000,
        max_interactions: int = 10_000,
    ) -> None:
        self.clock = clock
        self.monotonic = monotonic
        self.ids = Snowflakes(self.now)
        self.app_id = self.ids.next()
        self.bot_user = b.user(self.app_id, "heartstopper-bot", bot=True)
        self.owner = b.user(self.ids.next(), "owner")
        self.token_ok = True
        self.guilds: dict[int, Json] = {}
        self._channel_guild: dict[int, int] = {}
        self.messages: dict[int, Json] = {}
        self._channel_messages: dict[int, list[int]] = {}
        self.message_interactions: dict[int, Interaction] = {}  # which interaction made a message
        self._tokens: dict[str, int] = {}
        self.interactions: BoundedDict[int, Interaction] = BoundedDict(max_interactions, self._forget_token)
        self.commands: dict[str, list[Json]] = {}  # by scope: "global" or a guild id
        self.scheduled_events: dict[int, dict[int, Json]] = {}  # by guild, then event id
        self.nonces = NonceTable(nonce_window, lambda: self.monotonic(), max_nonces)
        self.forbidden_channels: set[int] = set()  # sends answered 403 50013 Missing Permissions
        self.deleted_channels: set[int] = set()  # see delete_channel: every route answers 404 10003
        self.unreadable_channels: set[int] = set()  # no View Channel: reading answers 403 50001 Missing Access
        self.historyless_channels: set[int] = set()  # no Read Message History: history answers 200 []
        self.message_listeners: list[Listener] = []

    # --- time ---------------------------------------------------------------------------------
    def now(self) -> dt.datetime:
        return self.clock() if self.clock is not None else dt.datetime.now(dt.UTC)

    @property
    def nonce_window(self) -> float:
        return self.nonces.window

    @nonce_window.setter
    def nonce_window(self, seconds: float) -> None:
        self.nonces.window = seconds

    def forget_nonces(self) -> None:
        self.nonces.forget()

    # --- guilds and channels --------------------------------------------------------------------
    def add_guild(
        self,
        name: str = "Heartstopper Fans",
        *,
        channels: int = 2,
        bot_permissions: int | None = None,
        channel_overwrites: dict[int, list[Json]] | None = None,
        channel_names: list[str] | None = None,
        preferred_locale: str = "en-US",
    ) -> Json:
        guild_id = self.ids.spread()
        bot_role = self.ids.next()
        perms = b.MEMBER_PERMS if bot_permissions is None else bot_permissions
        names = channel_names or [f"channel-{i}" for i in range(channels)]
        chans = []
        for i, channel_name in enumerate(names):
            cid = self.ids.next()
            chans.append(
                b.text_channel(cid, guild_id, channel_name, position=i, overwrites=(channel_overwrites or {}).get(i))
            )
            self._channel_guild[cid] = guild_id
        data = b.guild(
            guild_id,
            name,
            channels=chans,
            roles=[b.role(guild_id, "@everyone", b.MEMBER_PERMS), b.role(bot_role, "bot", perms, position=1)],
            members=[b.member(self.bot_user, roles=[bot_role])],
            owner_id=int(self.owner["id"]),
        )
        data["preferred_locale"] = preferred_locale  # the server's "Server Primary Language"
        self.guilds[guild_id] = data
        return data

    @staticmethod
    def channel_ids(guild: Json) -> list[int]:
        return [int(c["id"]) for c in guild["channels"]]

    def guild_of(self, channel_id: int) -> int | None:
        """The guild a live channel belongs to; None for a deleted or never-made channel."""
        return self._channel_guild.get(channel_id)

    def channel_exists(self, channel_id: int) -> bool:
        """Made by ``add_guild`` and not deleted (``delete_channel``, or its id added to ``deleted_channels``)."""
        return channel_id in self._channel_guild and channel_id not in self.deleted_channels

    def delete_channel(self, channel_id: int) -> None:
        """A moderator deletes a channel: it leaves its guild, its messages go, and every route on it 404s."""
        guild_id = self._channel_guild.pop(channel_id, None)
        if guild_id is not None:
            guild = self.guilds[guild_id]
            guild["channels"] = [c for c in guild["channels"] if int(c["id"]) != channel_id]
        self.deleted_channels.add(channel_id)
        for message_id in list(self._channel_messages.get(channel_id, [])):
            self.delete_message(message_id)
        self._channel_messages.pop(channel_id, None)

    def bot_permissions(self, guild: Json) -> int:
        """What the bot may do server-wide: @everyone's permissions and its own roles'."""
        mine = {str(r) for m in guild["members"] if m["user"]["id"] == self.bot_user["id"] for r in m["roles"]}
        perms = 0
        for role in guild["roles"]:
            if role["id"] == guild["id"] or role["id"] in mine:
                perms |= int(role["permissions"])
        return perms

    # --- messages -------------------------------------------------------------------------------
    def store_message(
        self,
        channel_id: int,
        body: Json,
        *,
        interaction: Interaction | None = None,
        flags: int = 0,
        author: Json | None = None,
    ) -> Json:
        """A new message in a channel (by the bot unless ``author`` says otherwise); listeners hear "create"."""
        message_id = self.ids.next()
        msg = b.message(
            message_id,
            channel_id,
            author or self.bot_user,
            dict(body),
            guild_id=self.guild_of(channel_id),
            flags=flags,
            interaction_id=interaction.id if interaction else None,
        )
        msg["timestamp"] = time_of(message_id).isoformat()
        self.messages[message_id] = msg
        self._channel_messages.setdefault(channel_id, []).append(message_id)
        if interaction is not None:
            interaction.message_ids.append(message_id)
            self.message_interactions[message_id] = interaction
        self._emit("create", msg)
        return msg

    def send(self, channel_id: int, body: Json) -> Json:
        """``POST /channels/{id}/messages`` as Discord treats it, nonce window included."""
        nonce = body.get("nonce")
        record = None
        if nonce is not None and nonce != "":
            record = self.nonces.count_post(channel_id, str(nonce))
            earlier = self.nonces.remembered(channel_id, str(nonce)) if body.get("enforce_nonce") else None
            if earlier is not None and earlier in self.messages:
                return self.messages[earlier]
        msg = self.store_message(channel_id, body)
        if record is not None:
            self.nonces.remember(record, int(msg["id"]))
        return msg

    def edit_message(self, message_id: int, body: Json) -> Json:
        msg = self.messages[message_id]
        msg.update(edit_fields(body))
        self.changed_message(msg)
        return msg

    def changed_message(self, msg: Json) -> None:
        msg["edited_timestamp"] = self.now().isoformat()
        self._emit("update", msg)

    def delete_message(self, message_id: int) -> Json:
        msg = self.messages.pop(message_id)
        in_channel = self._channel_messages.get(int(msg["channel_id"]))
        if in_channel is not None and message_id in in_channel:
            in_channel.remove(message_id)
        self.message_interactions.pop(message_id, None)
        self._emit("delete", msg)
        return msg

    def in_channel(self, channel_id: int, message_id: int) -> Json | None:
        """A message as the channel's routes see it: there, in this channel, and not ephemeral."""
        msg = self.messages.get(message_id)
        if msg is None or msg["channel_id"] != str(channel_id) or int(msg["flags"]) & MessageFlag.ephemeral:
            return None
        return msg

    def history(
        self,
        channel_id: int,
        *,
        limit: int = HISTORY_LIMIT,
        before: int | None = None,
        after: int | None = None,
        around: int | None = None,
    ) -> list[Json]:
        """``GET /channels/{id}/messages`` as Discord serves it: newest first, ephemeral replies left out.

        ``before``: the ``limit`` newest older than it. ``after``: the ``limit`` *oldest* newer than
        it (still newest first; page on with ``after=<first id>``, as discord.py does). ``around``:
        up to ``limit // 2`` newer and the rest at or older than it. Nothing given: the newest ``limit``.
        """
        ids = [
            m
            for m in self._channel_messages.get(channel_id, [])
            if not int(self.messages[m]["flags"]) & MessageFlag.ephemeral
        ]
        if before is not None:
            end = bisect.bisect_left(ids, before)
            chunk = ids[max(0, end - limit) : end]
        elif after is not None:
            start = bisect.bisect_right(ids, after)
            chunk = ids[start : start + limit]
        elif around is not None:
            middle = bisect.bisect_right(ids, around)
            newer = ids[middle : middle + limit // 2]
            chunk = ids[max(0, middle - (limit - len(newer))) : middle] + newer
        else:
            chunk = ids[-limit:]
        return [served(self.messages[m]) for m in reversed(chunk)]

    def post_message(self, channel_id: int, body: Json, *, author: Json | None = None) -> Json:
        """Someone posts in a channel (a member by default): history shows it; the bot gets no event
        (it has no message intent)."""
        return self.store_message(channel_id, body, author=author or b.fan())

    def latest_with_buttons(self, channel_id: int) -> Json | None:
        """The newest message in a channel that carries buttons (a trivia question, say)."""
        for message_id in reversed(self._channel_messages.get(channel_id, [])):
            if self.messages[message_id].get("components"):
                return self.messages[message_id]
        return None

    # --- interactions -------------------------------------------------------------------------
    def add_interaction(self, inter: Interaction) -> None:
        self.interactions[inter.id] = inter
        self._tokens[inter.token] = inter.id

    def _forget_token(self, _: int, inter: Interaction) -> None:
        self._tokens.pop(inter.token, None)

    def interaction_by_token(self, token: str) -> Interaction | None:
        interaction_id = self._tokens.get(token)
        return None if interaction_id is None else self.interactions.get(interaction_id)

    # --- scheduled events ---------------------------------------------------------------------
    def create_event(self, guild_id: int, body: Json, *, creator: Json | None = None) -> Json:
        """A scheduled event in a guild, made by ``creator`` (the bot unless said otherwise)."""
        who = creator or self.bot_user
        event_id = self.ids.next()
        event = {
            "id": str(event_id),
            "guild_id": str(guild_id),
            "channel_id": body.get("channel_id"),
            "creator_id": who["id"],
            "creator": who,
            "name": body["name"],
            "description": body.get("description"),
            "scheduled_start_time": body["scheduled_start_time"],
            "scheduled_end_time": body.get("scheduled_end_time"),
            "privacy_level": body.get("privacy_level", 2),
            "status": int(EventStatus.scheduled),
            "entity_type": body.get("entity_type", int(EntityType.external)),
            "entity_id": None,
            "entity_metadata": body.get("entity_metadata"),
            "recurrence_rule": None,
            "guild_scheduled_event_exceptions": [],
            "user_count": 0,
            "image": None,
        }
        self.scheduled_events.setdefault(guild_id, {})[event_id] = event
        self._events_changed(guild_id)
        return event

    def update_event(self, guild_id: int, event_id: int, body: Json) -> Json:
        event = self.scheduled_events[guild_id][event_id]
        event.update({k: v for k, v in body.items() if k in event})
        self._events_changed(guild_id)
        return event

    def delete_event(self, guild_id: int, event_id: int) -> None:
        del self.scheduled_events[guild_id][event_id]
        self._events_changed(guild_id)

    def _events_changed(self, guild_id: int) -> None:
        events = list(self.scheduled_events.get(guild_id, {}).values())
        self._emit("scheduled-events", {"guild_id": str(guild_id), "events": events})

    # --- watchers -------------------------------------------------------------------------------
    def subscribe(self, maxsize: int) -> Subscription:
        """World events ("create", "update", "delete", "scheduled-events") for one watcher, bounded."""
        subscription = Subscription(maxsize)
        self.message_listeners.append(subscription.put)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        if subscription.put in self.message_listeners:
            self.message_listeners.remove(subscription.put)

    def _emit(self, event: str, data: Json) -> None:
        for listener in list(self.message_listeners):
            listener(event, data)


def edit_fields(body: Json) -> Json:
    """What an edit may change (embeds as Discord stores them)."""
    fields = {k: v for k, v in body.items() if k in ("content", "embeds", "components", "flags")}
    if "embeds" in fields:
        fields["embeds"] = b.rich(fields["embeds"])
    return fields


def served(msg: Json) -> Json:
    """A stored message as ``GET`` returns it: without its nonce, which Discord does not keep
    (only the create answer and MESSAGE_CREATE carry it; discord.py issue #2451)."""
    return {k: v for k, v in msg.items() if k != "nonce"}
