"""Trivia: one live game per channel, rules from ``bot.domain.trivia``, results persisted per question."""

from __future__ import annotations

import random
from dataclasses import dataclass

from bot.clock import Clock
from bot.domain import trivia as rules
from bot.domain.models import Catalog, TriviaPack
from bot.domain.text import quote_user_text
from bot.domain.trivia import Answer, QuestionResult, Standing, TriviaGame
from bot.errors import GameInProgress, InvalidOption, NotAllowed, NotFound, UserError
from bot.services.lookups import LookupService
from bot.storage.guild_config import GuildConfigRepository
from bot.storage.trivia import AnswerRow, GameRow, ScoreRow, TriviaRepository


class GameOver(UserError):
    def __init__(self) -> None:
        super().__init__("This trivia game has ended. Start a new one with `/trivia start`.")


@dataclass
class LiveGame:
    id: int
    guild_id: int
    channel_id: int
    starter_id: int
    pack: TriviaPack
    game: TriviaGame


@dataclass(frozen=True, slots=True)
class Leaderboard:
    top: list[ScoreRow]
    me: tuple[int, ScoreRow] | None
    players: int


class TriviaService:
    def __init__(
        self,
        catalog: Catalog,
        repo: TriviaRepository,
        config: GuildConfigRepository,
        lookups: LookupService,
        clock: Clock,
        rng: random.Random,
    ) -> None:
        self.catalog = catalog
        self._repo = repo
        self._config = config
        self._lookups = lookups
        self._clock = clock
        self._rng = rng
        self._by_channel: dict[int, LiveGame] = {}
        self._by_id: dict[int, LiveGame] = {}

    # --- starting and stopping ----------------------------------------------------------------
    def packs(self) -> tuple[TriviaPack, ...]:
        return self.catalog.packs

    async def start(
        self, *, guild_id: int, channel_id: int, starter_id: int, questions: int | None, pack_id: str | None
    ) -> LiveGame:
        count = rules.DEFAULT_QUESTIONS if questions is None else questions
        if not rules.MIN_QUESTIONS <= count <= rules.MAX_QUESTIONS:
            raise InvalidOption(f"Pick between {rules.MIN_QUESTIONS} and {rules.MAX_QUESTIONS} questions.")
        pack = self._pack(pack_id)
        config = await self._config.get(guild_id)
        if config.trivia_channel_ids and channel_id not in config.trivia_channel_ids:
            allowed = ", ".join(f"<#{c}>" for c in config.trivia_channel_ids)
            raise NotAllowed(f"Trivia runs in {allowed} on this server. Head over there to play!")
        if channel_id in self._by_channel:
            raise GameInProgress("A game is already running here. Join in, or start one in another channel.")
        horizon = await self._lookups.horizon(guild_id)
        seen = await self._repo.seen_question_ids(guild_id, pack.id)
        chosen, restart = rules.pick_questions(pack.questions, seen=seen, horizon=horizon, count=count, rng=self._rng)
        if not chosen:
            raise UserError(f"The {pack.name} pack has no questions within this server's spoiler setting yet.")
        if restart:
            await self._repo.restart_rotation(guild_id, pack.id)
        seconds = config.trivia_seconds or rules.DEFAULT_SECONDS
        if channel_id in self._by_channel:  # re-checked after the awaits above
            raise GameInProgress("A game is already running here. Join in, or start one in another channel.")
        placeholder = LiveGame(
            0, guild_id, channel_id, starter_id, pack, TriviaGame(chosen, seconds, self._clock, self._rng)
        )
        self._by_channel[channel_id] = placeholder
        try:
            placeholder.id = await self._repo.create_game(
                guild_id=guild_id,
                channel_id=channel_id,
                starter_id=starter_id,
                pack_id=pack.id,
                total=len(chosen),
                now=self._clock.now(),
            )
        except BaseException:
            self._by_channel.pop(channel_id, None)
            raise
        self._by_id[placeholder.id] = placeholder
        return placeholder

    def _pack(self, pack_id: str | None) -> TriviaPack:
        if not pack_id:
            return self.catalog.packs[0]
        pack = self.catalog.pack(pack_id.strip().casefold())
        if pack is None:
            for candidate in self.catalog.packs:
                if candidate.name.casefold() == pack_id.strip().casefold():
                    return candidate
            names = ", ".join(f"`{p.id}`" for p in self.catalog.packs)
            raise NotFound(f"There is no pack called {quote_user_text(pack_id)}. Packs: {names}.")
        return pack

    def live_in(self, channel_id: int) -> LiveGame | None:
        return self._by_channel.get(channel_id)

    def request_stop(self, channel_id: int, user_id: int, *, is_moderator: bool) -> LiveGame:
        live = self._by_channel.get(channel_id)
        if live is None:
            raise NotFound("There is no trivia game running in this channel.")
        if user_id != live.starter_id and not is_moderator:
            raise NotAllowed("Only the member who started this game, or someone with Manage Server, can stop it.")
        live.game.stop()
        return live

    async def set_message(self, live: LiveGame, message_id: int, number: int) -> None:
        await self._repo.set_current_message(live.id, message_id, number)

    # --- answering and closing ----------------------------------------------------------------
    def answer(self, game_id: int, question_number: int, user_id: int, option: int) -> Answer:
        live = self._by_id.get(game_id)
        if live is None:
            raise GameOver
        return live.game.answer(user_id, question_number, option)

    async def close_question(self, live: LiveGame) -> QuestionResult:
        """Close the open question and persist its answers and points in one transaction."""
        result = live.game.close()
        await self._repo.record_question(
            game_id=live.id,
            guild_id=live.guild_id,
            pack_id=live.pack.id,
            number=result.asked.number,
            question_id=result.asked.question.id,
            answers=[AnswerRow(a.user_id, a.option, a.correct, a.points) for a in result.answers],
            now=self._clock.now(),
        )
        return result

    async def finish(self, live: LiveGame) -> list[Standing]:
        """End the game (normally or stopped): record games played and the win, free the channel."""
        table = live.game.standings()
        winners = [s.user_id for s in table if s.rank == 1 and s.points > 0]
        status = "stopped" if live.game.stopped else "finished"
        try:
            await self._repo.finish_game(live.id, status=status, winner_ids=winners, now=self._clock.now())
        finally:
            self._by_channel.pop(live.channel_id, None)
            self._by_id.pop(live.id, None)
        return table

    async def abandon(self, live: LiveGame) -> None:
        """The game task died unexpectedly: close it like an interrupted game, keep what was revealed."""
        try:
            await self._repo.finish_game(live.id, status="interrupted", winner_ids=[], now=self._clock.now())
        finally:
            self._by_channel.pop(live.channel_id, None)
            self._by_id.pop(live.id, None)

    async def interrupted_games(self) -> list[GameRow]:
        """At start-up: games a crash or restart left running (none of them is live in this process)."""
        return [row for row in await self._repo.running_games() if row.id not in self._by_id]

    async def mark_interrupted(self, game_id: int) -> bool:
        """Close an interrupted game once (after its channel has been told); revealed points stay."""
        return await self._repo.finish_game(game_id, status="interrupted", winner_ids=[], now=self._clock.now())

    # --- scores -------------------------------------------------------------------------------
    async def leaderboard(self, guild_id: int, user_id: int, limit: int = 10) -> Leaderboard:
        return Leaderboard(
            await self._repo.leaderboard(guild_id, limit),
            await self._repo.rank(guild_id, user_id),
            await self._repo.player_count(guild_id),
        )

    async def stats(self, guild_id: int, user_id: int) -> tuple[ScoreRow | None, int | None]:
        ranked = await self._repo.rank(guild_id, user_id)
        if ranked:
            return ranked[1], ranked[0]
        return await self._repo.stats(guild_id, user_id), None

    async def reset(self, guild_id: int) -> int:
        return await self._repo.reset_guild(guild_id)

    async def game_points(self, game_id: int) -> list[tuple[int, int, int]]:
        return await self._repo.game_points(game_id)
