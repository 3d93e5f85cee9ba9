"""What a person types in the playground's message box, read the way Discord's client reads it.

``/trivia start questions:3 pack:season-1`` names a command (and subcommand) the bot synced, then
``option:value`` pairs; a value runs until the next known option name, so values may hold
spaces (``/event add name:Watch party date:2027-06-01``). Values are converted to the option's
type (whole numbers, true/false, ``#channel``, ``@member``); anything Discord's client would
not send is refused with a reason, before the bot sees it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.localdiscord.server import Refused

SUBCOMMAND, GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 3, 4, 5, 6, 7, 8, 9, 10, 11
_TRUE, _FALSE = {"true", "yes", "on", "1"}, {"false", "no", "off", "0"}


@dataclass(frozen=True, slots=True)
class CommandEntry:
    """One runnable command as the message box lists it: ``cast`` or ``trivia start``."""

    path: str
    description: str
    options: tuple[dict[str, Any], ...]
    moderator_only: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "description": self.description,
            "options": list(self.options),
            "moderator_only": self.moderator_only,
        }


def flatten(synced: Sequence[Mapping[str, Any]]) -> list[CommandEntry]:
    """Every runnable command path of the synced commands, subcommands spelled out, sorted."""
    entries: list[CommandEntry] = []
    for command in synced:
        perms = command.get("default_member_permissions")
        moderator = perms is not None and int(perms) != 0
        options = command.get("options") or []
        subs = [o for o in options if o["type"] == SUBCOMMAND]
        if not subs:
            entries.append(CommandEntry(command["name"], command.get("description", ""), tuple(options), moderator))
        for sub in subs:
            entries.append(
                CommandEntry(
                    f"{command['name']} {sub['name']}",
                    sub.get("description", ""),
                    tuple(sub.get("options") or []),
                    moderator,
                )
            )
    return sorted(entries, key=lambda e: e.path)


@dataclass(frozen=True, slots=True)
class Parsed:
    path: str
    options: dict[str, Any]


def parse(
    text: str,
    entries: Sequence[CommandEntry],
    *,
    channels: Sequence[Mapping[str, Any]],
    members: Sequence[Mapping[str, Any]],
) -> Parsed:
    """``/command [sub] option:value …`` into the command path and typed option values."""
    body = text.strip()
    if not body.startswith("/"):
        raise Refused("Start with / and a command, like /cast name:Nick")
    words = body[1:].split()
    if not words:
        raise Refused("Type a command after the /, like /countdown")
    by_path = {e.path: e for e in entries}
    entry = by_path.get(" ".join(words[:2]).casefold()) or by_path.get(words[0].casefold())
    if entry is None:
        near = [e.path for e in entries if e.path.startswith(words[0].casefold())]
        hint = ", ".join(f"/{p}" for p in near) if near else ", ".join(f"/{e.path}" for e in entries[:8]) + " …"
        raise Refused(f"/{' '.join(words[:2])} is not one of the bot's commands. Try: {hint}")
    head = re.match(r"\s*" + r"\s+".join(map(re.escape, entry.path.split())) + r"(?=\s|$)", body[1:], re.IGNORECASE)
    rest = body[1:][head.end() :].strip() if head else ""
    return Parsed(entry.path, _options(entry, rest, channels, members))


def _options(
    entry: CommandEntry, rest: str, channels: Sequence[Mapping[str, Any]], members: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    if not rest:
        return {}
    names = [str(o["name"]) for o in entry.options]
    if not names:
        raise Refused(f"/{entry.path} takes no options")
    marker = re.compile(r"(?:^|\s)(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r"):")
    found = list(marker.finditer(rest))
    if not found or rest[: found[0].start()].strip():
        wanted = " ".join(f"{n}:…" for n in names)
        raise Refused(f"Give options as name:value, like /{entry.path} {wanted}")
    values: dict[str, Any] = {}
    for index, match in enumerate(found):
        end = found[index + 1].start() if index + 1 < len(found) else len(rest)
        name = match.group(1)
        if name in values:
            raise Refused(f"`{name}` is given twice")
        option = next(o for o in entry.options if o["name"] == name)
        values[name] = convert(option, rest[match.end() : end].strip(), channels, members)
    return values


def convert(
    option: Mapping[str, Any], raw: str, channels: Sequence[Mapping[str, Any]], members: Sequence[Mapping[str, Any]]
) -> Any:
    """A typed value for one option, or Refused saying what the option takes."""
    name, kind = option["name"], option["type"]
    if kind == INTEGER:
        try:
            return int(raw)
        except ValueError:
            raise Refused(f"`{name}` takes a whole number") from None
    if kind == NUMBER:
        try:
            return float(raw)
        except ValueError:
            raise Refused(f"`{name}` takes a number") from None
    if kind == BOOLEAN:
        if raw.casefold() in _TRUE | _FALSE:
            return raw.casefold() in _TRUE
        raise Refused(f"`{name}` takes true or false")
    if kind == CHANNEL:
        wanted = raw.lstrip("#").strip("<>#").casefold()
        for channel in channels:
            if wanted in (str(channel["id"]), str(channel["name"]).casefold()):
                return int(channel["id"])
        raise Refused(f"`{name}` takes a channel of this server, like #{channels[0]['name']}")
    if kind == USER:
        wanted = raw.lstrip("@").strip("<>@!").casefold()
        for member in members:
            if wanted in (str(member["id"]), str(member["username"]).casefold(), str(member["global_name"]).casefold()):
                return dict(member)
        raise Refused(f"`{name}` takes a member of this server, like @{members[0]['global_name']}")
    if kind == ATTACHMENT:
        raise Refused(f"`{name}` takes a file: pick it with the file button above the box")
    if kind == STRING:
        choices = option.get("choices") or []
        if choices:
            for choice in choices:
                if raw.casefold() in (str(choice["value"]).casefold(), str(choice["name"]).casefold()):
                    return choice["value"]
        return raw
    raise Refused(f"`{name}` is an option type the playground cannot send yet")
