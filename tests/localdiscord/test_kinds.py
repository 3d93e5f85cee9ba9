"""The stand-in's copies of Discord's numbers agree with discord.py's enums of the same names."""

from __future__ import annotations

from enum import Enum

import discord
import pytest

from bot.localdiscord import kinds

PAIRS = [
    (kinds.OptionType, discord.AppCommandOptionType),
    (kinds.CommandType, discord.AppCommandType),
    (kinds.InteractionType, discord.InteractionType),
    (kinds.CallbackType, discord.InteractionResponseType),
    (kinds.ChannelType, discord.ChannelType),
    (kinds.EntityType, discord.EntityType),
    (kinds.EventStatus, discord.EventStatus),
    (kinds.MessageType, discord.MessageType),
]


@pytest.mark.parametrize(("ours", "theirs"), PAIRS, ids=lambda e: e.__name__)
def test_enum_values_match_discord_py(ours: type[Enum], theirs: type[Enum]):
    for member in ours:
        assert theirs[member.name].value == member.value, f"{ours.__name__}.{member.name}"


def test_component_types_match():
    assert kinds.ComponentType.action_row == discord.ComponentType.action_row.value
    assert kinds.ComponentType.button == discord.ComponentType.button.value
    assert kinds.ComponentType.string_select == discord.ComponentType.string_select.value


def test_message_flags_match():
    assert kinds.MessageFlag.ephemeral == discord.MessageFlags(ephemeral=True).value
    assert kinds.MessageFlag.loading == discord.MessageFlags(loading=True).value


def test_gateway_opcodes_match():
    for op in kinds.Op:
        assert getattr(discord.gateway.DiscordWebSocket, op.name.upper()) == op.value, op.name
