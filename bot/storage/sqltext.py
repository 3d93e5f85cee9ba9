"""SQL text as tokens: placeholders, statement boundaries, and what must be left alone.

Repositories write their SQL once with ``?`` (or ``?N``) placeholders. PostgreSQL wants ``$N``,
and a migration script must be cut into statements; both jobs need to know what is *code* and
what is a string literal, a quoted identifier, a comment or a dollar-quoted body, where a ``?``
or a ``;`` means nothing. A regex cannot know that; this small tokenizer does.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache


class Kind(Enum):
    CODE = "code"  # anything else: keywords, names, operators, whitespace
    STRING = "string"  # 'text', with '' inside
    IDENTIFIER = "identifier"  # "name", with "" inside
    COMMENT = "comment"  # -- to end of line, or /* … */
    DOLLAR = "dollar"  # $tag$ … $tag$ (PostgreSQL function bodies)
    PLACEHOLDER = "placeholder"  # ? or ?N
    SEMICOLON = "semicolon"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str


_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$")


class SqlTextError(ValueError):
    """An unterminated string, identifier, comment or dollar-quoted body."""


def tokens(sql: str) -> Iterator[Token]:
    """Split ``sql`` into tokens; the concatenation of their texts is ``sql`` again."""
    i, n, code_start = 0, len(sql), 0

    def flush(end: int) -> Iterator[Token]:
        if end > code_start:
            yield Token(Kind.CODE, sql[code_start:end])

    while i < n:
        ch = sql[i]
        if ch in "'\"":
            yield from flush(i)
            end = _quoted_end(sql, i, ch)
            yield Token(Kind.STRING if ch == "'" else Kind.IDENTIFIER, sql[i:end])
            i = code_start = end
        elif sql.startswith("--", i):
            yield from flush(i)
            end = sql.find("\n", i)
            end = n if end < 0 else end + 1
            yield Token(Kind.COMMENT, sql[i:end])
            i = code_start = end
        elif sql.startswith("/*", i):
            yield from flush(i)
            end = sql.find("*/", i + 2)
            if end < 0:
                raise SqlTextError("unterminated /* comment")
            yield Token(Kind.COMMENT, sql[i : end + 2])
            i = code_start = end + 2
        elif ch == "$" and (tag := _DOLLAR_TAG.match(sql, i)) and not _after_word(sql, i):
            yield from flush(i)
            close = sql.find(tag.group(0), tag.end())
            if close < 0:
                raise SqlTextError(f"unterminated {tag.group(0)} body")
            end = close + len(tag.group(0))
            yield Token(Kind.DOLLAR, sql[i:end])
            i = code_start = end
        elif ch == "?" and not sql.startswith(("?|", "?&"), i):  # PostgreSQL's jsonb operators stay
            yield from flush(i)
            end = i + 1
            while end < n and sql[end].isdigit():
                end += 1
            yield Token(Kind.PLACEHOLDER, sql[i:end])
            i = code_start = end
        elif ch == ";":
            yield from flush(i)
            yield Token(Kind.SEMICOLON, ";")
            i = code_start = i + 1
        else:
            i += 1
    yield from flush(n)


def _quoted_end(sql: str, start: int, quote: str) -> int:
    """Index just past the closing quote; a doubled quote is part of the text."""
    i = start + 1
    while True:
        i = sql.find(quote, i)
        if i < 0:
            raise SqlTextError(f"unterminated {quote} quote")
        if sql.startswith(quote * 2, i):
            i += 2
            continue
        return i + 1


def _after_word(sql: str, i: int) -> bool:
    """``a$b$`` is part of a name, not the start of a dollar-quoted body."""
    return i > 0 and (sql[i - 1].isalnum() or sql[i - 1] == "_")


@lru_cache(maxsize=2048)
def numbered_placeholders(sql: str) -> str:
    """``?`` → ``$1, $2, …`` in order and ``?N`` → ``$N``; strings, comments and bodies untouched."""
    out: list[str] = []
    counter = 0
    for token in tokens(sql):
        if token.kind is Kind.PLACEHOLDER:
            if len(token.text) > 1:
                out.append("$" + token.text[1:])
            else:
                counter += 1
                out.append(f"${counter}")
        else:
            out.append(token.text)
    return "".join(out)


def split_statements(script: str) -> list[str]:
    """Cut a migration script into statements at the semicolons that end one.

    A ``;`` inside a string, identifier, comment or body never cuts; a trigger's ``BEGIN … END``
    keeps its inner semicolons (``sqlite3.complete_statement`` says when a statement is whole).
    Comments are dropped; empty statements are skipped.
    """
    statements: list[str] = []
    buffer: list[str] = []
    for token in tokens(script):
        if token.kind is Kind.COMMENT:
            buffer.append("\n" if token.text.endswith("\n") else " ")
            continue
        buffer.append(token.text)
        if token.kind is Kind.SEMICOLON:
            text = "".join(buffer).strip()
            if sqlite3.complete_statement(text):
                if text.strip("; \n\t"):
                    statements.append(text)
                buffer = []
    rest = "".join(buffer).strip()
    if rest:
        statements.append(rest)
    return statements
