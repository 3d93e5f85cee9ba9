"""Members' data: the export a member asks for, forgetting a member, and forgetting servers the bot left.

No discord here: the cog hands over ids and sends what this returns (a file's bytes, a summary).

- **Export**: one JSON document per member and server, built from every row that names them
  (``bot.storage.privacy``). Ids are strings (a snowflake does not fit a JavaScript number), times
  ISO 8601 in UTC, and an ``about`` field says what each part is and what the bot never stores.
- **Forget**: answers, score, daily answers and streak go, through the same triggers as every
  score change, so the leaderboard and "my rank" stay exact for everyone else. What the member
  made for the server (events, packs) and the games they started are the server's history and
  content: they stay, with the member's id replaced by 0, so nothing left names them.
- **Servers the bot left**: the departure is written when Discord says the bot was removed, and
  forgotten when it comes back. ``RetentionPlanner`` runs in the bot's scheduler (under the shard
  lease, for this process's shards only) and deletes every row of a server whose departure is older
  than ``FORGET_LEFT_SERVERS_DAYS``, one server per transaction. A server the bot is in again
  without Discord having said so (it came back while the bot was offline: READY lists it, no
  GUILD_CREATE "join" follows) is caught there too: ``is_present`` asks the bot's cache first.

What a member reads in Discord (``WHAT_STAYS``, ``forgotten_text``, the refusals) is a message
(``bot.i18n``), shown in their own Discord language. The export file's ``about`` explanation stays
English: it describes the file's English field names (``trivia.answers``…), is read long after in
whatever tool opens JSON, and is the same document whoever asks; the operator's CLI report
(``forgotten_summary``) stays English as well.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.clock import Clock
from bot.domain.trivia import LETTERS
from bot.errors import UserError
from bot.i18n import N_, Text, _
from bot.storage.privacy import Forgotten, MemberRecords, PrivacyRepository

log = logging.getLogger(__name__)

__all__ = ["Forgotten", "MemberExport", "PrivacyService", "RetentionPlanner", "forgotten_summary", "forgotten_text"]

# Discord lets a bot attach 10 MiB; keep a margin for the message around it.
MAX_ATTACHMENT = 8 * 1024 * 1024

ABOUT = (
    "Everything heartstopper-bot stores about you in this server, as of exported_at. The bot keeps no "
    "messages, names, avatars or roles: Discord sends your user id with each command or button you use, and "
    "only the entries below name you. trivia.score is your leaderboard row; trivia.answers is every question "
    "you answered in a game (option 0 is button A); trivia.games_started the games you started; "
    "question_of_the_day your daily answers and streak; server_events_created and server_packs_uploaded what "
    "you added to this server as a moderator. Run /privacy forget here to delete your answers, score and "
    "streaks."
)
WHAT_STAYS = _(
    "Games you started stay in the server's history and the events and packs you added stay for the server, "
    "each with your id removed, so nothing left names you. Messages the bot already posted in Discord (game "
    "results, the daily reveal) are Discord's to delete, not the bot's."
)


@dataclass(frozen=True, slots=True)
class MemberExport:
    filename: str
    data: bytes
    answers: int
    anything: bool  # False when nothing names the member here


def _json_ready(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    return value


def _rows(items: list[Any]) -> list[dict[str, Any]]:
    return [_json_ready(dataclasses.asdict(item)) for item in items]


def _one(item: Any | None) -> dict[str, Any] | None:
    return None if item is None else _json_ready(dataclasses.asdict(item))


def export_document(guild_id: int, user_id: int, records: MemberRecords, now: dt.datetime) -> dict[str, Any]:
    """The member's data as one JSON-ready document (``about`` first, so a person reads it first)."""
    answers = _rows(records.answers)
    for answer in answers:
        answer["button"] = LETTERS[answer["option"]] if 0 <= answer["option"] < len(LETTERS) else None
    games = _rows(records.games_started)
    for game in games:
        game["channel_id"] = str(game["channel_id"])
    return {
        "about": ABOUT,
        "server_id": str(guild_id),
        "user_id": str(user_id),
        "exported_at": now.isoformat(),
        "trivia": {"score": _one(records.score), "answers": answers, "games_started": games},
        "question_of_the_day": {"answers": _rows(records.daily_answers), "streak": _one(records.daily_streak)},
        "server_events_created": _rows(records.events_created),
        "server_packs_uploaded": _rows(records.packs_uploaded),
    }


def _encode(document: dict[str, Any], stem: str) -> tuple[str, bytes]:
    """Readable JSON; compact, then gzipped, only if Discord's attachment limit needs it."""
    pretty = json.dumps(document, indent=2, ensure_ascii=False).encode()
    if len(pretty) <= MAX_ATTACHMENT:
        return f"{stem}.json", pretty
    compact = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    if len(compact) <= MAX_ATTACHMENT:
        return f"{stem}.json", compact
    packed = gzip.compress(compact, mtime=0)
    if len(packed) <= MAX_ATTACHMENT:
        return f"{stem}.json.gz", packed
    raise UserError(
        _(
            "Your data here is larger than one Discord file can hold. Ask this bot's operator for it: "
            "they can read it straight from the database."
        )
    )


def forgotten_text(done: Forgotten) -> Text:
    """What forgetting did and what stays, for the member who asked, in their language."""
    return _(
        "Done: deleted {answers}, {scores}, {daily_answers}, {daily_streaks}; removed your id from {games}, "
        "{events}, {packs}. {what_stays}",
        answers=N_("{n} trivia answer", "{n} trivia answers", n=done.answers),
        scores=N_("{n} score row", "{n} score rows", n=done.scores),
        daily_answers=N_("{n} daily answer", "{n} daily answers", n=done.daily_answers),
        daily_streaks=N_("{n} daily streak", "{n} daily streaks", n=done.daily_streaks),
        games=N_("{n} game started", "{n} games started", n=done.games_anonymised),
        events=N_("{n} event", "{n} events", n=done.events_anonymised),
        packs=N_("{n} pack", "{n} packs", n=done.packs_anonymised),
        what_stays=WHAT_STAYS,
    )


def forgotten_summary(done: Forgotten, *, whose: str = "your") -> str:
    """What forgetting did, in English words: the operator's CLI line per server (``whose="their"``).

    A member reads ``forgotten_text`` instead, in their own language."""
    deleted = [
        f"{done.answers} trivia answer(s)",
        f"{done.scores} score row(s)",
        f"{done.daily_answers} daily answer(s)",
        f"{done.daily_streaks} daily streak(s)",
    ]
    kept = [
        f"{done.games_anonymised} game(s) started",
        f"{done.events_anonymised} event(s)",
        f"{done.packs_anonymised} pack(s)",
    ]
    return f"deleted {', '.join(deleted)}; removed {whose} id from {', '.join(kept)}"


class PrivacyService:
    def __init__(self, repo: PrivacyRepository, clock: Clock) -> None:
        self._repo = repo
        self._clock = clock

    async def export(self, guild_id: int, user_id: int) -> MemberExport:
        """Everything stored about one member in one server, as a file to send them privately."""
        records = await self._repo.member(guild_id, user_id)
        document = export_document(guild_id, user_id, records, self._clock.now())
        filename, data = _encode(document, f"heartstopper-data-{guild_id}-{user_id}")
        anything = any(
            (
                records.score,
                records.answers,
                records.games_started,
                records.daily_answers,
                records.daily_streak,
                records.events_created,
                records.packs_uploaded,
            )
        )
        return MemberExport(filename, data, len(records.answers), anything)

    async def forget(self, guild_id: int, user_id: int) -> Forgotten:
        return await self._repo.forget_member(guild_id, user_id)

    async def forget_everywhere(self, user_id: int) -> list[tuple[int, Forgotten]]:
        """Forget a member in every server that stores something about them, one server at a time."""
        return [
            (guild_id, await self.forget(guild_id, user_id)) for guild_id in await self._repo.guilds_of_member(user_id)
        ]

    # --- servers ------------------------------------------------------------------------------
    async def left(self, guild_id: int) -> None:
        """Discord says the bot was removed from (or the owner deleted) the server."""
        await self._repo.record_departure(guild_id, self._clock.now())

    async def returned(self, guild_id: int) -> bool:
        """The bot was added to the server again: keep its data. True if a departure was pending."""
        return await self._repo.cancel_departure(guild_id)

    async def departure(self, guild_id: int) -> dt.datetime | None:
        return await self._repo.departure(guild_id)

    def retention(self, days: int, is_present: Callable[[int], bool]) -> RetentionPlanner:
        return RetentionPlanner(self._repo, self._clock, dt.timedelta(days=days), is_present)


class RetentionPlanner:
    """A scheduler planner: delete the data of servers the bot left more than ``window`` ago.

    It does its work itself rather than through the outbox: deleting rows asks nothing of Discord.
    """

    name = "retention"
    BATCH = 100  # servers per pass; a longer queue is due at once, so the next pass follows

    def __init__(
        self, repo: PrivacyRepository, clock: Clock, window: dt.timedelta, is_present: Callable[[int], bool]
    ) -> None:
        self._repo = repo
        self._clock = clock
        self.window = window
        self._is_present = is_present

    async def plan(self) -> None:
        cutoff = self._clock.now() - self.window
        for guild_id in await self._repo.departed_before(cutoff, self.BATCH):
            try:
                if self._is_present(guild_id):
                    await self._repo.cancel_departure(guild_id)
                    log.info("server %s: the bot is in it again; its data is kept", guild_id)
                    continue
                deleted = await self._repo.delete_guild(guild_id, left_before=cutoff)
            except Exception:
                log.exception("could not delete the data of server %s; trying again at the next pass", guild_id)
                continue
            if deleted is not None:
                log.info(
                    "server %s: the bot left it more than %d day(s) ago; deleted its data (%d rows)",
                    guild_id,
                    self.window.days,
                    sum(deleted.values()),
                )

    async def next_due_at(self) -> dt.datetime | None:
        earliest = await self._repo.earliest_departure()
        return None if earliest is None else earliest + self.window
