"""The playground in the fandom's languages: each member's Discord language picked beside them, and the
server's language following ``/settings language``.

What the page should show is worked out with the bot's own renderers (``render`` of the message,
``LocalizedContent`` of the question), never a translation written here: the tests hold whether or
not a language's catalogue and content are there yet, and check them the moment they land.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from selenium.webdriver.support.ui import Select

from bot.content.loader import load_catalog
from bot.content.translations import load_translations
from bot.domain.models import TriviaQuestion
from bot.i18n import _, render
from bot.i18n.locales import NAMES
from bot.services.content import LocalizedContent
from tests.playground.browser import WAIT, Page, PlaygroundProcess, require_browser

ROOT = Path(__file__).resolve().parents[2]


def _pick_language(page: Page, member: str, code: str) -> None:
    Select(page.css(f"select[data-member-language='{member}']")[0]).select_by_value(code)


def _server_language(page: Page) -> str:
    return str(page.css("#server-language")[0].get_attribute("data-language") or "")


def _asked_question(database: Path) -> TriviaQuestion:
    """The question the game asked, as the bot recorded it when it revealed it (by its id, in English)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
            row = db.execute("SELECT question_id FROM trivia_questions_revealed").fetchone()
        if row is not None:
            english = load_catalog(ROOT / "data")
            return next(q for pack in english.packs for q in pack.questions if q.id == row[0])
        time.sleep(0.1)
    raise AssertionError("the game never recorded its question")


def _plain(markdown: str) -> str:
    """A message's text as the page shows it (bold markers drawn, not shown)."""
    return markdown.replace("**", "")


def test_a_game_in_portuguese(driver: Any, tmp_path: Path) -> None:
    """Ava makes the server Portuguese; Ben, whose Discord is in Portuguese, plays: the question in the
    channel is the Portuguese one, and so is his private lock-in."""
    require_browser()
    database = tmp_path / "playground.sqlite3"
    playground = PlaygroundProcess("--database", str(database))
    try:
        page = Page(driver, playground.url)
        page.act_as("Ava")
        page.until(lambda: _server_language(page) == "en", "the server in English at first (en-US)")
        page.run("/settings language language:pt-BR")
        page.wait_text(NAMES["pt-BR"], "Ava's answer naming the new language")
        page.until(lambda: _server_language(page) == "pt-BR", "the page showing the server's new language")

        _pick_language(page, "Ben", "pt-BR")
        page.channel("trivia")
        page.act_as("Ben")
        page.run("/trivia start questions:1")

        def open_question() -> Any:
            return next(
                (
                    m
                    for m in page.messages()
                    if "ephemeral" not in (m.get_attribute("class") or "")
                    and any(b.is_enabled() for b in m.find_elements("css selector", ".btn"))
                ),
                None,
            )

        question = page.until(open_question, "the question with its buttons")
        shown = question.find_element("css selector", ".embed").text
        question.find_elements("css selector", ".btn")[0].click()
        locked = _plain(render(_("Locked in: **{letter}**. Good luck! 🍀", letter="A"), "pt-BR"))
        lock_in = page.wait_text(locked, "Ben's lock-in, in Portuguese")
        assert "Only you can see this" in lock_in.text

        page.clock("+1 min")  # the question closes and is revealed: the bot records which one it was
        asked = _asked_question(database)
        content = LocalizedContent(load_translations(ROOT / "data", load_catalog(ROOT / "data")))
        prompt = content.question(asked, "pt-BR").prompt
        assert " ".join(prompt.split()) in " ".join(shown.split()), (prompt, shown)
    finally:
        playground.stop()


def test_each_members_language_is_remembered_and_sent(page: Page) -> None:
    """The picker beside each member survives a reload, and what a member does carries their language:
    Dev's Discord is in German, so his private answer is in German in a server that speaks English."""
    names = [o.text for o in Select(page.css("select[data-member-language='Dev']")[0]).options]
    assert names == list(NAMES.values())  # the five languages, each by its own name
    _pick_language(page, "Dev", "de")
    page.reload()
    assert Select(page.css("select[data-member-language='Dev']")[0]).first_selected_option.text == NAMES["de"]
    assert Select(page.css("select[data-member-language='Cleo']")[0]).first_selected_option.text == NAMES["en"]
    page.act_as("Dev")
    page.run("/privacy export")
    nothing = render(_("I store nothing about you in this server. The file says so, and what I never store."), "de")
    answer = page.wait_text(nothing, "Dev's private answer, in German")
    assert "Only you can see this" in answer.text


@pytest.mark.parametrize("locale", ['"xx"', '["de"]', "7"])
async def test_a_language_the_page_does_not_offer_is_a_400(served: PlaygroundProcess, locale: str) -> None:
    """What the page sends is untrusted too: only the five languages' Discord codes reach the local Discord."""
    headers = {"Content-Type": "application/json", "Cookie": f"heartstopper-playground-{served.port}={served.token}"}
    body = '{"member_id": 1001, "channel_id": 0, "text": "/about", "locale": ' + locale + "}"
    for path in ("/api/run", "/api/autocomplete", "/api/click"):
        async with (
            aiohttp.ClientSession() as session,
            session.post(served.base + path, data=body, headers=headers) as response,
        ):
            assert response.status == 400 and "unknown language" in await response.text(), path
