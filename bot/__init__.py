"""heartstopper-bot: a Discord bot for Heartstopper fan servers.

Importing this package has no side effects: settings, content and the database are only
touched by the composition root in ``bot.__main__``.
"""

__version__ = "0.1.0"
