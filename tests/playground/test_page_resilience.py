"""The page over time: reloads, a playground that stops and starts again, odd text, and the keyboard (B12)."""

from __future__ import annotations

import datetime as dt

from selenium.webdriver.common.keys import Keys

from tests.playground.browser import Page, PlaygroundProcess


def _active(page: Page, kind: str) -> str:
    return page.css(f"li.{kind}.active")[0].get_attribute(f"data-{kind}")


def test_a_reload_keeps_the_member_and_the_channel(page):
    page.act_as("Cleo")
    page.channel("trivia")
    page.reload()
    assert (_active(page, "member"), _active(page, "channel")) == ("Cleo", "trivia")
    assert page.css("#channel-name")[0].text == "trivia"
    page.run("/cast name:Nick")
    card = page.wait_text("Kit Connor")
    assert "Cleo" in card.find_element("css selector", ".used").text  # sent as Cleo, shown in #trivia


def test_a_stopped_playground_shows_a_banner_and_a_new_run_asks_for_its_new_url(page, playground, driver):
    page.run("/cast name:Nick")
    page.wait_text("Kit Connor")
    assert page.connection() == "live" and page.banner() == ""

    playground.stop()
    page.until(lambda: page.connection() == "lost", "the page to notice")
    assert "Disconnected — the playground stopped" in page.banner()
    assert not page.box.is_enabled()  # Enter cannot silently do nothing: there is nothing to type in

    again = PlaygroundProcess(port=playground.port)  # a new run on the same address, with a new secret
    try:
        page.until(lambda: page.connection() == "refused", "the new run's refusal")
        assert "refuses this page's old secret" in page.banner()
        assert "Open the new URL it printed" in page.banner()
        assert not page.box.is_enabled()

        # Opening the new URL (here in another tab) hands this origin the new secret; the first tab
        # then reconnects on its own, to the new run's server and channels.
        first = driver.current_window_handle
        driver.switch_to.new_window("tab")
        driver.get(again.url)
        page.wait_ready()
        driver.close()
        driver.switch_to.window(first)
        page.until(lambda: page.connection() == "live", "the reconnect")
        assert page.banner() == "" and page.box.is_enabled()
        assert page.texts() == []  # the new run's channel is empty: the old messages went with the old run
        page.run("/cast name:Charlie")
        page.wait_text("Joe Locke")
    finally:
        again.stop()


def test_enter_sends_until_a_suggestion_is_highlighted_then_takes_it(page):
    def suggestions(needle: str) -> None:
        page.until(
            lambda: any(needle in i.text for i in page.css("#popup:not([hidden]) .popup-item")), "the bot's suggestions"
        )

    # Suggestions open, none highlighted: a whole command typed out still runs on Enter.
    page.type("/cast name:Nick")
    suggestions("Kit Connor")
    assert page.css("#popup .popup-item.selected") == []
    page.box.send_keys(Keys.ENTER)
    page.wait_text("Kit Connor")
    page.until(lambda: page.box.get_attribute("value") == "", "the box cleared")

    # Moved to with the arrow keys, a suggestion is highlighted, and Enter takes it instead of sending.
    page.type("/cast name:Ch")
    suggestions("Joe Locke")
    page.box.send_keys(Keys.ARROW_DOWN)
    chosen = page.until(lambda: page.css("#popup .popup-item.selected .popup-label"), "the highlight")[0].text
    page.box.send_keys(Keys.ENTER)
    value = page.box.get_attribute("value")  # read at once: sending would have left the typed text
    assert value.startswith("/cast name:") and value.endswith(" ")
    assert value != "/cast name:Ch" and value.removeprefix("/cast name:").strip() in chosen
    page.box.send_keys(Keys.ENTER)  # nothing highlighted after taking it: this Enter sends
    page.until(lambda: page.box.get_attribute("value") == "", "the command sent")
    page.until(lambda: len(page.messages()) == 2, "the second reply")
    assert sum("used /cast" in t for t in page.texts()) == 2  # the Enter that took the suggestion sent nothing


def test_a_timestamp_past_javascripts_dates_does_not_stop_later_messages(page):
    when = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    page.act_as("Ava")
    page.run(f"/event add name:<t:9999999999999> date:{when}")  # the name is shown as a timestamp
    added = page.wait_text("Added")
    assert added.find_elements("css selector", "time.ts")  # drawn, clamped to the last date JavaScript has
    page.run("/event list")
    page.wait_text("Server events")
    page.run("/cast name:Nick")
    page.wait_text("Kit Connor")
    page.reload()  # every message drawn from the state at once, in order
    texts = page.texts()
    assert any("Added" in t for t in texts) and any("Server events" in t for t in texts)
    assert any("Kit Connor" in t for t in texts)
    assert page.css(".message.broken") == []

    # A message the page cannot draw at all becomes a small note, and the next one is still drawn.
    page.driver.execute_script(
        "const S = window.__playground.state;"
        "window.__playground.handle({type: 'create', message: {id: 'broken-1', channel_id: S.channel,"
        " content: 'x', embeds: null, components: []}});"
    )
    page.run("/cast name:Charlie")
    page.wait_text("Joe Locke")
    assert [m.text for m in page.css(".message.broken")] == ["⚠ This message could not be shown here."]
    assert "Joe Locke" in page.texts()[-1]


def test_events_made_after_release_events_are_on_are_listed_and_survive_a_reload(page):
    page.act_as("Ava")
    page.run("/settings release-events state:on")
    page.wait_text("event list")
    # Nothing upcoming has a date yet (the bundled releases are past, the film undated): the hint says
    # why the list is empty rather than asking to turn on what is already on.
    assert "No upcoming events" in page.css("#events")[0].text
    soon = (dt.date.today() + dt.timedelta(days=200)).isoformat()
    later = (dt.date.today() + dt.timedelta(days=300)).isoformat()
    page.run(f"/event add name:Rewatch night date:{soon}")
    page.until(lambda: page.css("#events li[data-event='Rewatch night']"), "the event in the sidebar")
    page.run(f"/event add name:<t:9999999999999> date:{later}")
    page.until(lambda: page.css("#events li[data-event='<t:9999999999999>']"), "the second event")
    page.reload()  # the state push draws the sidebar, whatever the messages hold
    names = [e.get_attribute("data-event") for e in page.css("#events li[data-event]")]
    assert names == ["Rewatch night", "<t:9999999999999>"]
