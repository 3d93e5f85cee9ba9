-- 0009: one outbox for everything the bot does on its own (bot.storage.outbox).
-- Every side effect the bot starts by itself (a countdown post, a question of the day, its reveal
-- edit, a recovered game's notice, a scheduled event made, moved or removed) is a row here before
-- it happens, unique per (kind, server, key): a second countdown post for one local day cannot even
-- be planned. State moves planned -> attempting -> done, or abandoned with a reason. Leases and
-- attempt times are on the database's clock; due and next-attempt times on the scheduler's.
CREATE TABLE outbox (
    kind             TEXT    NOT NULL,
    guild_id         INTEGER NOT NULL,
    key              TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    state            TEXT    NOT NULL DEFAULT 'planned'
                     CHECK (state IN ('planned', 'attempting', 'done', 'abandoned')),
    version          INTEGER NOT NULL DEFAULT 1,
    attempts         INTEGER NOT NULL DEFAULT 0,
    due_at           TEXT    NOT NULL,
    next_attempt_at  TEXT    NOT NULL,
    first_attempt_at TEXT,
    last_attempt_at  TEXT,
    holder           TEXT,
    lease_until      TEXT,
    channel_id       INTEGER,
    discord_id       INTEGER,
    outcome          TEXT,
    reason           TEXT,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL,
    PRIMARY KEY (kind, guild_id, key)
) WITHOUT ROWID;
CREATE INDEX outbox_ready ON outbox (next_attempt_at) WHERE state IN ('planned', 'attempting');
CREATE INDEX outbox_recent ON outbox (guild_id, updated_at);

-- The countdown's own ledger becomes outbox rows. A post still pending at the upgrade has an
-- unknown outcome: it is not sent again (at most once beats twice for a daily post).
INSERT INTO outbox (kind, guild_id, key, payload, state, attempts, due_at, next_attempt_at, channel_id,
                    discord_id, outcome, reason, created_at, updated_at)
SELECT 'countdown', guild_id, local_date, '{}',
       CASE status WHEN 'pending' THEN 'abandoned' ELSE 'done' END,
       CASE status WHEN 'skipped' THEN 0 ELSE 1 END,
       updated_at, updated_at, NULL, message_id,
       CASE status WHEN 'sent' THEN 'sent' WHEN 'skipped' THEN 'skipped' ELSE NULL END,
       CASE status WHEN 'pending' THEN 'outcome unknown when the bot was upgraded; not sent again' ELSE NULL END,
       updated_at, updated_at
FROM countdown_posts;
DROP TABLE countdown_posts;

-- A live game names the process running it and when that process last said so: a new process
-- closes only games whose process is gone (a rolling deploy's old process keeps its games).
ALTER TABLE trivia_games ADD COLUMN holder TEXT;
ALTER TABLE trivia_games ADD COLUMN heartbeat_at TEXT;

-- Scheduled events: a server whose events must be brought in step with its releases and events.
ALTER TABLE guild_config ADD COLUMN release_events_dirty INTEGER NOT NULL DEFAULT 0;
UPDATE guild_config SET release_events_dirty = 1 WHERE release_events_enabled = 1;
