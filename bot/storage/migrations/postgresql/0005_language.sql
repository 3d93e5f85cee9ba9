-- 0005 (SQLite's 0012): the server's language for what the bot says in public; NULL: its preferred locale.
ALTER TABLE guild_config ADD COLUMN language text;
