"""The playground: the real bot against the built-in local Discord, used from a web page.

``heartstopper-bot playground`` needs no token and no Discord account: it starts
``bot.localdiscord`` on 127.0.0.1, connects the same bot as production to it (same cogs,
services, SQLite and content) and serves a page that looks and behaves like a Discord channel.
"""
