-- 0005: the question of the day, its answers and each member's daily streak.
-- The schedule lives on guild_config like the countdown's (a UTC instant computed from a local
-- time and IANA zone), so one scheduler serves both.
ALTER TABLE guild_config ADD COLUMN daily_channel_id INTEGER;
ALTER TABLE guild_config ADD COLUMN daily_time TEXT;
ALTER TABLE guild_config ADD COLUMN daily_timezone TEXT;
ALTER TABLE guild_config ADD COLUMN daily_enabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE guild_config ADD COLUMN daily_next_post_at TEXT;
ALTER TABLE guild_config ADD COLUMN daily_disabled_reason TEXT;
-- NULL: each question stays open until the next one is posted; else hours after posting.
ALTER TABLE guild_config ADD COLUMN daily_window_hours INTEGER CHECK (daily_window_hours IS NULL OR daily_window_hours BETWEEN 1 AND 23);
CREATE INDEX guild_config_daily_due ON guild_config (daily_next_post_at) WHERE daily_enabled = 1;

-- One row per server and local day. The question and its button order are chosen when the row is
-- claimed (status 'pending', with the nonce Discord deduplicates on), so a retry after a crash sends
-- the very same post; 'posted' once Discord accepted it, 'revealed' once the answer was shown.
CREATE TABLE daily_questions (
    guild_id      INTEGER NOT NULL,
    local_date    TEXT    NOT NULL,
    pack_id       TEXT    NOT NULL,
    question_id   TEXT    NOT NULL,
    options       TEXT    NOT NULL,
    correct_index INTEGER NOT NULL,
    channel_id    INTEGER NOT NULL,
    nonce         TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('pending', 'posted', 'revealed')),
    message_id    INTEGER,
    late          INTEGER NOT NULL DEFAULT 0,
    posted_at     TEXT,
    closes_at     TEXT,
    revealed_at   TEXT,
    PRIMARY KEY (guild_id, local_date)
) WITHOUT ROWID;
CREATE INDEX daily_questions_open ON daily_questions (guild_id, local_date) WHERE status = 'posted';
CREATE INDEX daily_questions_closing ON daily_questions (closes_at) WHERE status = 'posted' AND closes_at IS NOT NULL;

-- One answer per member per day: the primary key makes a second lock-in impossible.
CREATE TABLE daily_answers (
    guild_id    INTEGER NOT NULL,
    local_date  TEXT    NOT NULL,
    user_id     INTEGER NOT NULL,
    option      INTEGER NOT NULL,
    correct     INTEGER NOT NULL,
    answered_at TEXT    NOT NULL,
    PRIMARY KEY (guild_id, local_date, user_id)
) WITHOUT ROWID;

-- Updated once per revealed question, in the transaction that reveals it.
CREATE TABLE daily_streaks (
    guild_id          INTEGER NOT NULL,
    user_id           INTEGER NOT NULL,
    current           INTEGER NOT NULL DEFAULT 0,
    best              INTEGER NOT NULL DEFAULT 0,
    last_correct_date TEXT,
    days_answered     INTEGER NOT NULL DEFAULT 0,
    days_right        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, user_id)
) WITHOUT ROWID;
CREATE INDEX daily_streaks_board ON daily_streaks (guild_id, last_correct_date, current DESC, best DESC, user_id);
