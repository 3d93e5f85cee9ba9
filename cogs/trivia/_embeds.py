"""How trivia looks: question, reveal, standings, leaderboard, stats."""

from __future__ import annotations

import discord
from discord.utils import escape_markdown, format_dt

from bot.domain.trivia import LETTERS, AskedQuestion, QuestionResult, Standing
from bot.services.trivia import Leaderboard, LiveGame
from bot.storage.trivia import ScoreRow
from bot.ui.embeds import GREY, LEAF, MINT, PINK, add_field, base_embed, footer

MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}


def _option_line(index: int, text: str) -> str:
    return f"**{LETTERS[index]}** · {escape_markdown(text)}"


def question_embed(live: LiveGame, asked: AskedQuestion) -> discord.Embed:
    embed = base_embed(
        f"Question {asked.number}/{live.game.total}",
        f"**{escape_markdown(asked.question.prompt)}**\n\n"
        + "\n".join(_option_line(i, o) for i, o in enumerate(asked.options)),
        colour=PINK,
    )
    add_field(embed, "Closes", format_dt(asked.closes_at, "R"), inline=True)
    add_field(embed, "Difficulty", asked.question.difficulty.value.title(), inline=True)
    return footer(embed, f"{live.pack.name} · one answer each · 10 points + up to 5 for speed")


def reveal_embed(live: LiveGame, result: QuestionResult) -> discord.Embed:
    asked = result.asked
    counts = result.counts
    lines = []
    for i, option in enumerate(asked.options):
        mark = "✅" if i == asked.correct_index else "▫️"
        lines.append(f"{mark} {_option_line(i, option)} — {counts[i]} vote{'s' if counts[i] != 1 else ''}")
    embed = base_embed(
        f"Question {asked.number}/{live.game.total} · closed",
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


def discarded_embed(live: LiveGame, asked: AskedQuestion) -> discord.Embed:
    embed = base_embed(
        f"Question {asked.number}/{live.game.total} · game stopped",
        f"**{escape_markdown(asked.question.prompt)}**\n\nThe answer was **{asked.correct_letter}** · "
        f"{escape_markdown(asked.options[asked.correct_index])}. This question was not scored.",
        colour=GREY,
    )
    return embed


def standings_lines(table: list[Standing], limit: int = 10) -> str:
    if not table:
        return "No one scored this time."
    return "\n".join(
        f"{MEDALS.get(s.rank, f'`{s.rank}.`')} <@{s.user_id}> — **{s.points}** pts ({s.correct} right)"
        for s in table[:limit]
    )


def final_embed(live: LiveGame, table: list[Standing], *, stopped: bool) -> discord.Embed:
    title = "🏁 Trivia stopped" if stopped else "🏆 Trivia over!"
    embed = base_embed(title, standings_lines(table), colour=LEAF)
    played = len(live.game.results)
    return footer(embed, f"{played} question{'s' if played != 1 else ''} · points saved · /trivia leaderboard")


def interrupted_embed(points: list[tuple[int, int, int]], revealed: int, total: int) -> discord.Embed:
    ordered = sorted(points, key=lambda p: (-p[1], -p[2], p[0]))
    lines = "\n".join(f"<@{uid}> — **{pts}** pts ({right} right)" for uid, pts, right in ordered[:10])
    embed = base_embed(
        "⚠️ Trivia interrupted",
        "This game was cut short when the bot restarted. Points for the "
        f"{revealed} question{'s' if revealed != 1 else ''} revealed before that are saved.\n\n" + (lines or ""),
        colour=GREY,
    )
    return footer(embed, f"{revealed}/{total} questions revealed · start a new game with /trivia start")


def leaderboard_embed(board: Leaderboard, guild_name: str) -> discord.Embed:
    if not board.top:
        return base_embed("🏆 Leaderboard", "No scores yet. Start a game with `/trivia start`!", colour=LEAF)
    lines = []
    for position, row in enumerate(board.top, start=1):
        lines.append(
            f"{MEDALS.get(position, f'`{position}.`')} <@{row.user_id}> — **{row.points}** pts "
            f"({row.correct}/{row.answered} right)"
        )
    embed = base_embed(f"🏆 {escape_markdown(guild_name)} leaderboard", "\n".join(lines), colour=LEAF)
    if board.me:
        rank, me = board.me
        add_field(embed, "You", f"#{rank} of {board.players} · **{me.points}** pts · {me.correct} right")
    else:
        add_field(embed, "You", "Not on the board yet: answer a question to join!")
    return footer(embed, "Ties: more right answers first, then who joined the board first")


def stats_embed(user: discord.abc.User, row: ScoreRow | None, rank: int | None) -> discord.Embed:
    embed = base_embed(f"📊 Trivia stats · {escape_markdown(user.display_name)}", colour=PINK)
    if row is None or row.answered == 0:
        embed.description = "No trivia answers on this server yet."
        return embed
    add_field(embed, "Points", str(row.points), inline=True)
    add_field(embed, "Rank", f"#{rank}" if rank else "—", inline=True)
    add_field(embed, "Games played", str(row.games), inline=True)
    add_field(embed, "Questions answered", str(row.answered), inline=True)
    add_field(embed, "Right answers", str(row.correct), inline=True)
    add_field(embed, "Accuracy", f"{row.accuracy:.0%}", inline=True)
    add_field(embed, "Wins", str(row.wins), inline=True)
    add_field(embed, "Best streak", str(row.best_streak), inline=True)
    return embed
