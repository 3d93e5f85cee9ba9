-- 0004: "my rank" and the player count without walking a server's whole score table.
-- COUNT(*) over an index is linear in what it counts: ~60 ms for a rank near the bottom of a
-- 1,000,000-member server. A per-server histogram of points (how many members hold each score)
-- turns "how many are ahead of me" into a sum over distinct point values, plus a count of the
-- few members tied on my points. Triggers keep it exact inside the same transaction as every
-- score change, so it can never drift from trivia_scores.
CREATE TABLE trivia_points_histogram (
    guild_id INTEGER NOT NULL,
    points   INTEGER NOT NULL,
    players  INTEGER NOT NULL,
    PRIMARY KEY (guild_id, points)
) WITHOUT ROWID;

INSERT INTO trivia_points_histogram (guild_id, points, players)
    SELECT guild_id, points, COUNT(*) FROM trivia_scores WHERE answered > 0 GROUP BY guild_id, points;

CREATE TRIGGER trivia_scores_histogram_insert AFTER INSERT ON trivia_scores WHEN new.answered > 0
BEGIN
    INSERT INTO trivia_points_histogram (guild_id, points, players) VALUES (new.guild_id, new.points, 1)
        ON CONFLICT (guild_id, points) DO UPDATE SET players = players + 1;
END;

CREATE TRIGGER trivia_scores_histogram_delete AFTER DELETE ON trivia_scores WHEN old.answered > 0
BEGIN
    UPDATE trivia_points_histogram SET players = players - 1 WHERE guild_id = old.guild_id AND points = old.points;
END;

CREATE TRIGGER trivia_scores_histogram_update AFTER UPDATE OF points, answered ON trivia_scores
    WHEN old.points != new.points OR (old.answered > 0) != (new.answered > 0)
BEGIN
    UPDATE trivia_points_histogram SET players = players - 1
        WHERE guild_id = old.guild_id AND points = old.points AND old.answered > 0;
    INSERT INTO trivia_points_histogram (guild_id, points, players)
        SELECT new.guild_id, new.points, 1 WHERE new.answered > 0
        ON CONFLICT (guild_id, points) DO UPDATE SET players = players + 1;
END;

-- The board index only holds members who have answered, so ties are counted from the index alone.
DROP INDEX trivia_scores_board;
CREATE INDEX trivia_scores_board ON trivia_scores (guild_id, points DESC, correct DESC, user_id) WHERE answered > 0;
