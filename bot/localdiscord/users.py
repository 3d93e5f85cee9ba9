"""What members do: run a slash command, type into an autocompleted option, click a button.

Each action becomes a complete INTERACTION_CREATE (discord.py crashes on partial ones) sent on the
shard owning the guild. Options are checked the way Discord's client checks them against the
*synced* commands (unknown command or option, missing required options, whole numbers, ranges,
lengths, choices, channels of this server), because discord.py does not check them itself: what a
member could not send raises ``Refused`` with the reason, which fails a test loudly and is shown
under the playground's message box.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from bot.localdiscord import builders as b
from bot.localdiscord.kinds import ChannelType, CommandType, ComponentType, InteractionType, OptionType
from bot.localdiscord.world import Interaction, Json, World

ATTACHMENT_SIZE_LIMIT = 25 * 1024 * 1024
Dispatch = Callable[[str, Json], Awaitable[None]]
Upload = Callable[[Json], Json]


DEFAULT_USER_LOCALE = "en-GB"  # a member whose Discord is in British English, as before


class Refused(AssertionError):
    """What Discord's client would not let a member send (an unknown option, a value out of range).

    An ``AssertionError`` so a test that sends such a thing fails loudly; the playground shows it.
    """


class Users:
    """Members acting on the bot's commands and messages."""

    def __init__(self, world: World, dispatch: Dispatch, upload: Upload) -> None:
        self._world = world
        self._dispatch = dispatch
        self._upload = upload

    async def slash(
        self,
        /,
        command: str,
        guild: Json,
        *,
        channel_id: int | None = None,
        user_obj: Json | None = None,
        permissions: int = b.MEMBER_PERMS,
        app_permissions: int | None = None,
        strict: bool = True,
        user_locale: str = DEFAULT_USER_LOCALE,
        **options: Any,
    ) -> Interaction:
        """A member runs ``/command [sub] option:value`` (with Discord set to ``user_locale``)."""
        data = self._command_data(command, options, guild, strict=strict)
        inter = self._interaction(
            InteractionType.application_command,
            guild,
            channel_id or World.channel_ids(guild)[0],
            user_obj or b.fan(),
            permissions,
            data,
            app_permissions=app_permissions,
            user_locale=user_locale,
        )
        return await self._send(inter)

    async def autocomplete(
        self,
        /,
        command: str,
        guild: Json,
        focused: str,
        value: str,
        *,
        channel_id: int | None = None,
        user_obj: Json | None = None,
        permissions: int = b.MEMBER_PERMS,
        user_locale: str = DEFAULT_USER_LOCALE,
        **others: Any,
    ) -> Interaction:
        """A member types ``value`` into the option ``focused`` (the others as already filled in)."""
        data = self._command_data(command, {**others, focused: value}, guild, focused=focused)
        inter = self._interaction(
            InteractionType.autocomplete,
            guild,
            channel_id or World.channel_ids(guild)[0],
            user_obj or b.fan(),
            permissions,
            data,
            user_locale=user_locale,
        )
        return await self._send(inter)

    async def click(
        self,
        message_id: int,
        custom_id: str,
        guild: Json,
        *,
        user_obj: Json | None = None,
        permissions: int = b.MEMBER_PERMS,
        user_locale: str = DEFAULT_USER_LOCALE,
    ) -> Interaction:
        """A member clicks the button ``custom_id`` on a message."""
        message = self._world.messages[message_id]
        data = {"custom_id": custom_id, "component_type": int(ComponentType.button)}
        inter = self._interaction(
            InteractionType.component,
            guild,
            int(message["channel_id"]),
            user_obj or b.fan(),
            permissions,
            data,
            user_locale=user_locale,
        )
        inter.payload["message"] = message
        return await self._send(inter)

    async def _send(self, inter: Interaction) -> Interaction:
        inter.sent_at = time.monotonic()
        await self._dispatch("INTERACTION_CREATE", inter.payload)
        return inter

    # --- the interaction ------------------------------------------------------------------------
    def _interaction(
        self,
        kind: InteractionType,
        guild: Json,
        channel_id: int,
        user_obj: Json,
        permissions: int,
        data: Json,
        *,
        app_permissions: int | None = None,
        user_locale: str = "en-GB",
    ) -> Interaction:
        interaction_id = self._world.ids.next()
        guild_locale = str(guild.get("preferred_locale") or "en-US")
        token = f"tok{interaction_id}"
        channel = next(c for c in guild["channels"] if int(c["id"]) == channel_id)
        payload = {
            "id": str(interaction_id),
            "application_id": str(self._world.app_id),
            "type": int(kind),
            "token": token,
            "version": 1,
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            "guild_id": guild["id"],
            "guild": {"id": guild["id"], "locale": guild_locale, "features": []},
            "channel_id": str(channel_id),
            "channel": channel,
            "member": b.member(user_obj, permissions=permissions),
            "app_permissions": str(b.MODERATOR_PERMS if app_permissions is None else app_permissions),
            "locale": user_locale,  # the member's Discord language
            "guild_locale": guild_locale,  # the server's preferred locale
            "entitlements": [],
            "authorizing_integration_owners": {"0": guild["id"]},
            "context": 0,
            "data": data,
        }
        inter = Interaction(interaction_id, token, payload)
        self._world.add_interaction(inter)
        return inter

    def _command(self, name: str) -> Json:
        for scope in self._world.commands.values():
            for cmd in scope:
                if cmd["name"] == name:
                    return cmd
        synced = ", ".join(sorted(c["name"] for s in self._world.commands.values() for c in s))
        raise Refused(f"/{name} is not one of the bot's commands; its commands: {synced}")

    def _command_data(
        self,
        command: str,
        values: dict[str, Any],
        guild: Json,
        *,
        focused: str | None = None,
        strict: bool = True,
    ) -> Json:
        """The interaction ``data`` for ``/command [sub]`` with typed, checked options."""
        parts = command.split()
        cmd = self._command(parts[0])
        resolved: Json = {}
        declared = cmd.get("options", [])
        if len(parts) > 1:
            sub = next((o for o in declared if o["name"] == parts[1]), None)
            if sub is None:
                groups = (OptionType.subcommand, OptionType.subcommand_group)
                subs = ", ".join(o["name"] for o in declared if o["type"] in groups)
                raise Refused(f"/{parts[0]} has no subcommand `{parts[1]}`; try one of: {subs}")
            declared = sub.get("options", [])
        opts = self._options(declared, values, resolved, guild, focused=focused, strict=strict, command_label=command)
        if len(parts) > 1:
            opts = [{"type": int(OptionType.subcommand), "name": parts[1], "options": opts}]
        data: Json = {"id": cmd["id"], "name": cmd["name"], "type": int(CommandType.chat_input), "options": opts}
        if resolved:
            data["resolved"] = resolved
        return data

    # --- options, checked as Discord's client checks them -------------------------------------
    def _options(
        self,
        spec: list[Json],
        values: dict[str, Any],
        resolved: Json,
        guild: Json,
        *,
        focused: str | None = None,
        strict: bool = True,
        command_label: str = "command",
    ) -> list[Json]:
        """Typed options for the values, checked like Discord checks them against the synced command."""
        by_name = {o["name"]: o for o in spec}
        out = []
        for key, value in values.items():
            option = by_name.get(key)
            if option is None:
                known = ", ".join(sorted(by_name)) or "none"
                raise Refused(f"/{command_label} has no option `{key}`; its options: {known}")
            kind = option["type"]
            item: Json = {"name": key, "type": kind}
            if kind == OptionType.channel:
                item["value"] = self._channel_option(key, value, resolved, guild)
            elif kind == OptionType.attachment:
                attachment = self._upload(value)
                resolved.setdefault("attachments", {})[attachment["id"]] = attachment
                item["value"] = attachment["id"]
            elif kind == OptionType.user:
                uid = int(value["id"]) if isinstance(value, dict) else int(value)
                resolved.setdefault("users", {})[str(uid)] = (
                    value if isinstance(value, dict) else b.user(uid, f"user{uid}")
                )
                item["value"] = str(uid)
            else:
                item["value"] = value
                if strict and focused != key:
                    check_value(option, value)
            if focused == key:
                item["focused"] = True
            out.append(item)
        if strict and focused is None:
            missing = [o["name"] for o in spec if o.get("required") and o["name"] not in values]
            if missing:
                raise Refused(f"missing required option(s): {', '.join(missing)}")
        return out

    @staticmethod
    def _channel_option(key: str, value: Any, resolved: Json, guild: Json) -> str:
        channel = next((c for c in guild["channels"] if str(c["id"]) == str(value)), None)
        if channel is None:
            raise Refused(f"`{key}` must be a channel of this server")
        resolved.setdefault("channels", {})[str(value)] = {
            "id": str(value),
            "name": channel["name"],
            "type": int(ChannelType.text),
            "permissions": str(b.MODERATOR_PERMS),
            "guild_id": guild["id"],
            "parent_id": None,
            "position": channel["position"],
            "flags": 0,
            "permission_overwrites": channel["permission_overwrites"],
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "topic": None,
        }
        return str(value)


def check_value(option: Json, value: Any) -> None:
    """Refuse a value Discord's client would not send for this option (type, range, length, choices)."""
    name, low, high = option["name"], option.get("min_value"), option.get("max_value")
    if option["type"] == OptionType.integer:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Refused(f"`{name}` must be a whole number")
        if low is not None and value < low:
            raise Refused(f"`{name}` must be at least {low}")
        if high is not None and value > high:
            raise Refused(f"`{name}` must be at most {high}")
    if option["type"] == OptionType.string:
        if not isinstance(value, str):
            raise Refused(f"`{name}` must be text")
        longest, shortest = option.get("max_length"), option.get("min_length")
        if longest is not None and len(value) > longest:
            raise Refused(f"`{name}` can be at most {longest} characters")
        if shortest is not None and len(value) < shortest:
            raise Refused(f"`{name}` needs at least {shortest} characters")
    choices = [c["value"] for c in option.get("choices") or []]
    if choices and value not in choices:
        raise Refused(f"`{name}` must be one of: {', '.join(map(str, choices))}")
