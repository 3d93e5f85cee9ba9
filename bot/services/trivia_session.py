"""One trivia game's whole life, owned by one object (in the manner of Red's ``TriviaSession``).

A ``GameSession`` owns its task, its stop request, its current message and a done-callback, so
every way a game can end goes through one place: the last question revealed, a stop, a crash
in the middle of a question, the opening reply failing, or the cog unloading. Whatever the
way out, the channel is released in the ``SessionRegistry`` (the only record of live games),
and a crash closes the game row and tells the channel. Reaching Discord is a ``GameDisplay``
the cog implements; nothing here imports discord.

A game speaks its server's language: the session keeps the ``locale`` the game started in, so every
question, reveal and standing of one game reads the same even if ``/settings language`` changes
mid-game; the display renders in it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Iterator
from typing import Protocol

from bot.clock import Clock
from bot.domain import trivia as rules
from bot.domain.models import TriviaPack
from bot.domain.trivia import Answer, AskedQuestion, QuestionResult, Standing, TriviaGame
from bot.errors import GameInProgress, UserError
from bot.i18n import Locale, _
from bot.storage.trivia import TriviaRepository

log = logging.getLogger(__name__)


class GameOver(UserError):
    def __init__(self) -> None:
        super().__init__(_("This trivia game has ended. Start a new one with `/trivia start`."))


class GameDisplay(Protocol):
    """How a game reaches its channel. Only ``question`` may fail the game; the rest is best-effort."""

    async def question(self, session: GameSession, asked: AskedQuestion) -> int:
        """Post a question with its answer buttons; returns the message id."""
        ...

    async def reveal(self, session: GameSession, message_id: int, result: QuestionResult) -> None: ...

    async def discarded(self, session: GameSession, message_id: int, asked: AskedQuestion) -> None: ...

    async def final(self, session: GameSession, table: list[Standing]) -> None: ...

    async def crashed(self, session: GameSession) -> None:
        """Tell the channel the game hit a problem and stopped; revealed points are kept."""
        ...


class SessionRegistry:
    """Live games by channel: claimed in one step (no await between check and claim), released on every way out."""

    def __init__(self) -> None:
        self._by_channel: dict[int, GameSession] = {}
        self._aftermath: set[asyncio.Task[None]] = set()

    def claim(self, session: GameSession) -> None:
        if session.channel_id in self._by_channel:
            raise GameInProgress(_("A game is already running here. Join in, or start one in another channel."))
        self._by_channel[session.channel_id] = session

    def release(self, session: GameSession) -> None:
        if self._by_channel.get(session.channel_id) is session:
            del self._by_channel[session.channel_id]

    def get(self, channel_id: int) -> GameSession | None:
        return self._by_channel.get(channel_id)

    def __iter__(self) -> Iterator[GameSession]:
        return iter(list(self._by_channel.values()))

    def __len__(self) -> int:
        return len(self._by_channel)

    def keep(self, task: asyncio.Task[None]) -> None:
        """Hold a reference to a clean-up task until it is done (the loop only keeps weak ones)."""
        self._aftermath.add(task)
        task.add_done_callback(self._aftermath.discard)

    async def drain(self) -> None:
        """Wait for clean-up tasks (a crash being announced) to finish."""
        if self._aftermath:
            await asyncio.gather(*self._aftermath, return_exceptions=True)


class GameSession:
    """One game in one channel, from the claim to its last message."""

    def __init__(
        self,
        *,
        guild_id: int,
        channel_id: int,
        starter_id: int,
        pack: TriviaPack,
        locale: Locale,
        repo: TriviaRepository,
        clock: Clock,
        registry: SessionRegistry,
    ) -> None:
        self.guild_id = guild_id
        self.channel_id = channel_id
        self.starter_id = starter_id
        self.pack = pack
        self.locale = locale  # the server's language when the game started: all its messages are in it
        self.message_id: int | None = None
        self._repo = repo
        self._clock = clock
        self._registry = registry
        self._id: int | None = None
        self._game: TriviaGame | None = None
        self._display: GameDisplay | None = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # --- set-up -------------------------------------------------------------------------------
    def prepare(self, game_id: int, game: TriviaGame) -> None:
        """The game row exists and the questions are chosen: the session can be launched."""
        self._id, self._game = game_id, game

    @property
    def id(self) -> int:
        if self._id is None:
            raise RuntimeError("the game is still being set up")
        return self._id

    @property
    def game(self) -> TriviaGame:
        if self._game is None:
            raise RuntimeError("the game is still being set up")
        return self._game

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def launch(self, display: GameDisplay) -> None:
        """Start playing in a task of its own; ``_on_done`` sees it end, however it ends."""
        self._display = display
        self._task = asyncio.create_task(self._play(display), name=f"trivia-game-{self.id}")
        self._task.add_done_callback(self._on_done)

    async def abort(self) -> None:
        """The game could not be announced (the opening reply failed): close its row, free the channel."""
        self._registry.release(self)
        if self._id is not None:
            await self._repo.finish_game(self._id, status="interrupted", winner_ids=[], now=self._clock.now())

    # --- during the game ----------------------------------------------------------------------
    def answer(self, game_id: int, number: int, user_id: int, option: int) -> Answer:
        if self._game is None or self._id != game_id:
            raise GameOver
        return self._game.answer(user_id, number, option)

    def request_stop(self) -> None:
        self._stop.set()

    def cancel(self) -> None:
        """The cog is unloading (the bot is closing): the row stays running for start-up recovery."""
        if self._task is not None:
            self._task.cancel()
        else:
            self._registry.release(self)

    async def _wait_until(self, when: dt.datetime) -> None:
        """Sleep until ``when`` or a stop request, whichever comes first."""
        sleeper = asyncio.ensure_future(self._clock.sleep_until(when))
        stopper = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            stopper.cancel()

    async def _play(self, display: GameDisplay) -> None:
        game = self.game
        while game.has_next and not self.stopped:
            asked = game.open_next()
            self.message_id = await display.question(self, asked)
            await self._repo.set_current_message(self.id, self.message_id, asked.number)
            await self._wait_until(asked.closes_at)
            if self.stopped:
                game.discard_current()
                await display.discarded(self, self.message_id, asked)
                break
            result = game.close()
            await self._repo.record_question(  # saved before Discord hears of it
                game_id=self.id,
                guild_id=self.guild_id,
                pack_id=self.pack.id,
                number=asked.number,
                question_id=asked.question.id,
                answers=result.answers,
                now=self._clock.now(),
            )
            await display.reveal(self, self.message_id, result)
            if game.has_next and not self.stopped:
                await self._wait_until(self._clock.now() + rules.PAUSE_BETWEEN_QUESTIONS)
        table = game.standings()
        winners = [s.user_id for s in table if s.rank == 1 and s.points > 0]
        status = "stopped" if self.stopped else "finished"
        await self._repo.finish_game(self.id, status=status, winner_ids=winners, now=self._clock.now())
        self._registry.release(self)  # a new game may start while the standings are posted
        await display.final(self, table)

    # --- every way out ------------------------------------------------------------------------
    def _on_done(self, task: asyncio.Task[None]) -> None:
        self._registry.release(self)
        if task.cancelled():
            log.info("trivia game %s in channel %s cancelled (shutting down)", self._id, self.channel_id)
            return
        error = task.exception()
        if error is None:
            return
        log.error("trivia game %s in channel %s crashed", self._id, self.channel_id, exc_info=error)
        self._registry.keep(asyncio.create_task(self._after_crash(), name=f"trivia-crash-{self._id}"))

    async def _after_crash(self) -> None:
        """Close the row as interrupted (points already revealed stay) and tell the channel."""
        try:
            await self._repo.finish_game(self.id, status="interrupted", winner_ids=[], now=self._clock.now())
        except Exception:
            log.exception("could not close crashed trivia game %s", self._id)
        if self._display is not None:
            try:
                await self._display.crashed(self)
            except Exception:
                log.exception("could not tell channel %s that its trivia game stopped", self.channel_id)
