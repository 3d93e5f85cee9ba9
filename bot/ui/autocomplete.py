"""Autocomplete helpers shared by several commands."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.domain import schedule


async def zone_autocomplete(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
    """IANA zones containing what was typed, shortest first (Europe/London before Europe/Londonderry)."""
    needle = current.strip().casefold().replace(" ", "_")
    names = (
        [z for z in schedule.zone_names() if needle in z.casefold()]
        if needle
        else [
            "UTC",
            "Europe/London",
            "Europe/Dublin",
            "Europe/Paris",
            "America/New_York",
            "America/Chicago",
            "America/Los_Angeles",
            "America/Sao_Paulo",
            "Asia/Manila",
            "Asia/Tokyo",
            "Australia/Sydney",
        ]
    )
    names.sort(key=lambda z: (not z.casefold().startswith(needle) and "/" + needle not in z.casefold(), len(z), z))
    return [app_commands.Choice(name=z, value=z) for z in names[:25]]
