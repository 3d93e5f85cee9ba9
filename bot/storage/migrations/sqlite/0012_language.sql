-- 0012: the server's language for what the bot says in public (game messages, posts, public replies).
-- NULL: the server's preferred locale when the bot speaks it, else English (bot.i18n).
ALTER TABLE guild_config ADD COLUMN language TEXT;
