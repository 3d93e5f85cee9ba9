-- 0007: releases and server events as Discord Guild Scheduled Events.
-- A server turns it on; the bot remembers which Discord event it made for which target, so a
-- restart never makes a second one and only its own events are ever edited or deleted.
ALTER TABLE guild_config ADD COLUMN release_events_enabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE guild_config ADD COLUMN release_events_problem TEXT;

CREATE TABLE scheduled_events (
    guild_id         INTEGER NOT NULL,
    target_key       TEXT    NOT NULL,
    discord_event_id INTEGER NOT NULL,
    name             TEXT    NOT NULL,
    starts_at        TEXT    NOT NULL,
    PRIMARY KEY (guild_id, target_key)
) WITHOUT ROWID;
