-- 0003 (SQLite's 0009): one outbox for everything the bot does on its own (see the SQLite file).
CREATE TABLE outbox (
    kind             text        NOT NULL,
    guild_id         bigint      NOT NULL,
    key              text        NOT NULL,
    payload          text        NOT NULL,
    state            text        NOT NULL DEFAULT 'planned'
                     CHECK (state IN ('planned', 'attempting', 'done', 'abandoned')),
    version          integer     NOT NULL DEFAULT 1,
    attempts         integer     NOT NULL DEFAULT 0,
    due_at           timestamptz NOT NULL,
    next_attempt_at  timestamptz NOT NULL,
    first_attempt_at timestamptz,
    last_attempt_at  timestamptz,
    holder           text,
    lease_until      timestamptz,
    channel_id       bigint,
    discord_id       bigint,
    outcome          text,
    reason           text,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    PRIMARY KEY (kind, guild_id, key)
);
CREATE INDEX outbox_ready ON outbox (next_attempt_at) WHERE state IN ('planned', 'attempting');
CREATE INDEX outbox_recent ON outbox (guild_id, updated_at);

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

ALTER TABLE trivia_games ADD COLUMN holder text;
ALTER TABLE trivia_games ADD COLUMN heartbeat_at timestamptz;

ALTER TABLE guild_config ADD COLUMN release_events_dirty integer NOT NULL DEFAULT 0;
UPDATE guild_config SET release_events_dirty = 1 WHERE release_events_enabled = 1;
