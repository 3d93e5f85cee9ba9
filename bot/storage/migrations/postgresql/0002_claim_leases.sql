-- 0002 (SQLite's 0008): who holds a countdown post's claim, and since when.
ALTER TABLE countdown_posts ADD COLUMN claimed_by text;
ALTER TABLE countdown_posts ADD COLUMN claimed_at timestamptz;
