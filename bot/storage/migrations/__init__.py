"""Numbered SQL migrations, applied in order by ``bot.storage.migrate``."""
