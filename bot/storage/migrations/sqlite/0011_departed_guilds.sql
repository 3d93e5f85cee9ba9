-- 0011: servers the bot was removed from, and when (bot.storage.privacy). Discord's Developer Policy
-- wants a server's data gone once the bot no longer serves it: after FORGET_LEFT_SERVERS_DAYS the
-- retention planner deletes every row of a server listed here, unless the bot came back first
-- (a comeback deletes the row). An outage (GUILD_DELETE with unavailable: true) is not a removal
-- and never lands here. WITHOUT ROWID: an INTEGER PRIMARY KEY of a rowid table would be the rowid,
-- numbered when left out, which PostgreSQL's bigint key is not.
CREATE TABLE departed_guilds (
    guild_id INTEGER NOT NULL PRIMARY KEY,
    left_at  TEXT    NOT NULL
) WITHOUT ROWID;
-- The planner's next due time and its due servers: the earliest departures first.
CREATE INDEX departed_guilds_left ON departed_guilds (left_at, guild_id);
