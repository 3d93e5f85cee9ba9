-- 0013: the outbox's ready index in the claim's own order (next attempt, then server), so taking the
-- next row reads one index entry instead of sorting every ready row: with 20,000 rows due at one
-- minute, a claim took ~13 ms of the database thread's CPU, and a broadcast's CPU per post grew with N.
DROP INDEX outbox_ready;
CREATE INDEX outbox_ready ON outbox (next_attempt_at, guild_id) WHERE state IN ('planned', 'attempting');
