-- 0004 (SQLite's 0011): servers the bot was removed from, and when (see the SQLite file).
CREATE TABLE departed_guilds (
    guild_id bigint      NOT NULL PRIMARY KEY,
    left_at  timestamptz NOT NULL
);
CREATE INDEX departed_guilds_left ON departed_guilds (left_at, guild_id);
