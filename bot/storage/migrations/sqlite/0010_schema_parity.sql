-- 0010: the two schedule indexes defined as PostgreSQL's 0001 defines them (no PostgreSQL counterpart:
-- that side was already right). The keyset page of due servers (bot/storage/schedules.py) orders by
-- (next_post_at, guild_id). Every SQLite index ends with the rowid, which on guild_config is guild_id,
-- so the one-column indexes already served that order; naming guild_id keeps the query plan and makes
-- both stores hold one definition, which tests/storage/test_schema_parity.py checks from the catalogs.
DROP INDEX guild_config_due;
CREATE INDEX guild_config_due ON guild_config (countdown_next_post_at, guild_id) WHERE countdown_enabled = 1;

DROP INDEX guild_config_daily_due;
CREATE INDEX guild_config_daily_due ON guild_config (daily_next_post_at, guild_id) WHERE daily_enabled = 1;
