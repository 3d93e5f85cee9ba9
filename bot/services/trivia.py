"""Trivia: one live game per channel, rules from ``bot.domain.trivia``, results persisted per question."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from dataclasses import dataclass

from bot.clock import Clock
from bot.domain import trivia as rules
from bot.domain.models import Catalog, TriviaPack
from bot.domain.outbox import Delivery, Kind, Planned
from bot.domain.text import quote_user_text
from bot.domain.trivia import Answer, GameRecord, PlayerScore, RankedScore, Standing, TriviaGame
from bot.errors import InvalidOption, NotAllowed, NotFound, UserError
from bot.i18n import Locale, _
from bot.services.lookups import LookupService
from bot.services.outbox import OutboxService, ProcessId
from bot.services.server_packs import ServerPackService
from bot.services.trivia_session import GameOver, GameSession, SessionRegistry
from bot.storage.guild_config import GuildConfigRepository
from bot.storage.trivia import TriviaRepository
from bot.supervisor import Supervised

__all__ = ["GameOver", "GameSession", "InterruptedNotice", "Leaderboard", "PlayerStats", "TriviaService"]

log = logging.getLogger(__name__)

HEARTBEAT_EVERY = dt.timedelta(seconds=20)
STALE_GAME = dt.timedelta(seconds=90)  # no heartbeat for this long (database clock): the process is gone


@dataclass(frozen=True, slots=True)
class Leaderboard:
    top: list[RankedScore]
    me: RankedScore | None
    players: int


@dataclass(frozen=True, slots=True)
class InterruptedNotice:
    """A game cut off because its process stopped, with the points revealed before."""

    game: GameRecord
    standings: list[Standing]


@dataclass(frozen=True, slots=True)
class PlayerStats:
    """A member's totals on a server, and their place on its leaderboard once they have answered."""

    score: PlayerScore | None
    rank: int | None


class TriviaService:
    def __init__(
        self,
        catalog: Catalog,
        repo: TriviaRepository,
        config: GuildConfigRepository,
        lookups: LookupService,
        clock: Clock,
        rng: random.Random,
        server_packs: ServerPackService,
        outbox: OutboxService,
        me: ProcessId,
    ) -> None:
        self._outbox = outbox
        self._me = me
        self.holder = str(me)
        self._heartbeat = Supervised("trivia-heartbeat", self._beat)
        self.catalog = catalog
        self.server_packs = server_packs
        self._repo = repo
        self._config = config
        self._lookups = lookups
        self._clock = clock
        self._rng = rng
        self.sessions = SessionRegistry()

    # --- starting and stopping ----------------------------------------------------------------
    async def packs(self, guild_id: int | None) -> tuple[TriviaPack, ...]:
        """The packs a server can play: the built-in ones (the mix first), then its own."""
        own = await self.server_packs.packs(guild_id) if guild_id is not None else ()
        return (*self.catalog.playable_packs, *own)

    def is_server_pack(self, pack: TriviaPack) -> bool:
        return pack.id not in {p.id for p in self.catalog.playable_packs}

    async def start(
        self,
        *,
        guild_id: int,
        channel_id: int,
        starter_id: int,
        questions: int | None,
        pack_id: str | None,
        locale: Locale,
    ) -> GameSession:
        """Claim the channel, choose the questions and create the game row; the caller launches it.

        ``locale`` is the server's language as the game starts: the game keeps it to the end.
        """
        count = rules.DEFAULT_QUESTIONS if questions is None else questions
        if not rules.MIN_QUESTIONS <= count <= rules.MAX_QUESTIONS:
            raise InvalidOption(
                _("Pick between {low} and {high} questions.", low=rules.MIN_QUESTIONS, high=rules.MAX_QUESTIONS)
            )
        pack = await self._pack(guild_id, pack_id)
        session = GameSession(
            guild_id=guild_id,
            channel_id=channel_id,
            starter_id=starter_id,
            pack=pack,
            locale=locale,
            repo=self._repo,
            clock=self._clock,
            registry=self.sessions,
        )
        self.sessions.claim(session)  # raises GameInProgress; nothing awaited since the check
        try:
            config = await self._config.get(guild_id)
            if config.trivia_channel_ids and channel_id not in config.trivia_channel_ids:
                allowed = ", ".join(f"<#{c}>" for c in config.trivia_channel_ids)
                # TRANSLATORS: {channels} is a list of channel mentions
                raise NotAllowed(
                    _("Trivia runs in {channels} on this server. Head over there to play!", channels=allowed)
                )
            horizon = await self._lookups.horizon(guild_id)
            seen = await self._repo.seen_question_ids(guild_id, pack.id)
            chosen, restart = rules.pick_questions(
                pack.questions, seen=seen, horizon=horizon, count=count, rng=self._rng
            )
            if not chosen:
                raise UserError(
                    _("The {pack} pack has no questions within this server's spoiler setting yet.", pack=pack.name)
                )
            if restart:
                await self._repo.restart_rotation(guild_id, pack.id)
            game_id = await self._repo.create_game(
                guild_id=guild_id,
                channel_id=channel_id,
                starter_id=starter_id,
                pack_id=pack.id,
                total=len(chosen),
                now=self._clock.now(),
                holder=self.holder,
            )
            seconds = config.trivia_seconds or rules.DEFAULT_SECONDS
            session.prepare(game_id, TriviaGame(chosen, seconds, self._clock, self._rng))
        except BaseException:
            self.sessions.release(session)
            raise
        return session

    async def _pack(self, guild_id: int, pack_id: str | None) -> TriviaPack:
        packs = await self.packs(guild_id)
        if not pack_id:
            return packs[0]
        wanted = pack_id.strip().casefold()
        pack = next((p for p in packs if wanted in (p.id, p.name.casefold())), None)
        if pack is None:
            names = ", ".join(f"`{p.id}`" for p in packs)
            # TRANSLATORS: {name} is what the member typed; {packs} the packs' ids
            raise NotFound(
                _("There is no pack called {name}. Packs: {packs}.", name=quote_user_text(pack_id), packs=names)
            )
        return pack

    def live_in(self, channel_id: int) -> GameSession | None:
        return self.sessions.get(channel_id)

    def request_stop(self, channel_id: int, user_id: int, *, is_moderator: bool) -> GameSession:
        session = self.sessions.get(channel_id)
        if session is None:
            raise NotFound(_("There is no trivia game running in this channel."))
        if user_id != session.starter_id and not is_moderator:
            # TRANSLATORS: "Manage Server" is the name of the permission in Discord's own interface
            raise NotAllowed(_("Only the member who started this game, or someone with Manage Server, can stop it."))
        session.request_stop()
        return session

    def cancel_all(self) -> None:
        """The cog is unloading: end every game task; their rows stay for start-up recovery."""
        for session in self.sessions:
            session.cancel()

    def answer(self, channel_id: int, game_id: int, question_number: int, user_id: int, option: int) -> Answer:
        session = self.sessions.get(channel_id)
        if session is None:
            raise GameOver
        return session.answer(game_id, question_number, user_id, option)

    # --- games whose process is gone: a planner for the bot's one scheduler -----------------------
    name = "trivia-recovery"

    async def plan(self) -> None:
        """Close every game on this process's shards whose process is gone, and plan the channel's notice.

        "Gone" is decided on the database's clock and by holder, never by "not live here": during a
        rolling deploy the old process's games keep playing until it exits and its heartbeats stop.
        """
        dead = self._me.dead_among(await self._repo.running_holders())
        now = self._clock.now()
        for game in await self._repo.orphaned_games(self.holder, dead, STALE_GAME):
            notice = Planned(
                Kind.TRIVIA_NOTICE,
                game.guild_id,
                str(game.id),
                {
                    "game_id": game.id,
                    "channel_id": game.channel_id,
                    "message_id": game.current_message_id,
                    "open_question": game.message_shows_open_question,
                    "revealed": game.revealed,
                    "total": game.total_questions,
                    "started_at": None if game.started_at is None else game.started_at.isoformat(),
                },
                now,
                game.channel_id,
            )
            try:
                if await self._repo.close_orphan(game, notice, now):
                    log.info("closed trivia game %s of guild %s: its process is gone", game.id, game.guild_id)
                    self._outbox.wake()
            except Exception:
                log.exception("could not close orphaned trivia game %s", game.id)

    async def next_due_at(self) -> dt.datetime | None:
        return None  # a game goes stale by itself; the scheduler looks again at least every minute

    def start_heartbeat(self) -> None:
        self._heartbeat.start()

    def stop_heartbeat(self) -> None:
        self._heartbeat.stop()

    async def _beat(self) -> None:
        """Every few seconds, on the database's clock: this process still runs its games."""
        while True:
            if len(self.sessions):
                try:
                    await self._repo.heartbeat(self.holder)
                except Exception:
                    log.warning("could not record the trivia heartbeat; trying again shortly", exc_info=True)
            await asyncio.sleep(HEARTBEAT_EVERY.total_seconds())

    async def notice_of(self, delivery: Delivery) -> InterruptedNotice | None:
        """What a planned "interrupted" notice says: the game and its standings from what was revealed."""
        game = await self._repo.game(int(delivery.payload["game_id"]))
        if game is None:
            return None
        return InterruptedNotice(game, await self.game_standings(game.id))

    async def game_standings(self, game_id: int) -> list[Standing]:
        """The standings of a game from what was revealed, by the same rule as a finished game's."""
        return rules.rank_totals(await self._repo.game_points(game_id))

    # --- scores -------------------------------------------------------------------------------
    async def leaderboard(self, guild_id: int, user_id: int, limit: int = 10) -> Leaderboard:
        top = await self._repo.leaderboard(guild_id, limit)
        return Leaderboard(
            [RankedScore(position, score) for position, score in enumerate(top, start=1)],
            await self._repo.rank(guild_id, user_id),
            await self._repo.player_count(guild_id),
        )

    async def stats(self, guild_id: int, user_id: int) -> PlayerStats:
        ranked = await self._repo.rank(guild_id, user_id)
        if ranked:
            return PlayerStats(ranked.score, ranked.rank)
        return PlayerStats(await self._repo.stats(guild_id, user_id), None)

    async def reset(self, guild_id: int) -> int:
        return await self._repo.reset_guild(guild_id)
