"""How trivia looks: question, reveal, standings, leaderboard, stats, packs.

Every builder takes the ``locale`` it is read in: a game's messages in the language its session
keeps (the server's when the game started), a command's answer in ``reader_locale``. The words are
messages (``_``/``N_``) rendered by the embed helpers; the content (a question, its options, a pack's
name) comes from ``LocalizedContent`` in that language, and a server's own pack stays as uploaded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import discord
from discord.utils import escape_markdown, format_dt

from bot.domain import trivia as rules
from bot.domain.models import Difficulty, TriviaPack, TriviaQuestion
from bot.domain.trivia import LETTERS, AskedQuestion, QuestionResult, Standing
from bot.i18n import N_, Text, _, render
from bot.services.content import LocalizedContent
from bot.services.trivia import GameSession, Leaderboard, PlayerStats
from bot.ui.embeds import GREY, LEAF, MINT, PINK, add_field, base_embed, clip_label, footer

MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}
DIFFICULTY: dict[Difficulty, Text] = {
    # TRANSLATORS: a trivia question's difficulty
    Difficulty.EASY: _("Easy"),
    # TRANSLATORS: a trivia question's difficulty
    Difficulty.MEDIUM: _("Medium"),
    # TRANSLATORS: a trivia question's difficulty
    Difficulty.HARD: _("Hard"),
}


def place(rank: int, points: int) -> str:
    """A medal for the top three who scored; a plain number otherwise (no gold for 0 points)."""
    return MEDALS[rank] if rank in MEDALS and points > 0 else f"`{rank}.`"


def localized_pack(content: LocalizedContent, pack: TriviaPack, locale: str) -> tuple[str, str]:
    """A pack's name and description in ``locale`` (a server's own pack as its author wrote it)."""
    shown = content.pack(pack, locale)
    return shown.name, shown.description


def localized_options(
    content: LocalizedContent, question: TriviaQuestion, options: Sequence[str], locale: str
) -> tuple[str, ...]:
    """The options as shown (in their shuffled order), each in ``locale``; "True"/"False" are the bot's words."""
    return tuple(content.option(question, option, locale) for option in options)


def button_label(index: int, text: str) -> str:
    """``A · option``, the option already in the reader's language."""
    return clip_label(f"{LETTERS[index]} · {text}")


def mention(user_id: int) -> str:
    """A member as Discord shows them (never a ping: mentions are off bot-wide)."""
    return f"<@{user_id}>"


def _option_line(index: int, text: str) -> str:
    return f"**{LETTERS[index]}** · {escape_markdown(text)}"


def _votes(count: int) -> Text:
    return N_("{n} vote", "{n} votes", n=count)


def start_embed(session: GameSession, content: LocalizedContent, *, asked_for: int | None) -> discord.Embed:
    game, locale = session.game, session.locale
    name, _description = localized_pack(content, session.pack, locale)
    embed = base_embed(
        _("💕 Heartstopper trivia!"),
        N_(
            "**{n}** question from **{pack}**, {seconds} seconds each. Tap a button to lock in your answer: "
            "one answer per question, {points} points for a right one and up to {bonus} more for speed.",
            "**{n}** questions from **{pack}**, {seconds} seconds each. Tap a button to lock in your answer: "
            "one answer per question, {points} points for a right one and up to {bonus} more for speed.",
            n=game.total,
            pack=escape_markdown(name),
            seconds=game.seconds,
            points=rules.POINTS_FOR_RIGHT_ANSWER,
            bonus=rules.MAX_SPEED_BONUS,
        ),
        colour=LEAF,
        locale=locale,
    )
    if asked_for and game.total < asked_for:
        footer(
            embed,
            N_(
                "Only {n} question fits this server's spoiler setting.",
                "Only {n} questions fit this server's spoiler setting.",
                n=game.total,
            ),
            locale=locale,
        )
    return embed


def question_embed(session: GameSession, asked: AskedQuestion, content: LocalizedContent) -> discord.Embed:
    locale = session.locale
    question = content.question(asked.question, locale)
    options = localized_options(content, asked.question, asked.options, locale)
    name, _description = localized_pack(content, session.pack, locale)
    embed = base_embed(
        _("Question {number}/{total}", number=asked.number, total=session.game.total),
        f"**{escape_markdown(question.prompt)}**\n\n" + "\n".join(_option_line(i, o) for i, o in enumerate(options)),
        colour=PINK,
        locale=locale,
    )
    # TRANSLATORS: a heading; below it, when the question closes ("in 20 seconds", shown by Discord)
    add_field(embed, _("Closes"), format_dt(asked.closes_at, "R"), inline=True, locale=locale)
    add_field(embed, _("Difficulty"), DIFFICULTY[asked.question.difficulty], inline=True, locale=locale)
    return footer(
        embed,
        _(
            "{pack} · one answer each · {points} points + up to {bonus} for speed",
            pack=name,
            points=rules.POINTS_FOR_RIGHT_ANSWER,
            bonus=rules.MAX_SPEED_BONUS,
        ),
        locale=locale,
    )


def reveal_embed(session: GameSession, result: QuestionResult, content: LocalizedContent) -> discord.Embed:
    asked, locale = result.asked, session.locale
    question = content.question(asked.question, locale)
    options = localized_options(content, asked.question, asked.options, locale)
    counts = result.counts
    lines = []
    for i, option in enumerate(options):
        mark = "✅" if i == asked.correct_index else "▫️"
        lines.append(f"{mark} {_option_line(i, option)} — {render(_votes(counts[i]), locale)}")
    embed = base_embed(
        _("Question {number}/{total} · closed", number=asked.number, total=session.game.total),
        f"**{escape_markdown(question.prompt)}**\n\n" + "\n".join(lines),
        colour=MINT,
        locale=locale,
    )
    right = result.right
    if right:
        shown: Text | str = ", ".join(f"<@{a.user_id}> +{a.points}" for a in right[:30])
        if len(right) > 30:
            # TRANSLATORS: {people} is a list of members with their points
            shown = N_("{people} and {n} more", "{people} and {n} more", n=len(right) - 30, people=shown)
        # TRANSLATORS: a heading: the members who answered right, and how many they are
        add_field(embed, _("Right ({n})", n=len(right)), shown, locale=locale)
    else:
        add_field(embed, _("Right ({n})", n=0), _("Nobody this time!"), locale=locale)
    # TRANSLATORS: {letter} is the right answer's letter (A to D); {source} a URL or an article's title
    answer = _("Answer: {letter} · source: {source}", letter=asked.correct_letter, source=question.source)
    return footer(embed, answer, locale=locale)


def discarded_embed(session: GameSession, asked: AskedQuestion, content: LocalizedContent) -> discord.Embed:
    locale = session.locale
    question = content.question(asked.question, locale)
    options = localized_options(content, asked.question, asked.options, locale)
    said = _(
        "The answer was **{letter}** · {option}. This question was not scored.",
        letter=asked.correct_letter,
        option=escape_markdown(options[asked.correct_index]),
    )
    return base_embed(
        _("Question {number}/{total} · game stopped", number=asked.number, total=session.game.total),
        f"**{escape_markdown(question.prompt)}**\n\n{render(said, locale)}",
        colour=GREY,
        locale=locale,
    )


def standings_lines(table: list[Standing], limit: int = 10, *, locale: str) -> str:
    if not table:
        return render(_("No one scored this time."), locale)
    return "\n".join(
        render(
            # TRANSLATORS: {place} is a medal or a rank, {member} a mention; "pts" is short for points
            _(
                "{place} {member} — **{points}** pts ({correct} right)",
                place=place(s.rank, s.points),
                member=mention(s.user_id),
                points=s.points,
                correct=s.correct,
            ),
            locale,
        )
        for s in table[:limit]
    )


def final_embed(session: GameSession, table: list[Standing]) -> discord.Embed:
    locale = session.locale
    title = _("🏁 Trivia stopped") if session.stopped else _("🏆 Trivia over!")
    embed = base_embed(title, standings_lines(table, locale=locale), colour=LEAF, locale=locale)
    played = len(session.game.results)
    return footer(
        embed,
        N_(
            "{n} question · points saved · /trivia leaderboard",
            "{n} questions · points saved · /trivia leaderboard",
            n=played,
        ),
        locale=locale,
    )


def interrupted_embed(table: list[Standing], revealed: int, total: int, *, locale: str) -> discord.Embed:
    if revealed:
        saved = N_(
            "Points for the {n} question revealed before that are saved.",
            "Points for the {n} questions revealed before that are saved.",
            n=revealed,
        )
    else:
        saved = _("No question had been revealed yet, so no points changed.")
    lines = standings_lines(table, locale=locale) if table and revealed else ""
    said = render(_("This game was cut short when the bot stopped. {saved}", saved=saved), locale)
    embed = base_embed(_("⚠️ Trivia interrupted"), said + (f"\n\n{lines}" if lines else ""), colour=GREY, locale=locale)
    return footer(
        embed,
        _(
            "{revealed}/{total} questions revealed · start a new game with /trivia start",
            revealed=revealed,
            total=total,
        ),
        locale=locale,
    )


def leaderboard_embed(board: Leaderboard, guild_name: str, *, locale: str) -> discord.Embed:
    if not board.top:
        return base_embed(
            _("🏆 Leaderboard"), _("No scores yet. Start a game with `/trivia start`!"), colour=LEAF, locale=locale
        )
    lines = []
    for ranked in board.top:
        row = ranked.score
        line = _(
            "{place} {member} — **{points}** pts ({correct}/{answered} right)",
            place=place(ranked.rank, row.points),
            member=mention(row.user_id),
            points=row.points,
            correct=row.correct,
            answered=row.answered,
        )
        lines.append(render(line, locale))
    embed = base_embed(
        _("🏆 {server} leaderboard", server=escape_markdown(guild_name)), "\n".join(lines), colour=LEAF, locale=locale
    )
    if board.me:
        me = board.me.score
        mine = _(
            "#{rank} of {players} · **{points}** pts · {correct} right",
            rank=board.me.rank,
            players=board.players,
            points=me.points,
            correct=me.correct,
        )
        # TRANSLATORS: a heading: the place on the leaderboard of the member who asked
        add_field(embed, _("You"), mine, locale=locale)
    else:
        add_field(embed, _("You"), _("Not on the board yet: answer a question to join!"), locale=locale)
    return footer(embed, _("Ties: more right answers first, then the older Discord account"), locale=locale)


def days_and_best(current: int, best: int) -> Text:
    """A daily streak as "3 days (best 5)"."""
    return _("{days} (best {best})", days=N_("{n} day", "{n} days", n=current), best=best)


def stats_embed(
    user: discord.abc.User, stats: PlayerStats, *, daily_streak: tuple[int, int], locale: str
) -> discord.Embed:
    row, rank = stats.score, stats.rank
    embed = base_embed(
        _("📊 Trivia stats · {member}", member=escape_markdown(user.display_name)), colour=PINK, locale=locale
    )
    streak_line = days_and_best(*daily_streak)
    if row is None or row.answered == 0:
        embed.description = render(_("No game answers on this server yet."), locale)
        add_field(embed, _("Daily streak"), streak_line, inline=True, locale=locale)
        return embed
    # TRANSLATORS: a percentage; write it as your language does ("{percent} %" in French and German)
    accuracy = _("{percent}%", percent=round(row.accuracy * 100))
    fields: list[tuple[Text, Text | str]] = [
        (_("Points"), str(row.points)),
        (_("Rank"), f"#{rank}" if rank else "—"),
        (_("Games played"), str(row.games)),
        (_("Questions answered"), str(row.answered)),
        (_("Right answers"), str(row.correct)),
        (_("Accuracy"), accuracy),
        (_("Wins"), str(row.wins)),
        (_("Best streak"), str(row.best_streak)),
        (_("Daily streak"), streak_line),
    ]
    for name, value in fields:
        add_field(embed, name, value, inline=True, locale=locale)
    return embed


def packs_embed(
    packs: Sequence[TriviaPack], is_own: Callable[[TriviaPack], bool], content: LocalizedContent, *, locale: str
) -> discord.Embed:
    lines = []
    for pack in packs:
        own = is_own(pack)  # a server's own pack is shown as uploaded, in whatever language it was written
        name, description = (pack.name, pack.description) if own else localized_pack(content, pack, locale)
        words = {"name": escape_markdown(name), "id": pack.id, "description": escape_markdown(description)}
        if own:
            line = N_(
                "**{name}** (`{id}`) · *this server's own*: {n} question\n{description}",
                "**{name}** (`{id}`) · *this server's own*: {n} questions\n{description}",
                n=len(pack.questions),
                **words,
            )
        else:
            line = N_(
                "**{name}** (`{id}`): {n} question\n{description}",
                "**{name}** (`{id}`): {n} questions\n{description}",
                n=len(pack.questions),
                **words,
            )
        lines.append(render(line, locale))
    embed = base_embed(_("📚 Trivia packs"), "\n\n".join(lines), colour=LEAF, locale=locale)
    return footer(
        embed,
        _("Play one with /trivia start pack: · moderators can add their own with /trivia pack-upload"),
        locale=locale,
    )
