-- 0003: trivia games, answers, per-server scores and the no-repeat rotation.
CREATE TABLE trivia_channels (
    guild_id   INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    PRIMARY KEY (guild_id, channel_id)
) WITHOUT ROWID;

ALTER TABLE guild_config ADD COLUMN trivia_seconds INTEGER CHECK (trivia_seconds IS NULL OR trivia_seconds BETWEEN 5 AND 120);

CREATE TABLE trivia_games (
    id                  INTEGER PRIMARY KEY,
    guild_id            INTEGER NOT NULL,
    channel_id          INTEGER NOT NULL,
    starter_id          INTEGER NOT NULL,
    pack_id             TEXT    NOT NULL,
    total_questions     INTEGER NOT NULL,
    revealed            INTEGER NOT NULL DEFAULT 0,
    current_message_id  INTEGER,
    current_number      INTEGER NOT NULL DEFAULT 0,
    status              TEXT    NOT NULL CHECK (status IN ('running', 'finished', 'stopped', 'interrupted')),
    started_at          TEXT    NOT NULL,
    ended_at            TEXT
);
CREATE INDEX trivia_games_running ON trivia_games (status) WHERE status = 'running';

-- One row per revealed question: the primary key makes counting a question twice impossible.
CREATE TABLE trivia_questions_revealed (
    game_id     INTEGER NOT NULL REFERENCES trivia_games (id) ON DELETE CASCADE,
    number      INTEGER NOT NULL,
    question_id TEXT    NOT NULL,
    revealed_at TEXT    NOT NULL,
    PRIMARY KEY (game_id, number)
) WITHOUT ROWID;

CREATE TABLE trivia_answers (
    game_id  INTEGER NOT NULL,
    number   INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    option   INTEGER NOT NULL,
    correct  INTEGER NOT NULL,
    points   INTEGER NOT NULL,
    PRIMARY KEY (game_id, number, user_id),
    FOREIGN KEY (game_id, number) REFERENCES trivia_questions_revealed (game_id, number) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE trivia_scores (
    guild_id       INTEGER NOT NULL,
    user_id        INTEGER NOT NULL,
    points         INTEGER NOT NULL DEFAULT 0,
    answered       INTEGER NOT NULL DEFAULT 0,
    correct        INTEGER NOT NULL DEFAULT 0,
    games          INTEGER NOT NULL DEFAULT 0,
    wins           INTEGER NOT NULL DEFAULT 0,
    current_streak INTEGER NOT NULL DEFAULT 0,
    best_streak    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, user_id)
) WITHOUT ROWID;
-- Serves the leaderboard (top N) and "my rank" (count of rows ahead of me) as index range scans.
CREATE INDEX trivia_scores_board ON trivia_scores (guild_id, points DESC, correct DESC, user_id);

CREATE TABLE trivia_seen (
    guild_id    INTEGER NOT NULL,
    pack_id     TEXT    NOT NULL,
    question_id TEXT    NOT NULL,
    PRIMARY KEY (guild_id, pack_id, question_id)
) WITHOUT ROWID;
