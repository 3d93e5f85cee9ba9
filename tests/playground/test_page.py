"""The playground in a real browser, used as people would use it."""

from __future__ import annotations

import datetime as dt

from selenium.common.exceptions import NoAlertPresentException


def test_cast_command_typed_whole_shows_the_card(page):
    page.run("/cast name:Nick")
    card = page.wait_text("Kit Connor")
    title = card.find_element("css selector", ".embed-title").text
    assert "Nick Nelson" in title and "Kit Connor" in title
    assert "Ava" in card.find_element("css selector", ".used").text  # "Ava used /cast"


def test_slash_lists_commands_and_autocomplete_comes_from_the_bot(page):
    page.type("/")
    popup = page.until(lambda: page.css("#popup:not([hidden]) .popup-item"), "the command list")
    labels = [item.text for item in popup]
    assert any(label.startswith("/trivia start") and "Start a multiple-choice game" in label for label in labels)
    page.type("/cast name:Ni")
    suggestion = page.until(
        lambda: next((i for i in page.css("#popup .popup-item") if "Kit Connor" in i.text), None),
        "the bot's autocomplete answer",
    )
    suggestion.click()
    assert page.box.get_attribute("value").startswith("/cast name:Nick Nelson")
    page.run(page.box.get_attribute("value"))
    page.wait_text("Kit Connor")


def test_trivia_lock_ins_are_private_and_the_reveal_edits_the_question(page):
    page.channel("trivia")
    page.act_as("Ben")
    page.run("/trivia start questions:1")
    question = page.wait_text("Question 1/1")
    buttons = question.find_elements("css selector", ".btn")
    assert len(buttons) >= 2
    buttons[0].click()
    page.wait_text("Locked in")
    lock_in = next(m for m in page.messages() if "Locked in" in m.text)
    assert "Only you can see this" in lock_in.text
    page.act_as("Cleo")
    page.until(lambda: not any("Locked in" in t for t in page.texts()), "Ben's lock-in hidden from Cleo")
    question = page.wait_text("Question 1/1")
    question.find_elements("css selector", ".btn")[1].click()
    page.wait_text("Locked in")
    assert sum("Locked in" in t for t in page.texts()) == 1  # only Cleo's own
    page.clock("+1 min")  # the question closes; the reveal edits it in place
    revealed = page.wait_text("closed", "the reveal")
    assert all(not b.is_enabled() for b in revealed.find_elements("css selector", ".btn"))
    assert "vote" in revealed.text
    page.wait_text("Trivia over", "the final standings")


def test_moderator_sets_the_countdown_and_jumping_the_clock_posts_exactly_once(page):
    page.act_as("Ava")
    page.run("/settings countdown-channel channel:#countdown")
    page.wait_text("Daily countdown goes to")
    page.run("/settings countdown-time time:18:30 timezone:Europe/London")
    page.wait_text("Daily countdown time: 18:30")
    page.channel("countdown")
    assert page.messages() == []  # setting the schedule never posts at once
    page.clock("Jump to the next post")
    post = page.wait_text("Daily countdown", "the daily post")
    assert post.find_elements("css selector", ".embed")
    page.clock("+1 min")
    page.clock("+1 min")
    assert sum("Daily countdown" in t for t in page.texts()) == 1


def test_member_cannot_see_moderator_commands(page):
    page.act_as("Dev")
    page.type("/sett")
    page.until(lambda: page.css("#popup[hidden]") or not page.css("#popup .popup-item"), "no /settings for Dev")
    page.run("/settings show")
    page.until(page.local_error, "the refusal")
    assert "Manage Server" in page.local_error()


def test_spoilers_stay_hidden_until_clicked(page):
    page.run("/settings spoilers season:1")
    page.wait_text("Spoiler horizon: Season 1")
    page.run("/episode which:S3E1")
    card = page.wait_text("S3E1")
    spoiler = page.until(lambda: card.find_elements("css selector", ".spoiler"), "a spoiler in the card")[0]
    assert "revealed" not in spoiler.get_attribute("class")
    assert spoiler.value_of_css_property("color") in ("rgba(0, 0, 0, 0)", "transparent")
    spoiler.click()
    assert "revealed" in spoiler.get_attribute("class")


def test_markup_from_members_is_shown_as_text(page, driver):
    evil = "<img src=x onerror=alert(1)>"
    when = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    page.run(f"/event add name:{evil} date:{when}")
    page.wait_text("Added")
    page.run("/event list")
    listing = page.wait_text("Server events")
    assert evil in listing.text
    assert page.css("#messages img") == []
    try:
        driver.switch_to.alert.dismiss()
        raise AssertionError("a member's text ran as a script")
    except NoAlertPresentException:
        pass


def test_a_moderator_uploads_a_pack_from_the_page_and_plays_it(page, tmp_path):
    pack = tmp_path / "our-pack.yaml"
    pack.write_text(
        "id: page-pack\nname: Made in the Playground\ndescription: d\nquestions:\n"
        '  - {id: q1, prompt: "What is the name of Nick\'s dog?", answer: Nellie, wrong: [Rex, Bella, Daisy],'
        " season: 1, difficulty: easy, source: seed}\n",
        encoding="utf-8",
    )
    page.act_as("Ava")
    page.type("/trivia pack-upload ")
    file_input = page.until(lambda: page.css("#option-bar input[type=file]"), "the file button")[0]
    file_input.send_keys(str(pack))
    page.until(lambda: "our-pack.yaml" in page.css("#option-bar")[0].text, "the chosen file")
    page.run("/trivia pack-upload")
    page.wait_text("Added **Made in the Playground**".replace("**", ""), "the upload's confirmation")
    page.run("/trivia packs")
    page.wait_text("this server's own")


def test_a_broken_pack_from_the_page_is_answered_with_its_line(page, tmp_path):
    pack = tmp_path / "broken.yaml"
    pack.write_text("id: broken\nname: Broken\nquestions:\n  - {id: q1, prompt: [\n", encoding="utf-8")
    page.act_as("Ava")
    page.type("/trivia pack-upload ")
    file_input = page.until(lambda: page.css("#option-bar input[type=file]"), "the file button")[0]
    file_input.send_keys(str(pack))
    page.until(lambda: "broken.yaml" in page.css("#option-bar")[0].text, "the chosen file")
    page.run("/trivia pack-upload")
    reply = page.wait_text("was not added", "the refusal")
    assert "line 5: invalid YAML" in reply.text, reply.text


def test_release_events_appear_in_the_server_event_list(page):
    when = (dt.date.today() + dt.timedelta(days=200)).isoformat()
    page.act_as("Ava")
    page.run(f"/event add name:Rewatch night date:{when}")
    page.wait_text("Added")
    page.run("/settings release-events state:on")
    page.until(lambda: page.css("#events li[data-event='Rewatch night']"), "the event in the sidebar")
    page.run("/settings release-events state:off")
    page.until(lambda: not page.css("#events li[data-event]"), "the event removed")


def test_the_clock_panel_says_what_comes_next_and_a_jump_with_nothing_due_says_why(page):
    def upcoming() -> str:
        return " ".join(node.text for node in page.css("#upcoming li"))

    page.act_as("Ava")
    page.until(lambda: "countdown: not set" in upcoming(), "the panel: nothing set yet")
    page.clock("Jump to the next post")
    page.until(page.local_error, "the reason nothing is due")
    assert "Nothing is scheduled to post" in page.local_error() and "/settings countdown-channel" in page.local_error()
    page.run("/settings countdown-channel channel:#countdown")
    page.wait_text("Daily countdown goes to")
    # Nothing dated is ahead in the bundled releases: the first post is the weekly "no date yet" reminder.
    page.until(lambda: 'weekly "no date yet" reminder' in upcoming(), "the panel: the countdown's next post")
    page.channel("countdown")
    page.clock("Jump to the next post")
    page.wait_text("No date yet", "the reminder")
    page.until(lambda: "quiet" in upcoming(), "the panel: the quiet days until the next reminder")
