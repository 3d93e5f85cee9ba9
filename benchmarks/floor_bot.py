"""The floor for the interaction benchmark: a bare discord.py client that answers every button with a constant.

Run by ``benchmarks/interactions.py`` as its own process, with the same endpoints and intents as
the real bot, so the difference between the two is what our routing, rules and replies cost.
"""

from __future__ import annotations

import os

import discord
import yarl


class FloorClient(discord.Client):
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.type is discord.InteractionType.component:
            await interaction.response.send_message("ok", ephemeral=True)


def main() -> None:
    discord.http.Route.BASE = os.environ["DISCORD_API_BASE"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    intents = discord.Intents.none()
    intents.guilds = True
    FloorClient(intents=intents).run(os.environ["DISCORD_TOKEN"], log_handler=None)


if __name__ == "__main__":
    main()
