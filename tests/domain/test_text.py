"""Quoting member text back: one short, printable line of inline code."""

from __future__ import annotations

import pytest

from bot.domain.text import quote_user_text


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("Nick", "`Nick`"),
        ("  two\n lines\t", "`two lines`"),
        ("", "` `"),
        ("\u200b\u200b", "` `"),
        ("\u202eenoyreve@", "`enoyreve@`"),
        ("a`b``c", "`aˋbˋˋc`"),
        ("**bold** @everyone <@&1>", "`**bold** @everyone <@&1>`"),
        ("\x00bell\x07", "`bell`"),
        ("x" * 100, "`" + "x" * 59 + "…`"),
    ],
)
def test_quote_user_text(typed, shown):
    assert quote_user_text(typed) == shown
