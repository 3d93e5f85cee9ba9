"""Reading what a person types in the playground's box, the way Discord's client would send it."""

from __future__ import annotations

import pytest

from bot.localdiscord.server import Refused
from bot.playground.commands import flatten, parse

SYNCED = [
    {
        "name": "cast",
        "description": "Who plays whom",
        "options": [{"type": 3, "name": "name", "description": "An actor or character", "autocomplete": True}],
    },
    {
        "name": "trivia",
        "description": "Trivia",
        "options": [
            {
                "type": 1,
                "name": "start",
                "description": "Start a game",
                "options": [
                    {"type": 4, "name": "questions", "description": "How many", "min_value": 1, "max_value": 20},
                    {"type": 3, "name": "pack", "description": "Pack"},
                ],
            },
            {"type": 1, "name": "stop", "description": "Stop", "options": []},
        ],
    },
    {
        "name": "settings",
        "description": "Settings",
        "default_member_permissions": "32",
        "options": [
            {
                "type": 1,
                "name": "countdown-channel",
                "description": "Where",
                "options": [{"type": 7, "name": "channel", "description": "Channel", "required": True}],
            },
            {
                "type": 1,
                "name": "trivia-channels",
                "description": "Where trivia runs",
                "options": [
                    {
                        "type": 3,
                        "name": "action",
                        "description": "What to do",
                        "choices": [{"name": "allow", "value": "allow"}, {"name": "anywhere", "value": "anywhere"}],
                    }
                ],
            },
        ],
    },
    {
        "name": "event",
        "description": "Events",
        "options": [
            {
                "type": 1,
                "name": "add",
                "description": "Add",
                "options": [
                    {"type": 3, "name": "name", "description": "Name"},
                    {"type": 3, "name": "date", "description": "Date"},
                ],
            }
        ],
    },
]
CHANNELS = [{"id": "11", "name": "general"}, {"id": "12", "name": "countdown"}]
MEMBERS = [{"id": "1001", "username": "ava", "global_name": "Ava"}]
ENTRIES = flatten(SYNCED)


def test_flatten_lists_subcommands_and_marks_moderator_commands():
    paths = {e.path: e.moderator_only for e in ENTRIES}
    assert paths == {
        "cast": False,
        "event add": False,
        "settings countdown-channel": True,
        "settings trivia-channels": True,
        "trivia start": False,
        "trivia stop": False,
    }


@pytest.mark.parametrize(
    ("text", "path", "options"),
    [
        ("/cast", "cast", {}),
        ("/cast name:Nick", "cast", {"name": "Nick"}),
        ("  /Cast   name:Kit Connor  ", "cast", {"name": "Kit Connor"}),
        ("/trivia start questions:3 pack:season-1", "trivia start", {"questions": 3, "pack": "season-1"}),
        ("/trivia start pack:season-1 questions:1", "trivia start", {"pack": "season-1", "questions": 1}),
        (
            "/event add name:Watch party: the film date:2027-06-01",
            "event add",
            {"name": "Watch party: the film", "date": "2027-06-01"},
        ),
        (
            "/event add name:<img src=x onerror=alert(1)> date:2027-06-01",
            "event add",
            {"name": "<img src=x onerror=alert(1)>", "date": "2027-06-01"},
        ),
        ("/settings countdown-channel channel:#countdown", "settings countdown-channel", {"channel": 12}),
        ("/settings countdown-channel channel:12", "settings countdown-channel", {"channel": 12}),
        ("/settings trivia-channels action:Anywhere", "settings trivia-channels", {"action": "anywhere"}),
    ],
)
def test_commands_and_options_are_read_and_typed(text, path, options):
    parsed = parse(text, ENTRIES, channels=CHANNELS, members=MEMBERS)
    assert (parsed.path, parsed.options) == (path, options)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("cast name:Nick", "Start with /"),
        ("/", "Type a command"),
        ("/nope", "not one of the bot's commands"),
        ("/trivia start questions:three", "whole number"),
        ("/trivia start Nick", "name:value"),
        ("/settings countdown-channel channel:#nowhere", "channel of this server"),
        ("/trivia stop now:yes", "takes no options"),
        ("/trivia start questions:1 questions:2", "given twice"),
    ],
)
def test_what_discord_would_not_send_is_refused_with_a_reason(text, reason):
    with pytest.raises(Refused, match=reason):
        parse(text, ENTRIES, channels=CHANNELS, members=MEMBERS)
