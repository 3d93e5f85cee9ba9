-- 0002: daily countdown posts and server events.
-- The schedule lives on guild_config; next_post_at is a UTC instant (ISO 8601) computed from
-- the local time and IANA zone, so the scheduler only ever compares instants.
ALTER TABLE guild_config ADD COLUMN countdown_channel_id INTEGER;
ALTER TABLE guild_config ADD COLUMN countdown_time TEXT;
ALTER TABLE guild_config ADD COLUMN countdown_timezone TEXT;
ALTER TABLE guild_config ADD COLUMN countdown_enabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE guild_config ADD COLUMN countdown_next_post_at TEXT;
ALTER TABLE guild_config ADD COLUMN countdown_disabled_reason TEXT;
ALTER TABLE guild_config ADD COLUMN countdown_last_nodate_post TEXT;

CREATE INDEX guild_config_due ON guild_config (countdown_next_post_at) WHERE countdown_enabled = 1;

-- One row per server and local day: the primary key makes a second post for a day impossible.
-- status 'pending' is written before the send (with the nonce Discord deduplicates on), 'sent'
-- once Discord accepted it; a crash in between retries with the same nonce, never a new post.
CREATE TABLE countdown_posts (
    guild_id   INTEGER NOT NULL,
    local_date TEXT    NOT NULL,
    status     TEXT    NOT NULL CHECK (status IN ('pending', 'sent', 'skipped')),
    nonce      TEXT    NOT NULL,
    message_id INTEGER,
    late       INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT    NOT NULL,
    PRIMARY KEY (guild_id, local_date)
) WITHOUT ROWID;

CREATE TABLE server_events (
    guild_id   INTEGER NOT NULL,
    name_key   TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    starts_at  TEXT    NOT NULL,
    has_time   INTEGER NOT NULL,
    timezone   TEXT    NOT NULL,
    created_by INTEGER NOT NULL,
    created_at TEXT    NOT NULL,
    PRIMARY KEY (guild_id, name_key)
) WITHOUT ROWID;
