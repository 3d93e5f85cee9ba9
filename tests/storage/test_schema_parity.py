"""Both migration trees build one schema, as each database's own catalog reports it.

The trees are numbered differently (PostgreSQL's 0001 is SQLite's 0001–0007, its 0002 is 0008, its
0003 is 0009; SQLite's 0010 has no counterpart, it brought two SQLite indexes to PostgreSQL's
definition) and are written by hand in two dialects, so nothing but a test keeps them in step.
Comparing column names alone let a type, a CHECK, an index or a trigger drift unseen; comparing the
``.sql`` files as text would compare what we meant, not what each database built. So this test
migrates a fresh SQLite file and a fresh PostgreSQL database and reads back, per table, from
``PRAGMA table_info``/``index_list``/``index_xinfo``/``foreign_key_list`` and
``sqlite_master`` on one side, and from ``information_schema.columns``, ``pg_index``,
``pg_constraint``, ``pg_trigger`` and ``pg_proc`` on the other:

- columns: the type class (SQLite ``INTEGER`` ↔ ``smallint``/``integer``/``bigint``; ``TEXT`` ↔
  ``text``, except instants, named ``*_at`` or ``*_until``, which are ``TEXT`` ↔ ``timestamptz``;
  ``REAL`` ↔ ``double precision``; ``BLOB`` ↔ ``bytea``), nullability (a primary key column that
  SQLite cannot hold NULL in counts as NOT NULL), and the default (``'planned'`` and
  ``'planned'::text`` are one default, as are ``CURRENT_TIMESTAMP`` and ``now()``, and an
  ``INTEGER PRIMARY KEY`` rowid and an identity column are both "generated");
- primary keys (columns in order), unique constraints, foreign keys (columns, parent, ON DELETE
  and ON UPDATE), CHECK constraints compared as expressions (``IN (...)`` as a set of allowed
  values, ``BETWEEN`` as the range PostgreSQL stores as ``>= AND <=``);
- indexes: name, columns in order with their direction, uniqueness and the partial ``WHERE``;
- triggers: name, table, timing, events and ``UPDATE OF`` columns. Bodies are each dialect's own
  language and are not compared; what they do is tested on both stores by the storage tests.

Two rules only PostgreSQL can break are checked too (a Discord id, ``*_id``/``*_by``/``id``,
narrower than ``bigint``; a function no trigger uses), and ``migrate-db``'s table list against the
schema's tables and foreign keys.

Column order, constraint names, SQLite's ``WITHOUT ROWID`` and PostgreSQL's ``schema_version``
table (SQLite keeps its version in ``PRAGMA user_version``) are storage details, not schema.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.storage import open_database
from bot.storage.copy import DERIVED, TABLES
from bot.storage.migrate import latest_version, migrate

# Differences that are deliberate, each exactly as the comparison words it, with the reason.
# Keep this short: every entry is a place where the two stores behave differently. An entry that
# no longer matches a difference fails the test, so it cannot outlive its reason.
ALLOWED: dict[str, str] = {
    "guild_config.guild_id: default <generated> on sqlite, none on postgresql": (
        "SQLite makes an INTEGER PRIMARY KEY the rowid, numbered when an INSERT leaves it out; every "
        "writer gives the server's id, so PostgreSQL's refusal of a missing one never happens (changing "
        "it would rebuild guild_config for no gain)"
    ),
}

# PostgreSQL's migration runner records versions in a table (SQLite's in PRAGMA user_version).
PG_BOOKKEEPING = {"schema_version"}


# --- SQL expressions, normalised ---------------------------------------------------------------
# Each catalog gives CHECKs, partial-index predicates and defaults back in its own spelling:
# PostgreSQL adds casts ('running'::text), turns IN into = ANY (ARRAY[...]) and BETWEEN into
# >= AND <=, and drops or adds parentheses. A small parser turns either spelling into one
# canonical text, so equal meanings compare equal and a difference reads as SQL.

_TOKEN = re.compile(
    r"""
    (?P<space>\s+|--[^\n]*|/\*.*?\*/)
    |(?P<string>'(?:[^']|'')*')
    |(?P<name>"(?:[^"]|"")*"|`[^`]*`)
    |(?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)
    |(?P<word>[A-Za-z_][A-Za-z_0-9$]*)
    |(?P<op><=|>=|<>|!=|==|::|\|\||[-+*/%<>=(),.\[\];])
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class Tok:
    kind: str  # string (unquoted value), name (a quoted identifier), number, word (lower-cased), op
    text: str


def lex(sql: str) -> list[Tok]:
    out: list[Tok] = []
    pos = 0
    while pos < len(sql):
        match = _TOKEN.match(sql, pos)
        if match is None:
            raise ValueError(f"cannot read SQL at {sql[pos : pos + 20]!r}")
        pos = match.end()
        kind, text = match.lastgroup or "", match.group()
        if kind == "space":
            continue
        if kind == "string":
            text = text[1:-1].replace("''", "'")
        elif kind == "name":
            text = text[1:-1].replace('""', '"').lower()
        elif kind == "word":
            text = text.lower()
        out.append(Tok(kind, text))
    return out


_TYPE_WORDS = {
    "bigint", "boolean", "bytea", "char", "character", "date", "double", "int", "int2", "int4", "int8",
    "integer", "interval", "json", "jsonb", "numeric", "precision", "real", "smallint", "text", "time",
    "timestamp", "timestamptz", "varchar", "varying", "with", "without", "zone",
}  # fmt: skip
_NUMERIC_TYPES = {"bigint", "int", "int2", "int4", "int8", "integer", "numeric", "real", "smallint", "double precision"}
_COMPARISONS = {"=": "=", "==": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_FLIPPED = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_NOW = {"now", "current_timestamp", "transaction_timestamp"}

Node = tuple[Any, ...]


class _Parser:
    """A recursive-descent parser for the expressions a schema holds (no subqueries, no CASE)."""

    def __init__(self, tokens: Sequence[Tok]) -> None:
        self.toks = list(tokens)
        self.i = 0

    def peek(self, offset: int = 0) -> Tok | None:
        j = self.i + offset
        return self.toks[j] if j < len(self.toks) else None

    def at(self, *texts: str, offset: int = 0) -> bool:
        tok = self.peek(offset)
        return tok is not None and tok.kind in ("word", "op") and tok.text in texts

    def take(self, *texts: str) -> Tok:
        tok = self.peek()
        if tok is None or (texts and not self.at(*texts)):
            raise ValueError(f"expected {texts or 'more'}, found {tok}")
        self.i += 1
        return tok

    def parse(self) -> Node:
        node = self.disjunction()
        if self.peek() is not None:
            raise ValueError(f"unexpected {self.peek()}")
        return node

    def disjunction(self) -> Node:
        return self.joined("or", self.conjunction)

    def conjunction(self) -> Node:
        return self.joined("and", self.negation)

    def joined(self, word: str, operand: Callable[[], Node]) -> Node:
        """``operand [word operand]…`` as one flat set: AND and OR chains read alike, in an order that means nothing."""
        items = [operand()]
        while self.at(word):
            self.take()
            items.append(operand())
        return _flat(word, items)

    def negation(self) -> Node:
        if self.at("not"):
            self.take()
            return ("not", self.negation())
        return self.predicate()

    def predicate(self) -> Node:
        left = self.sum()
        negated = False
        if self.at("not") and self.at("in", "between", "like", "glob", offset=1):
            self.take()
            negated = True
        if self.at("is"):
            self.take()
            negated = self.at("not")
            if negated:
                self.take()
            if self.at("null"):
                self.take()
                return ("null", left, negated)
            if self.at("distinct"):
                self.take()
                self.take("from")
                return ("distinct", left, self.sum(), not negated)
            return ("distinct", left, self.sum(), negated)  # SQLite's a IS [NOT] b
        if self.at("in"):
            self.take()
            self.take("(")
            values = self.items(")")
            return ("in", left, frozenset(values), negated)
        if self.at("between"):
            self.take()
            low = self.sum()
            self.take("and")
            high = self.sum()
            node = _flat("and", [_compare(">=", left, low), _compare("<=", left, high)])
            return ("not", node) if negated else node
        if self.at("like", "glob"):
            op = self.take().text
            node = ("cmp", op, left, self.sum())
            return ("not", node) if negated else node
        if self.at(*_COMPARISONS):
            op = _COMPARISONS[self.take().text]
            if self.at("any", "some", "all") and self.at("(", offset=1):
                quantifier = self.take().text
                self.take("(")
                array = self.disjunction()
                self.take(")")
                if array[0] == "array" and (op, quantifier) in (("=", "any"), ("=", "some"), ("<>", "all")):
                    return ("in", left, frozenset(array[1]), op == "<>")
                return ("cmp", f"{op} {quantifier}", left, array)
            return _compare(op, left, self.sum())
        return left

    def sum(self) -> Node:
        return self.arithmetic(("+", "-", "||"), self.product)

    def product(self) -> Node:
        return self.arithmetic(("*", "/", "%"), self.unary)

    def arithmetic(self, ops: tuple[str, ...], operand: Callable[[], Node]) -> Node:
        """``operand [op operand]…`` grouped from the left, as SQL does: one shape for each precedence level."""
        node = operand()
        while self.at(*ops):
            op = self.take().text
            node = ("arith", op, node, operand())
        return node

    def unary(self) -> Node:
        if self.at("-"):
            self.take()
            inner = self.unary()
            if inner[0] == "lit" and isinstance(inner[1], int | float):
                return ("lit", -inner[1])
            return ("neg", inner)
        if self.at("+"):
            self.take()
            return self.unary()
        return self.casts(self.primary())

    def casts(self, node: Node) -> Node:
        """``x::type`` is x: PostgreSQL spells every literal with its type. A text literal cast to a
        number is that number (PostgreSQL writes a default of -1 as ``'-1'::integer``)."""
        while self.at("::"):
            self.take()
            words = []
            while (tok := self.peek()) is not None and tok.kind == "word" and tok.text in _TYPE_WORDS:
                words.append(self.take().text)
            if self.at("("):
                self.take()
                self.items(")")
            is_array = False
            while self.at("["):
                self.take()
                self.take("]")
                is_array = True
            type_name = " ".join(words)
            if node[0] == "lit" and isinstance(node[1], str):
                if is_array and node[1].startswith("{"):
                    node = ("array", tuple(("lit", v) for v in node[1].strip("{}").split(",") if v))
                elif type_name in _NUMERIC_TYPES:
                    node = ("lit", float(node[1]) if "." in node[1] else int(node[1]))
        return node

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind == "string":
            return ("lit", tok.text)
        if tok.kind == "number":
            return ("lit", float(tok.text) if "." in tok.text or "e" in tok.text.lower() else int(tok.text))
        if tok.kind == "op" and tok.text == "(":
            node = self.disjunction()
            if self.at(","):  # a row value: (a, b)
                self.take()
                node = ("row", (node, *self.items(")")))
            else:
                self.take(")")
            return node
        if tok.kind == "word" and tok.text == "array" and self.at("["):
            self.take()
            return ("array", tuple(self.items("]")))
        if tok.kind == "word" and tok.text in ("null", "true", "false"):
            return ("lit", {"null": None, "true": 1, "false": 0}[tok.text])
        if tok.kind == "word" and tok.text in _NOW and not self.at("("):
            return ("now",)
        if tok.kind in ("word", "name"):
            if self.at("("):
                self.take()
                args: tuple[Node, ...] = ()
                if self.at(")"):
                    self.take()
                else:
                    args = tuple(self.items(")"))
                return ("now",) if tok.text in _NOW and not args else ("call", tok.text, args)
            name = tok.text
            while self.at("."):
                self.take()
                name += "." + self.take().text
            return ("col", name)
        raise ValueError(f"unexpected {tok}")

    def items(self, close: str) -> list[Node]:
        values = [self.disjunction()]
        while self.at(","):
            self.take()
            values.append(self.disjunction())
        self.take(close)
        return values


def _flat(kind: str, items: list[Node]) -> Node:
    if len(items) == 1:
        return items[0]
    flat: set[Node] = set()
    for item in items:
        flat.update(item[1] if item[0] == kind else [item])
    return (kind, frozenset(flat))


def _compare(op: str, left: Node, right: Node) -> Node:
    """``5 <= x`` is ``x >= 5``; ``b = a`` is ``a = b``: a literal goes right, two names in order."""
    if left[0] == "lit" and right[0] != "lit":
        return ("cmp", _FLIPPED[op], right, left)
    if op in ("=", "<>") and right[0] != "lit" and render(right) < render(left):
        return ("cmp", op, right, left)
    return ("cmp", op, left, right)


def render(node: Node) -> str:
    """The canonical text of a parsed expression: sets sorted, ranges as BETWEEN, casts gone."""
    match node:
        case ("col", name):
            return name
        case ("lit", None):
            return "NULL"
        case ("lit", str(text)):
            return "'" + text.replace("'", "''") + "'"
        case ("lit", number):
            return repr(number)
        case ("now",):
            return "CURRENT_TIMESTAMP"
        case ("cmp", op, left, right):
            return f"{render(left)} {op.upper()} {render(right)}"
        case ("in", left, values, negated):
            return f"{render(left)} {'NOT IN' if negated else 'IN'} ({_listed(values, sort=True)})"
        case ("null", operand, negated):
            return f"{render(operand)} IS {'NOT NULL' if negated else 'NULL'}"
        case ("distinct", left, right, distinct):
            return f"{render(left)} IS {'' if distinct else 'NOT '}DISTINCT FROM {render(right)}"
        case ("and", items):
            return " AND ".join(sorted(_ranges(items)))
        case ("or", items):  # a conjunction inside gets parentheses, unless it reads as one BETWEEN
            parts = [(render(item), item[0] == "and" and len(_ranges(item[1])) > 1) for item in items]
            return " OR ".join(f"({r})" if wrap else r for r, wrap in sorted(parts))
        case ("not", inner):
            return f"NOT ({render(inner)})"
        case ("neg", inner):
            return f"-({render(inner)})"
        case ("arith", op, left, right):
            return f"({render(left)} {op} {render(right)})"
        case ("call", name, args):
            return f"{name}({_listed(args)})"
        case ("array", items):
            return f"ARRAY[{_listed(items)}]"
        case ("row", items):
            return f"({_listed(items)})"
    raise AssertionError(node)


def _listed(nodes: Iterable[Node], *, sort: bool = False) -> str:
    """The nodes' texts, comma-separated: sorted where order carries no meaning (IN's values)."""
    texts = [render(n) for n in nodes]
    return ", ".join(sorted(texts) if sort else texts)


def _ranges(items: Iterable[Node]) -> list[str]:
    """``x >= 5 AND x <= 120`` reads as ``x BETWEEN 5 AND 120`` (how SQLite's migrations say it)."""
    rest = set(items)
    out = []
    for low in sorted((n for n in rest if n[0] == "cmp" and n[1] == ">=" and n[3][0] == "lit"), key=render):
        high = next((n for n in rest if n[0] == "cmp" and n[1] == "<=" and n[2] == low[2] and n[3][0] == "lit"), None)
        if high is not None and low in rest:
            rest -= {low, high}
            out.append(f"{render(low[2])} BETWEEN {render(low[3])} AND {render(high[3])}")
    out.extend(f"({render(n)})" if n[0] == "or" else render(n) for n in rest)
    return out


def normalise(sql: str | Sequence[Tok]) -> str:
    """One spelling for one meaning; what the parser cannot read is compared as its tokens."""
    tokens = lex(sql) if isinstance(sql, str) else list(sql)
    try:
        return render(_Parser(tokens).parse())
    except (ValueError, IndexError):
        return " ".join(f"'{t.text}'" if t.kind == "string" else t.text for t in tokens)


def _groups(tokens: Sequence[Tok], start: int) -> tuple[list[list[Tok]], int]:
    """The comma-separated items of the parenthesised list opening at ``tokens[start]``, and the index after it."""
    depth, items, current = 0, [], list[Tok]()
    for j in range(start, len(tokens)):
        tok = tokens[j]
        if tok.kind == "op" and tok.text in "([":
            depth += 1
            if depth == 1:
                continue
        elif tok.kind == "op" and tok.text in ")]":
            depth -= 1
            if depth == 0:
                items.append(current)
                return items, j + 1
        elif depth == 1 and tok.kind == "op" and tok.text == ",":
            items.append(current)
            current = []
            continue
        current.append(tok)
    raise ValueError("unbalanced parentheses")


# --- one store's schema, as its catalog says -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    kind: str  # the type class both stores share: integer, text, instant, real, blob, …
    declared: str  # the type as the store spells it, for messages and the snowflake rule
    not_null: bool
    default: str | None


@dataclass(frozen=True, slots=True)
class ForeignKey:
    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]
    on_delete: str
    on_update: str

    def __str__(self) -> str:
        return (
            f"({', '.join(self.columns)}) REFERENCES {self.parent} ({', '.join(self.parent_columns)}) "
            f"ON DELETE {self.on_delete} ON UPDATE {self.on_update}"
        )


@dataclass(frozen=True, slots=True)
class Index:
    table: str
    columns: tuple[str, ...]  # in order, each "name" or "name DESC"
    unique: bool
    where: str | None


@dataclass(frozen=True, slots=True)
class Trigger:
    timing: str  # BEFORE, AFTER, INSTEAD OF
    events: tuple[str, ...]  # INSERT, DELETE, UPDATE, UPDATE OF a, b
    level: str  # ROW or STATEMENT


@dataclass
class Table:
    columns: dict[str, Column] = field(default_factory=dict)
    primary_key: tuple[str, ...] = ()
    uniques: set[tuple[str, ...]] = field(default_factory=set)
    foreign_keys: set[ForeignKey] = field(default_factory=set)
    checks: set[str] = field(default_factory=set)
    triggers: dict[str, Trigger] = field(default_factory=dict)


@dataclass(repr=False)
class Schema:
    dialect: str
    version: int
    tables: dict[str, Table] = field(default_factory=dict)
    indexes: dict[str, Index] = field(default_factory=dict)
    views: set[str] = field(default_factory=set)
    functions: dict[str, int] = field(default_factory=dict)  # PostgreSQL: function name -> triggers using it

    def __repr__(self) -> str:  # a failing test prints its fixtures: a line, not the whole schema
        return f"<{self.dialect} schema {self.version:04d}: {len(self.tables)} tables, {len(self.indexes)} indexes>"


def is_instant(column: str) -> bool:
    """Instants are named for it: ``*_at`` (``posted_at``), ``*_until`` (``lease_until``)."""
    return column.endswith(("_at", "_until"))


def is_snowflake(column: str) -> bool:
    """Discord ids (and the ids the bot makes alike): ``*_id``, ``id``, ``created_by``, ``uploaded_by``."""
    return column == "id" or column.endswith(("_id", "_by"))


def sqlite_kind(declared: str, column: str) -> str:
    """SQLite's type affinity rules (datatype3.html §3.1), with TEXT instants told apart by name."""
    upper = declared.upper()
    if "INT" in upper:
        return "integer"
    if any(word in upper for word in ("CHAR", "CLOB", "TEXT")):
        return "instant" if is_instant(column) else "text"
    if not upper or "BLOB" in upper:
        return "blob"
    if any(word in upper for word in ("REAL", "FLOA", "DOUB")):
        return "real"
    return "numeric"


_PG_KINDS = {
    "smallint": "integer",
    "integer": "integer",
    "bigint": "integer",
    "text": "text",
    "character varying": "text",
    "character": "text",
    "timestamp with time zone": "instant",
    "double precision": "real",
    "real": "real (4 bytes)",  # SQLite's REAL is 8 bytes: float4 would round what SQLite keeps
    "bytea": "blob",
}


def read_sqlite(path: Path) -> Schema:
    conn = sqlite3.connect(path)
    try:
        schema = Schema("sqlite", int(conn.execute("PRAGMA user_version").fetchone()[0]))
        without_rowid = {
            name for name, wr in conn.execute("SELECT name, wr FROM pragma_table_list WHERE schema='main'") if wr
        }
        objects = conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall()
        for kind, name, _, sql in objects:
            if kind == "table":
                schema.tables[name] = _sqlite_table(conn, name, sql, name in without_rowid)
            elif kind == "view":
                schema.views.add(name)
        for kind, name, table, sql in objects:
            if kind == "trigger":
                schema.tables[table].triggers[name] = _sqlite_trigger(sql)
            elif kind == "index" and sql is not None:  # sql is NULL for the indexes behind PRIMARY KEY/UNIQUE
                schema.indexes[name] = _sqlite_index(conn, name, table, sql)
        return schema
    finally:
        conn.close()


def _sqlite_table(conn: sqlite3.Connection, name: str, sql: str, without_rowid: bool) -> Table:
    table = Table()
    info = conn.execute(f"PRAGMA table_info({name})").fetchall()
    pk = [row for row in sorted(info, key=lambda r: r[5]) if row[5]]
    table.primary_key = tuple(row[1] for row in pk)
    # An INTEGER PRIMARY KEY of a rowid table is the rowid: never NULL, numbered when not given.
    rowid_alias = len(pk) == 1 and not without_rowid and pk[0][2].upper() == "INTEGER"
    for _, column, declared, not_null, default, in_pk in info:
        generated = rowid_alias and in_pk
        table.columns[column] = Column(
            kind=sqlite_kind(declared, column),
            declared=declared,
            # Only a WITHOUT ROWID table or the rowid itself keeps NULL out of a primary key in SQLite.
            not_null=bool(not_null or (in_pk and (without_rowid or generated))),
            default="<generated>" if generated else None if default is None else normalise(default),
        )
    for _, index, unique, origin, _ in conn.execute(f"PRAGMA index_list({name})").fetchall():
        if origin == "u" and unique:
            table.uniques.add(tuple(r[2] for r in conn.execute(f"PRAGMA index_info({index})")))
    by_id: dict[int, list[Any]] = {}
    for fk_id, _, parent, child_col, parent_col, on_update, on_delete, _ in conn.execute(
        f"PRAGMA foreign_key_list({name})"
    ).fetchall():
        by_id.setdefault(fk_id, []).append((parent, child_col, parent_col, on_update, on_delete))
    for rows in by_id.values():
        parent = rows[0][0]
        parent_columns = tuple(r[2] for r in rows)
        if None in parent_columns:  # REFERENCES parent with no columns: the parent's primary key
            parent_info = conn.execute(f"PRAGMA table_info({parent})").fetchall()
            parent_columns = tuple(r[1] for r in sorted(parent_info, key=lambda r: r[5]) if r[5])
        table.foreign_keys.add(ForeignKey(tuple(r[1] for r in rows), parent, parent_columns, rows[0][4], rows[0][3]))
    tokens = lex(sql)
    for j, tok in enumerate(tokens):  # SQLite keeps no catalog of CHECKs: read them from CREATE TABLE
        if tok.kind == "word" and tok.text == "check" and j + 1 < len(tokens) and tokens[j + 1].text == "(":
            [expression], _ = _groups(tokens, j + 1)
            table.checks.add(normalise(expression))
    return table


def _sqlite_index(conn: sqlite3.Connection, name: str, table: str, sql: str) -> Index:
    tokens = lex(sql)
    start = next(j for j, t in enumerate(tokens) if t.text == "(")
    items, after = _groups(tokens, start)
    columns = []
    for seqno, cid, column, desc, collation, key in conn.execute(f"PRAGMA index_xinfo({name})").fetchall():
        if not key:
            continue  # the rowid or primary key every SQLite index ends with, not part of its definition
        text = column if cid >= 0 else normalise(_strip_order(items[seqno]))  # -2: an expression
        if collation and collation.upper() != "BINARY":
            text += f" COLLATE {collation.lower()}"
        columns.append(text + (" DESC" if desc else ""))
    where = normalise(tokens[after + 1 :]) if after < len(tokens) and tokens[after].text == "where" else None
    [(unique,)] = conn.execute('SELECT "unique" FROM pragma_index_list(?) WHERE name = ?', (table, name)).fetchall()
    return Index(table, tuple(columns), bool(unique), where)


def _strip_order(item: list[Tok]) -> list[Tok]:
    while item and item[-1].kind == "word" and item[-1].text in ("asc", "desc"):
        item = item[:-1]
    return item


def _sqlite_trigger(sql: str) -> Trigger:
    """``CREATE TRIGGER name [BEFORE|AFTER|INSTEAD OF] INSERT|DELETE|UPDATE [OF a, b] ON table …``."""
    words = [t.text for t in lex(sql)]
    j = words.index("trigger") + 1
    if words[j : j + 3] == ["if", "not", "exists"]:
        j += 3
    j += 1 + (words[j + 1] == ".") * 2  # the name, perhaps schema-qualified
    timing = "BEFORE"  # SQLite's default
    if words[j] in ("before", "after"):
        timing = words[j].upper()
        j += 1
    elif words[j] == "instead":
        timing = "INSTEAD OF"
        j += 2
    event = words[j].upper()
    if event == "UPDATE" and words[j + 1] == "of":
        end = words.index("on", j)
        event += " OF " + ", ".join(sorted(w for w in words[j + 2 : end] if w != ","))
    return Trigger(timing, (event,), "ROW")  # SQLite has row triggers only


async def read_postgres(url: str) -> Schema:
    conn = await asyncpg.connect(url)
    try:
        return await _read_postgres(conn)
    finally:
        await conn.close()


_PG_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
_COLUMNS_OF = (
    "ARRAY(SELECT a.attname FROM unnest({keys}) WITH ORDINALITY AS k(attnum, n) "
    "JOIN pg_attribute a ON a.attrelid = {rel} AND a.attnum = k.attnum ORDER BY k.n)"
)


async def _read_postgres(conn: asyncpg.Connection) -> Schema:
    version = await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version")
    schema = Schema("postgresql", int(version))
    for row in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"):
        if row[0] not in PG_BOOKKEEPING:
            schema.tables[row[0]] = Table()
    schema.views = {r[0] for r in await conn.fetch("SELECT viewname FROM pg_views WHERE schemaname = 'public'")}
    for row in await conn.fetch(
        "SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity, identity_generation "
        "FROM information_schema.columns WHERE table_schema = 'public'"
    ):
        if row["table_name"] not in schema.tables:
            continue
        default = row["column_default"]
        if row["is_identity"] == "YES" or (default or "").startswith("nextval("):
            # BY DEFAULT takes a given id, as SQLite's rowid does (migrate-db copies ids); ALWAYS refuses it.
            default = "<generated always>" if row["identity_generation"] == "ALWAYS" else "<generated>"
        elif default is not None:
            default = normalise(default)
        schema.tables[row["table_name"]].columns[row["column_name"]] = Column(
            kind=_PG_KINDS.get(row["data_type"], row["data_type"]),
            declared=row["data_type"],
            not_null=row["is_nullable"] == "NO",
            default=default,
        )
    constraints = await conn.fetch(
        f"""
        SELECT t.relname AS table_name, c.contype, c.confdeltype, c.confupdtype, p.relname AS parent,
               {_COLUMNS_OF.format(keys="c.conkey", rel="c.conrelid")} AS columns,
               {_COLUMNS_OF.format(keys="c.confkey", rel="c.confrelid")} AS parent_columns,
               pg_get_expr(c.conbin, c.conrelid, true) AS check_expression
        FROM pg_constraint c
        JOIN pg_class t ON t.oid = c.conrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace
        LEFT JOIN pg_class p ON p.oid = c.confrelid
        WHERE n.nspname = 'public'
        """
    )
    for row in constraints:
        table = schema.tables.get(row["table_name"])
        if table is None:
            continue
        columns, kind = tuple(row["columns"]), row["contype"]
        if kind == b"p":
            table.primary_key = columns
        elif kind == b"u":
            table.uniques.add(columns)
        elif kind == b"f":
            table.foreign_keys.add(
                ForeignKey(
                    columns,
                    row["parent"],
                    tuple(row["parent_columns"]),
                    _PG_ACTIONS[row["confdeltype"].decode()],
                    _PG_ACTIONS[row["confupdtype"].decode()],
                )
            )
        elif kind == b"c":
            table.checks.add(normalise(row["check_expression"]))
        else:  # exclusion or constraint triggers: nothing SQLite could mirror
            table.checks.add(f"<constraint of kind {kind.decode()}>")
    for row in await conn.fetch(
        """
        SELECT t.relname AS table_name, ic.relname AS index_name, i.indisunique, am.amname,
               i.indnatts > i.indnkeyatts AS has_include,
               ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnkeyatts) AS k
                     ORDER BY k) AS columns,
               ARRAY(SELECT (i.indoption[k - 1] & 1) = 1 FROM generate_series(1, i.indnkeyatts) AS k
                     ORDER BY k) AS descending,
               pg_get_expr(i.indpred, i.indrelid, true) AS predicate
        FROM pg_index i
        JOIN pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_class t ON t.oid = i.indrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace
        JOIN pg_am am ON am.oid = ic.relam
        WHERE n.nspname = 'public' AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """
    ):
        if row["table_name"] not in schema.tables:
            continue
        keys = [normalise(c) + (" DESC" if d else "") for c, d in zip(row["columns"], row["descending"], strict=True)]
        if row["amname"] != "btree":  # SQLite has B-trees only
            keys.append(f"USING {row['amname']}")
        if row["has_include"]:
            keys.append("INCLUDE (…)")
        where = None if row["predicate"] is None else normalise(row["predicate"])
        schema.indexes[row["index_name"]] = Index(row["table_name"], tuple(keys), row["indisunique"], where)
    schema.functions = {
        r[0]: 0
        for r in await conn.fetch(
            "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'"
        )
    }
    for row in await conn.fetch(
        f"""
        SELECT t.relname AS table_name, g.tgname, g.tgtype, p.proname,
               {_COLUMNS_OF.format(keys="g.tgattr::int2[]", rel="g.tgrelid")} AS update_columns
        FROM pg_trigger g
        JOIN pg_class t ON t.oid = g.tgrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace
        JOIN pg_proc p ON p.oid = g.tgfoid
        WHERE n.nspname = 'public' AND NOT g.tgisinternal
        """
    ):
        if row["table_name"] not in schema.tables:
            continue
        bits = row["tgtype"]
        timing = "INSTEAD OF" if bits & 64 else "BEFORE" if bits & 2 else "AFTER"
        events = [name for bit, name in ((4, "INSERT"), (8, "DELETE"), (16, "UPDATE"), (32, "TRUNCATE")) if bits & bit]
        if row["update_columns"]:
            events = [e + " OF " + ", ".join(sorted(row["update_columns"])) if e == "UPDATE" else e for e in events]
        trigger = Trigger(timing, tuple(sorted(events)), "ROW" if bits & 1 else "STATEMENT")
        schema.tables[row["table_name"]].triggers[row["tgname"]] = trigger
        schema.functions[row["proname"]] = schema.functions.get(row["proname"], 0) + 1
    return schema


# --- the comparison -----------------------------------------------------------------------------


def _cols(columns: Iterable[str]) -> str:
    return "(" + ", ".join(columns) + ")"


def differences(lite: Schema, pg: Schema) -> list[str]:
    """Every way the two schemas differ, one sentence each, naming the object and both sides."""
    out = _only("table", lite.tables.keys(), pg.tables.keys()) + _only("view", lite.views, pg.views)
    for name in sorted(lite.tables.keys() & pg.tables.keys()):
        out += _table_differences(name, lite.tables[name], pg.tables[name])
    out += _only("index", lite.indexes.keys(), pg.indexes.keys())
    for name in sorted(lite.indexes.keys() & pg.indexes.keys()):
        out += _index_differences(name, lite.indexes[name], pg.indexes[name])
    return out


def _only(kind: str, lite: Iterable[str], pg: Iterable[str]) -> list[str]:
    a, b = set(lite), set(pg)
    return [f"{kind} {n}: only on sqlite" for n in sorted(a - b)] + [
        f"{kind} {n}: only on postgresql" for n in sorted(b - a)
    ]


def _both(what: str, lite: object, pg: object) -> list[str]:
    return [] if lite == pg else [f"{what} {lite} on sqlite, {pg} on postgresql"]


def _table_differences(name: str, a: Table, b: Table) -> list[str]:
    out = _only("column", (f"{name}.{c}" for c in a.columns), (f"{name}.{c}" for c in b.columns))
    for column in sorted(a.columns.keys() & b.columns.keys()):
        x, y = a.columns[column], b.columns[column]
        where = f"{name}.{column}:"
        if x.kind != y.kind:
            out.append(f"{where} type {x.kind} ({x.declared}) on sqlite, {y.kind} ({y.declared}) on postgresql")
        null = {True: "NOT NULL", False: "nullable"}
        out += _both(where, null[x.not_null], null[y.not_null])
        out += _both(f"{where} default", x.default or "none", y.default or "none")
    out += _both(f"{name}: primary key", _cols(a.primary_key), _cols(b.primary_key))
    for label, mine, theirs in (
        ("UNIQUE", {_cols(u) for u in a.uniques}, {_cols(u) for u in b.uniques}),
        ("FOREIGN KEY", {str(f) for f in a.foreign_keys}, {str(f) for f in b.foreign_keys}),
        ("CHECK", a.checks, b.checks),
    ):
        out += [f"{name}: {label} {item} only on sqlite" for item in sorted(mine - theirs)]
        out += [f"{name}: {label} {item} only on postgresql" for item in sorted(theirs - mine)]
    out += _only("trigger", (f"{t} on {name}" for t in a.triggers), (f"{t} on {name}" for t in b.triggers))
    for trigger in sorted(a.triggers.keys() & b.triggers.keys()):
        out += _both(f"{trigger}:", _trigger(a.triggers[trigger]), _trigger(b.triggers[trigger]))
    return out


def _index_differences(name: str, a: Index, b: Index) -> list[str]:
    unique = {True: "unique", False: "not unique"}
    return [
        *_both(f"{name}: on table", a.table, b.table),
        *_both(f"{name}: columns", _cols(a.columns), _cols(b.columns)),
        *_both(f"{name}:", unique[a.unique], unique[b.unique]),
        *_both(f"{name}: WHERE", a.where or "(none)", b.where or "(none)"),
    ]


def _trigger(t: Trigger) -> str:
    return f"{t.timing} {' OR '.join(t.events)} FOR EACH {t.level}"


def postgres_rules(pg: Schema) -> list[str]:
    """What only PostgreSQL can get wrong: a 32-bit snowflake, a trigger function left behind."""
    out = [
        f"{table}.{column}: {c.declared} on postgresql, but a Discord id needs bigint (64 bits)"
        for table, t in sorted(pg.tables.items())
        for column, c in sorted(t.columns.items())
        if c.kind == "integer" and is_snowflake(column) and c.declared != "bigint"
    ]
    out.extend(
        f"function {f}(): only on postgresql and used by no trigger (SQLite has no stored functions)"
        for f, used in sorted(pg.functions.items())
        if not used
    )
    return out


# --- the tests ----------------------------------------------------------------------------------


async def _migrated(pg_template: Any, path: Path) -> tuple[Schema, Schema]:
    url = await pg_template.empty()
    for target in (path, url):
        db = await open_database(target)
        try:
            await migrate(db)
        finally:
            await db.close()
    return read_sqlite(path), await read_postgres(url)


@pytest.fixture(scope="module")
def schemas(pg: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Schema, Schema]:
    """A fresh SQLite file and a fresh PostgreSQL database, each migrated to its latest version, read back."""
    path = tmp_path_factory.mktemp("parity") / "parity.sqlite3"
    with ThreadPoolExecutor(1) as worker:  # asked for from a test's event loop: a loop of its own
        return worker.submit(asyncio.run, _migrated(pg, path)).result()


def test_both_stores_are_at_their_latest_migration_and_read_back(schemas: tuple[Schema, Schema]) -> None:
    """Guards the parity test against passing on nothing: every kind of object is found on both sides."""
    lite, pg = schemas
    assert (lite.version, pg.version) == (latest_version("sqlite"), latest_version("postgresql"))
    for schema in schemas:
        tables = schema.tables.values()
        assert schema.indexes and all(t.columns and t.primary_key for t in tables), schema.dialect
        for part in ("checks", "foreign_keys", "triggers"):
            assert any(getattr(t, part) for t in tables), f"{schema.dialect}: no {part} read"


def test_both_migration_trees_build_the_same_schema(schemas: tuple[Schema, Schema]) -> None:
    lite, pg = schemas
    found = differences(lite, pg) + postgres_rules(pg)
    unexplained = [d for d in found if d not in ALLOWED]
    stale = [d for d in ALLOWED if d not in found]
    assert not unexplained, (
        f"sqlite/{lite.version:04d} and postgresql/{pg.version:04d} describe different schemas "
        "(fix it with a migration in both trees):\n  " + "\n  ".join(unexplained)
    )
    assert not stale, "ALLOWED names differences that no longer exist; remove them:\n  " + "\n  ".join(stale)


def test_migrate_db_copies_every_table_parents_first(schemas: tuple[Schema, Schema]) -> None:
    """``migrate-db`` inserts table by table in ``TABLES`` order: a child before its parent would
    fail its foreign key, and a table missing from the list would silently stay behind."""
    lite, _ = schemas
    listed = [*TABLES, DERIVED]
    problems = [f"{t}: in the schema, not in TABLES" for t in sorted(lite.tables.keys() - set(listed))]
    problems += [f"{t}: in TABLES, not in the schema" for t in sorted(set(listed) - lite.tables.keys())]
    problems += [f"{t}: listed twice" for t in sorted({t for t in listed if listed.count(t) > 1})]
    position = {t: i for i, t in enumerate(listed)}
    edges = {(child, fk.parent) for schema in schemas for child, t in schema.tables.items() for fk in t.foreign_keys}
    problems += [
        f"{child}: copied before its parent {parent}"
        for child, parent in sorted(edges)
        if child in position and parent in position and position[parent] > position[child]
    ]
    assert not problems, "bot/storage/copy.py TABLES:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize(
    ("sqlite_text", "postgresql_text"),
    [
        ("status IN ('pending', 'sent')", "status = ANY (ARRAY['sent'::text, 'pending'::text])"),
        ("status NOT IN ('a')", "status <> ALL (ARRAY['a'::text])"),
        ("x IS NULL OR x BETWEEN 5 AND 120", "x IS NULL OR x >= 5 AND x <= 120"),
        ("x IS NULL OR x BETWEEN 5 AND 120", "((x >= 5) AND (x <= 120)) OR (x IS NULL)"),
        ("status = 'posted' AND closes_at IS NOT NULL", "(status = 'posted'::text) AND (closes_at IS NOT NULL)"),
        ("'planned'", "'planned'::text"),
        ("CURRENT_TIMESTAMP", "now()"),
        ("-1", "'-1'::integer"),
        ("1 <= x", "x >= 1"),
        ("a != b", "b <> a"),
    ],
)
def test_the_two_spellings_of_one_meaning_compare_equal(sqlite_text: str, postgresql_text: str) -> None:
    assert normalise(sqlite_text) == normalise(postgresql_text)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("status IN ('pending', 'sent')", "status = ANY (ARRAY['pending'::text])"),
        ("x BETWEEN 5 AND 120", "x >= 5 AND x <= 121"),
        ("x IS NULL OR x >= 1", "x IS NULL AND x >= 1"),
        ("x IS NULL OR x >= 1", "x >= 1"),
        ("0", "'0'"),
    ],
)
def test_different_meanings_stay_different(one: str, other: str) -> None:
    assert normalise(one) != normalise(other)


async def test_drift_on_either_side_is_named(pg: Any, tmp_path: Path) -> None:
    """The readers see what the databases hold: each drift, made behind a migration's back, is named."""
    path, url = tmp_path / "drift.sqlite3", await pg.fresh()
    db = await open_database(path)
    await migrate(db)
    await db.close()
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        DROP INDEX trivia_games_running;
        CREATE INDEX trivia_games_running ON trivia_games (status, guild_id) WHERE status IN ('running', 'stopped');
        ALTER TABLE server_packs ADD COLUMN downloads INTEGER NOT NULL DEFAULT 0 CHECK (downloads >= 0);
        """
    )
    conn.close()
    admin = await asyncpg.connect(url)
    try:
        await admin.execute(
            """
            ALTER TABLE guild_config ALTER COLUMN countdown_enabled SET DEFAULT 1;
            ALTER TABLE trivia_seen ALTER COLUMN guild_id TYPE integer;
            ALTER TABLE server_events ALTER COLUMN starts_at TYPE text;
            ALTER TABLE server_events ALTER COLUMN timezone DROP NOT NULL;
            ALTER TABLE guild_config DROP CONSTRAINT guild_config_trivia_seconds_check;
            ALTER TABLE guild_config ADD CHECK (trivia_seconds IS NULL OR trivia_seconds BETWEEN 5 AND 90);
            ALTER TABLE trivia_answers DROP CONSTRAINT trivia_answers_game_id_number_fkey;
            ALTER TABLE trivia_answers ADD FOREIGN KEY (game_id, number)
                REFERENCES trivia_questions_revealed (game_id, number);
            DROP TRIGGER trivia_scores_histogram_delete ON trivia_scores;
            CREATE INDEX daily_answers_user ON daily_answers (user_id DESC);
            """
        )
    finally:
        await admin.close()
    drifted = await read_postgres(url)
    found = differences(read_sqlite(path), drifted) + postgres_rules(drifted)
    expected = [
        "trivia_games_running: columns (status, guild_id) on sqlite, (status) on postgresql",
        "trivia_games_running: WHERE status IN ('running', 'stopped') on sqlite, status = 'running' on postgresql",
        "column server_packs.downloads: only on sqlite",
        "server_packs: CHECK downloads >= 0 only on sqlite",
        "guild_config.countdown_enabled: default 0 on sqlite, 1 on postgresql",
        "trivia_seen.guild_id: integer on postgresql, but a Discord id needs bigint (64 bits)",
        "server_events.starts_at: type instant (TEXT) on sqlite, text (text) on postgresql",
        "server_events.timezone: NOT NULL on sqlite, nullable on postgresql",
        "guild_config: CHECK trivia_seconds BETWEEN 5 AND 120 OR trivia_seconds IS NULL only on sqlite",
        "guild_config: CHECK trivia_seconds BETWEEN 5 AND 90 OR trivia_seconds IS NULL only on postgresql",
        "trivia_answers: FOREIGN KEY (game_id, number) REFERENCES trivia_questions_revealed (game_id, number) "
        "ON DELETE CASCADE ON UPDATE NO ACTION only on sqlite",
        "trigger trivia_scores_histogram_delete on trivia_scores: only on sqlite",
        "index daily_answers_user: only on postgresql",
    ]
    missing = [e for e in expected if e not in found]
    assert not missing, "not reported:\n  " + "\n  ".join(missing) + "\nreported:\n  " + "\n  ".join(found)
