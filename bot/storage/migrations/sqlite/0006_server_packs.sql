-- 0006: trivia packs a server uploads for itself. The YAML is kept as uploaded (it is validated
-- by the same loader as data/trivia/ before it is stored, and again when read), so a pack author
-- can download exactly what they sent; nothing here is shared between servers.
CREATE TABLE server_packs (
    guild_id    INTEGER NOT NULL,
    pack_id     TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    questions   INTEGER NOT NULL,
    source_yaml TEXT    NOT NULL,
    uploaded_by INTEGER NOT NULL,
    uploaded_at TEXT    NOT NULL,
    PRIMARY KEY (guild_id, pack_id)
) WITHOUT ROWID;
