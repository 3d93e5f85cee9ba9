"""What makes a trivia pack fair, checked against the whole catalog (start-up checks each file alone).

- **No spoilers through the options.** A question tagged Season 1 must not offer "Mr Farouk"
  (first seen in Season 2) or "The film" as an option, right or wrong: a server at Season 1 would
  learn the name from the buttons. Every option that names a cast member, an episode or the film
  counts toward the question's season.
- **No near-duplicates.** Two questions with the same answer and most of their words in common
  are the same question to a fan, even when the wording differs.
- **Balance.** A pack author sees how the questions spread over seasons and difficulties.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.domain.models import Catalog, TriviaQuestion

FILM_NAMES = ("the film", "the movie", "heartstopper forever", "heartstopper: forever")
NEAR_DUPLICATE_OVERLAP = 0.6
# A true/false answer says nothing about the question, so only near-identical statements count.
NEAR_DUPLICATE_TRUE_FALSE = 0.9
BUTTON_LABEL_LIMIT = 80
LABEL_PREFIX = len("A · ")
_WORD = re.compile(r"[a-z0-9']+")
_STOPWORDS = frozenset(
    _WORD.findall(
        "a an the of in on at to for and or is are was were who what which whose when where how does do did "
        "by with from as his her their its s it that this be been season episode"
    )
)


def entity_seasons(catalog: Catalog) -> dict[str, int]:
    """Every name an option might use (cast, episode titles, the film), with the season it first appears in."""
    seasons: dict[str, int] = {}

    def note(name: str, season: int) -> None:
        key = name.casefold().strip()
        if key:
            seasons[key] = min(season, seasons.get(key, season))

    for member in catalog.cast:
        for name in (member.character, member.actor, *member.aliases):
            note(name, member.first_season)
    for season in catalog.seasons:
        note(season.director, season.number)
    for episode in catalog.episodes:
        note(episode.title, episode.season)
    for special in catalog.specials:
        note(special.title, special.spoiler_season)
        note(special.director, special.spoiler_season)
        for name in FILM_NAMES:
            note(name, special.spoiler_season)
    return seasons


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.casefold()) if w not in _STOPWORDS}


def _overlap(a: str, b: str) -> float:
    left, right = _words(a), _words(b)
    if not left or not right:
        return 0.0
    return len(left & right) / min(len(left), len(right))


def audit_questions(questions: Sequence[TriviaQuestion], catalog: Catalog) -> list[str]:
    """Problems as ``question-id: what is wrong (what would be right)``, in pack order."""
    known = entity_seasons(catalog)
    problems: list[str] = []
    for q in questions:
        for option in (q.answer, *q.wrong):
            first = known.get(option.casefold().strip())
            if first is not None and first > q.season:
                which = "answer" if option == q.answer else "wrong option"
                problems.append(
                    f"{q.id}: {which} {option!r} first appears in {_season_name(first)}, but the question is "
                    f"tagged {_season_name(q.season)} (tag it {first}, or pick another option)"
                )
            if len(option) + LABEL_PREFIX > BUTTON_LABEL_LIMIT:
                problems.append(
                    f"{q.id}: option {option!r} is cut short on its button "
                    f"(keep options to {BUTTON_LABEL_LIMIT - LABEL_PREFIX} characters)"
                )
    by_answer: dict[str, list[TriviaQuestion]] = {}
    for q in questions:
        by_answer.setdefault(q.answer.casefold(), []).append(q)
    for group in by_answer.values():
        for index, q in enumerate(group):
            for earlier in group[:index]:
                limit = NEAR_DUPLICATE_TRUE_FALSE if q.true_false else NEAR_DUPLICATE_OVERLAP
                if _overlap(q.prompt, earlier.prompt) >= limit:
                    problems.append(
                        f"{q.id}: near-duplicate of {earlier.id} (same answer {q.answer!r}, most words in common)"
                    )
    return problems


def _season_name(season: int) -> str:
    return "the film" if season >= 4 else f"Season {season}"


@dataclass(frozen=True, slots=True)
class Balance:
    total: int
    by_season: dict[int, int]
    by_difficulty: dict[str, int]
    true_false: int

    def lines(self) -> list[str]:
        def share(n: int) -> str:
            return f"{n} ({n / self.total:.0%})" if self.total else "0"

        seasons = ", ".join(f"{_season_name(s)} {share(n)}" for s, n in sorted(self.by_season.items()))
        levels = ", ".join(f"{d} {share(self.by_difficulty.get(d, 0))}" for d in ("easy", "medium", "hard"))
        return [
            f"  questions  : {self.total}",
            f"  by season  : {seasons}",
            f"  difficulty : {levels}",
            f"  true/false : {share(self.true_false)}",
        ]


def balance(questions: Iterable[TriviaQuestion]) -> Balance:
    items = list(questions)
    return Balance(
        total=len(items),
        by_season=dict(Counter(q.season for q in items)),
        by_difficulty=dict(Counter(q.difficulty.value for q in items)),
        true_false=sum(q.true_false for q in items),
    )
