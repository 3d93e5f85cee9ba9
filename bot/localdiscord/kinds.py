"""Discord's numbers by name: option types, interaction and callback types, flags, gateway opcodes.

Each enum copies Discord's documented values under the name discord.py gives them
(``discord.AppCommandOptionType.integer`` is ``OptionType.integer`` here), so the stand-in reads like the
bot's own code without importing the client library it stands in front of: the stand-in must say
what *Discord* does, not what discord.py believes (ARCHITECTURE: ``bot/localdiscord`` imports no
discord). ``tests/localdiscord/test_kinds.py`` checks every value against discord.py's enums.
"""

from __future__ import annotations

from enum import IntEnum, IntFlag


class OptionType(IntEnum):
    """``discord.AppCommandOptionType``."""

    subcommand = 1
    subcommand_group = 2
    string = 3
    integer = 4
    boolean = 5
    user = 6
    channel = 7
    role = 8
    mentionable = 9
    number = 10
    attachment = 11


class CommandType(IntEnum):
    """``discord.AppCommandType``."""

    chat_input = 1
    user = 2
    message = 3


class InteractionType(IntEnum):
    """``discord.InteractionType``."""

    ping = 1
    application_command = 2
    component = 3
    autocomplete = 4
    modal_submit = 5


class CallbackType(IntEnum):
    """``discord.InteractionResponseType``: what an interaction callback asks for."""

    pong = 1
    channel_message = 4
    deferred_channel_message = 5
    deferred_message_update = 6
    message_update = 7
    autocomplete_result = 8
    modal = 9


class ComponentType(IntEnum):
    """``discord.ComponentType``."""

    action_row = 1
    button = 2
    string_select = 3


class MessageType(IntEnum):
    """``discord.MessageType``."""

    default = 0
    chat_input_command = 20


class MessageFlag(IntFlag):
    """``discord.MessageFlags``: the two a bot's replies carry."""

    ephemeral = 1 << 6
    loading = 1 << 7


class ChannelType(IntEnum):
    """``discord.ChannelType``."""

    text = 0


class EntityType(IntEnum):
    """``discord.EntityType``: where a scheduled event happens."""

    stage_instance = 1
    voice = 2
    external = 3


class EventStatus(IntEnum):
    """``discord.EventStatus``."""

    scheduled = 1
    active = 2
    completed = 3
    cancelled = 4


class Op(IntEnum):
    """Gateway opcodes, named as ``discord.gateway.DiscordWebSocket``'s constants (lower case)."""

    dispatch = 0
    heartbeat = 1
    identify = 2
    resume = 6
    reconnect = 7
    request_members = 8
    invalidate_session = 9
    hello = 10
    heartbeat_ack = 11
