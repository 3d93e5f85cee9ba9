"""The SQL tokenizer: placeholders and statement ends, never inside strings, names, comments or bodies."""

from __future__ import annotations

import pytest

from bot.storage.sqltext import SqlTextError, numbered_placeholders, split_statements, tokens


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT ? , ?", "SELECT $1 , $2"),
        ("UPDATE t SET a = ?2 WHERE b = ?1", "UPDATE t SET a = $2 WHERE b = $1"),
        ("SELECT '?' , ?", "SELECT '?' , $1"),
        ("SELECT 'it''s ?' , ?", "SELECT 'it''s ?' , $1"),
        ('SELECT "odd?name" FROM t WHERE x = ?', 'SELECT "odd?name" FROM t WHERE x = $1'),
        ("SELECT ? -- a comment? yes\n, ?", "SELECT $1 -- a comment? yes\n, $2"),
        ("SELECT /* ? */ ?", "SELECT /* ? */ $1"),
        ("SELECT $$ body ? $$, ?", "SELECT $$ body ? $$, $1"),
        ("SELECT $fn$ a ? b $fn$, ?", "SELECT $fn$ a ? b $fn$, $1"),
        ("SELECT data ?| array['a'] FROM t WHERE id = ?", "SELECT data ?| array['a'] FROM t WHERE id = $1"),
        ("SELECT data ?& array['a'], ?", "SELECT data ?& array['a'], $1"),
    ],
)
def test_placeholders_are_numbered_only_in_code(sql: str, expected: str) -> None:
    assert numbered_placeholders(sql) == expected


def test_tokens_give_back_the_text_exactly() -> None:
    sql = 'SELECT \'a;b\', "c""d", $$x;y$$ -- z;\n/* w; */ ?3;'
    assert "".join(t.text for t in tokens(sql)) == sql


@pytest.mark.parametrize("bad", ["SELECT 'open", 'SELECT "open', "SELECT /* open", "SELECT $$ open"])
def test_unterminated_text_is_refused(bad: str) -> None:
    with pytest.raises(SqlTextError):
        list(tokens(bad))


def test_statements_split_only_at_real_ends() -> None:
    script = """
    -- a comment; with a semicolon
    CREATE TABLE a (note TEXT DEFAULT 'x;y');  /* another; one */
    INSERT INTO a (note) VALUES ('semi;colon');
    CREATE TRIGGER t AFTER INSERT ON a BEGIN
        UPDATE a SET note = 'in;body';
        SELECT 1;
    END;
    """
    statements = split_statements(script)
    assert len(statements) == 3
    assert statements[0].startswith("CREATE TABLE a") and "'x;y'" in statements[0]
    assert statements[1] == "INSERT INTO a (note) VALUES ('semi;colon');"
    assert statements[2].startswith("CREATE TRIGGER t") and statements[2].endswith("END;")
    assert all("another" not in s and "a comment" not in s for s in statements)
