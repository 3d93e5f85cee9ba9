-- 0001: the bot's own bookkeeping and per-server settings.
-- meta holds small key/value facts about the installation (the hash of the last synced
-- command tree, so start-up only writes commands to Discord when they changed).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- One row per server that changed a setting; absent columns mean "the default".
CREATE TABLE guild_config (
    guild_id       INTEGER PRIMARY KEY,
    spoiler_season INTEGER CHECK (spoiler_season IS NULL OR spoiler_season >= 1),
    updated_at     TEXT NOT NULL
);
