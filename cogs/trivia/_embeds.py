"""How trivia looks: question, reveal, standings, leaderboard, stats."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import discord
from discord.utils import escape_markdown, format_dt

from bot.domain import trivia as rules
from bot.domain.models import TriviaPack
from bot.domain.trivia import LETTERS, AskedQuestion, QuestionResult, Standing
from bot.services.trivia import GameSession, Leaderboard, PlayerStats
from bot.ui.embeds import GREY, LEAF, MINT, PINK, add_field, base_embed, footer

MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}


def place(rank: int, points: int) -> str:
    """A medal for the top three who scored; a plain number otherwise (no gold for 0 points)."""
    return MEDALS[rank] if rank in MEDALS and points > 0 else f"`{rank}.`"


def _option_line(index: int, text: str) -> str:
    return f"**{LETTERS[index]}** · {escape_markdown(text)}"


def start_embed(session: GameSession, *, asked_for: int | None) -> discord.Embed:
    game = session.game
    embed = base_embed(
        "💕 Heartstopper trivia!",
        f"**{game.total}** question{'s' if game.total != 1 else ''} from **{escape_markdown(session.pack.name)}**, "
        f"{game.seconds} seconds each. Tap a button to lock in your answer: one answer per question, "
        f"{rules.POINTS_FOR_RIGHT_ANSWER} points for a right one and up to {rules.MAX_SPEED_BONUS} more for speed.",
        colour=LEAF,
    )
    if asked_for and game.total < asked_for:
        footer(embed, f"Only {game.total} questions fit this server's spoiler setting.")
    return embed


def question_embed(session: GameSession, asked: AskedQuestion) -> discord.Embed:
    embed = base_embed(
        f"Question {asked.number}/{session.game.total}",
        f"**{escape_markdown(asked.question.prompt)}**\n\n"
        + "\n".join(_option_line(i, o) for i, o in enumerate(asked.options)),
        colour=PINK,
    )
    add_field(embed, "Closes", format_dt(asked.closes_at, "R"), inline=True)
    add_field(embed, "Difficulty", asked.question.difficulty.value.title(), inline=True)
    return footer(embed, f"{session.pack.name} · one answer each · 10 points + up to 5 for speed")


def reveal_embed(session: GameSession, result: QuestionResult) -> discord.Embed:
    asked = result.asked
    counts = result.counts
    lines = []
    for i, option in enumerate(asked.options):
        mark = "✅" if i == asked.correct_index else "▫️"
        lines.append(f"{mark} {_option_line(i, option)} — {counts[i]} vote{'s' if counts[i] != 1 else ''}")
    embed = base_embed(
        f"Question {asked.number}/{session.game.total} · closed",
        f"**{escape_markdown(asked.question.prompt)}**\n\n" + "\n".join(lines),
        colour=MINT,
    )
    right = result.right
    if right:
        shown = [f"<@{a.user_id}> +{a.points}" for a in right[:30]]
        more = f" and {len(right) - 30} more" if len(right) > 30 else ""
        add_field(embed, f"Right ({len(right)})", ", ".join(shown) + more)
    else:
        add_field(embed, "Right (0)", "Nobody this time!")
    return footer(embed, f"Answer: {asked.correct_letter} · source: {asked.question.source}")


def discarded_embed(session: GameSession, asked: AskedQuestion) -> discord.Embed:
    embed = base_embed(
        f"Question {asked.number}/{session.game.total} · game stopped",
        f"**{escape_markdown(asked.question.prompt)}**\n\nThe answer was **{asked.correct_letter}** · "
        f"{escape_markdown(asked.options[asked.correct_index])}. This question was not scored.",
        colour=GREY,
    )
    return embed


def standings_lines(table: list[Standing], limit: int = 10) -> str:
    if not table:
        return "No one scored this time."
    return "\n".join(
        f"{place(s.rank, s.points)} <@{s.user_id}> — **{s.points}** pts ({s.correct} right)" for s in table[:limit]
    )


def final_embed(session: GameSession, table: list[Standing]) -> discord.Embed:
    title = "🏁 Trivia stopped" if session.stopped else "🏆 Trivia over!"
    embed = base_embed(title, standings_lines(table), colour=LEAF)
    played = len(session.game.results)
    return footer(embed, f"{played} question{'s' if played != 1 else ''} · points saved · /trivia leaderboard")


def interrupted_embed(table: list[Standing], revealed: int, total: int) -> discord.Embed:
    if revealed:
        saved = f"Points for the {revealed} question{'s' if revealed != 1 else ''} revealed before that are saved."
    else:
        saved = "No question had been revealed yet, so no points changed."
    lines = standings_lines(table) if table and revealed else ""
    embed = base_embed(
        "⚠️ Trivia interrupted",
        f"This game was cut short when the bot stopped. {saved}" + (f"\n\n{lines}" if lines else ""),
        colour=GREY,
    )
    return footer(embed, f"{revealed}/{total} questions revealed · start a new game with /trivia start")


def leaderboard_embed(board: Leaderboard, guild_name: str) -> discord.Embed:
    if not board.top:
        return base_embed("🏆 Leaderboard", "No scores yet. Start a game with `/trivia start`!", colour=LEAF)
    lines = []
    for ranked in board.top:
        row = ranked.score
        lines.append(
            f"{place(ranked.rank, row.points)} <@{row.user_id}> — **{row.points}** pts "
            f"({row.correct}/{row.answered} right)"
        )
    embed = base_embed(f"🏆 {escape_markdown(guild_name)} leaderboard", "\n".join(lines), colour=LEAF)
    if board.me:
        me = board.me.score
        add_field(embed, "You", f"#{board.me.rank} of {board.players} · **{me.points}** pts · {me.correct} right")
    else:
        add_field(embed, "You", "Not on the board yet: answer a question to join!")
    return footer(embed, "Ties: more right answers first, then the older Discord account")


def stats_embed(user: discord.abc.User, stats: PlayerStats, *, daily_streak: tuple[int, int]) -> discord.Embed:
    row, rank = stats.score, stats.rank
    embed = base_embed(f"📊 Trivia stats · {escape_markdown(user.display_name)}", colour=PINK)
    current, best = daily_streak
    streak_line = f"{current} day{'s' if current != 1 else ''} (best {best})"
    if row is None or row.answered == 0:
        embed.description = "No game answers on this server yet."
        add_field(embed, "Daily streak", streak_line, inline=True)
        return embed
    add_field(embed, "Points", str(row.points), inline=True)
    add_field(embed, "Rank", f"#{rank}" if rank else "—", inline=True)
    add_field(embed, "Games played", str(row.games), inline=True)
    add_field(embed, "Questions answered", str(row.answered), inline=True)
    add_field(embed, "Right answers", str(row.correct), inline=True)
    add_field(embed, "Accuracy", f"{row.accuracy:.0%}", inline=True)
    add_field(embed, "Wins", str(row.wins), inline=True)
    add_field(embed, "Best streak", str(row.best_streak), inline=True)
    add_field(embed, "Daily streak", streak_line, inline=True)
    return embed


def packs_embed(packs: Sequence[TriviaPack], is_own: Callable[[TriviaPack], bool]) -> discord.Embed:
    lines = []
    for pack in packs:
        mark = " · *this server's own*" if is_own(pack) else ""
        lines.append(
            f"**{escape_markdown(pack.name)}** (`{pack.id}`){mark}: {len(pack.questions)} questions\n"
            f"{escape_markdown(pack.description)}"
        )
    embed = base_embed("📚 Trivia packs", "\n\n".join(lines), colour=LEAF)
    return footer(embed, "Play one with /trivia start pack: · moderators can add their own with /trivia pack-upload")
