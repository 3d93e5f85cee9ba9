"""What makes a trivia pack fair, checked against the whole catalog (start-up checks each file alone).

- **No spoilers through the options.** A question tagged Season 1 must not offer "Mr Farouk"
  (first seen in Season 2) or "The film" as an option, right or wrong: a server at Season 1 would
  learn the name from the buttons. That holds for a name *inside* an option too ("Tori and
  Michael" names Michael Holden, first seen in Season 3), so every cast name, director, the film's
  title and a short list of places and things from later seasons (``LATER_TERMS``) is looked for
  word by word in every option. Episode titles are ordinary words ("Love", "Home"), so they count
  only when they are the whole option.
- **No near-duplicates.** Two questions with the same answer (ignoring case, "the" and a
  possessive 's) and most of their words in common are the same question to a fan, even when the
  wording differs.
- **No answer given away by its length.** When the right answer is by far the longest option, a
  player who knows nothing still picks it.
- **No prompt that answers another question** (``giveaways``). The daily question and ``/trivia``
  draw from every pack, so "Who plays Charlie's therapist Geoff?" spoils "What is the name of
  Charlie's therapist?" wherever the two sit.
- **Balance.** A pack author sees how the questions spread over seasons, difficulties and
  true/false answers.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.domain.models import Catalog, TriviaQuestion

FILM_NAMES = ("the film", "the movie", "heartstopper forever", "heartstopper: forever")
# Only these film names are names; "the film" inside "A film marathon" is an ordinary phrase.
FILM_PROPER_NAMES = ("heartstopper forever",)
# Places, events and people an option might name that are neither cast members, episode titles nor
# the film, with the season that first shows them. Each is named in that season's episode synopses
# or cast descriptions and in no earlier one (tests/test_data_files.py holds the list to the data):
# a Season 1 option "To Paris" spoils the Season 2 trip.
LATER_TERMS: Mapping[str, int] = {
    "paris": 2,
    "eiffel tower": 2,
    "lambert": 2,
    "prom": 2,
    "menorca": 3,
    "zoo": 3,
}
NEAR_DUPLICATE_OVERLAP = 0.6
# A true/false answer says nothing about the question, so only near-identical statements count.
NEAR_DUPLICATE_TRUE_FALSE = 0.9
# The right answer gives itself away when it is this much longer than the wrong ones on average
# and clearly longer than the longest of them.
LENGTH_GIVEAWAY_RATIO = 1.5
LENGTH_GIVEAWAY_MARGIN = 5
# A prompt that names another question's answer gives it away when the two prompts share at least
# this share of the answered question's words (or always, when that question asks for a name).
GIVEAWAY_OVERLAP = 1 / 3
GIVEAWAY_MIN_LETTERS = 4
BUTTON_LABEL_LIMIT = 80
LABEL_PREFIX = len("A · ")
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
# "What is the name of…", "…called?", "What is Nick's surname?", "What is the title of…"
_NAME_RECALL = re.compile(r"(name|called|title)\b")


def _word_set(*lines: str) -> frozenset[str]:
    return frozenset(word for line in lines for word in line.split())


_STOPWORDS = _word_set(
    "a an the of in on at to for and or is are was were who what which whose when where how does do did",
    "by with from as his her their its s it that this be been then",
    # words every trivia prompt uses: they say nothing about which fact is asked
    "season episode heartstopper play plays played year month",
)
# Small words that stay lower case inside a title-case name ("Show the World What Love Is Made of").
_NAME_JOINERS = frozenset(("and", "of", "the", "de", "a", "an", "to", "in", "on", "for", "or"))


@dataclass(frozen=True, slots=True)
class _Token:
    text: str  # as written
    key: str  # case-folded, without a possessive 's

    @property
    def capitalised(self) -> bool:
        return self.text[:1].isupper()


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    for match in _TOKEN.finditer(text):
        word = match.group().replace("’", "'")
        key = word.casefold()
        if key.endswith("'s"):
            key = key[:-2]
        out.append(_Token(word, key))
    return out


def _key(text: str) -> tuple[str, ...]:
    return tuple(t.key for t in _tokens(text))


def _stem(word: str) -> str:
    """Crude English stemming, enough for "directs"/"director" or "novels"/"novel" to meet."""
    for suffix in ("ing", "ed", "or", "er", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _words(text: str) -> set[str]:
    return {_stem(t.key) for t in _tokens(text) if t.key not in _STOPWORDS}


def _overlap(a: str, b: str) -> float:
    left, right = _words(a), _words(b)
    if not left or not right:
        return 0.0
    return len(left & right) / min(len(left), len(right))


def normalised_answer(answer: str) -> str:
    """An answer as a fan hears it: case, punctuation, "the"/"a" and a possessive 's do not count."""
    words = list(_key(answer))
    if len(words) > 1 and words[0] in ("the", "a", "an"):
        words = words[1:]
    return " ".join(words)


@dataclass(frozen=True, slots=True)
class Names:
    """The names options are checked for, as token tuples with the season each first appears in."""

    inside: dict[tuple[str, ...], int]  # found anywhere in an option
    whole: dict[tuple[str, ...], int]  # found only as the whole option (episode titles, "the film")


def catalog_names(catalog: Catalog, terms: Mapping[str, int] = LATER_TERMS) -> Names:
    """Every name the catalog knows, with its first season, so a pack's options can be held to them."""
    inside: dict[tuple[str, ...], int] = {}
    whole: dict[tuple[str, ...], int] = {}

    def note(table: dict[tuple[str, ...], int], name: str, season: int) -> None:
        key = _key(name)
        if key:
            table[key] = min(season, table.get(key, season))

    for member in catalog.cast:
        for name in member.names:
            note(inside, name, member.first_season)
    for season in catalog.seasons:
        note(inside, season.director, season.number)
    for episode in catalog.episodes:
        note(whole, episode.title, episode.season)
    for special in catalog.specials:
        note(inside, special.title, special.spoiler_season)
        note(inside, special.director, special.spoiler_season)
        for name in FILM_NAMES:
            note(inside if name in FILM_PROPER_NAMES else whole, name, special.spoiler_season)
    for term, first in terms.items():
        note(inside, term, first)
    return Names(inside, whole)


def option_names(option: str, names: Names) -> list[tuple[str, int]]:
    """The names an option uses, as written, with their seasons.

    The whole option is looked up first (an episode title, "The film"). Otherwise every name is
    looked for inside it, the longest match winning ("Jack Barton" is David's actor in Season 2,
    not "Jack" Maddox from Season 3). A one-word match next to a capitalised word that is no known
    name (and no small word like "To") is part of another name and is skipped: "George Michael" is
    a singer, not Michael Holden.
    """
    tokens = _tokens(option)
    keys = tuple(t.key for t in tokens)
    for table in (names.whole, names.inside):
        if keys in table:
            return [(option, table[keys])]
    spans: list[tuple[int, int, int]] = []  # start, end, season
    for name, season in names.inside.items():
        size = len(name)
        for start in range(len(keys) - size + 1):
            if keys[start : start + size] == name:
                spans.append((start, start + size, season))
    kept = [
        s
        for s in spans
        if not any(o != s and o[0] <= s[0] and s[1] <= o[1] and o[1] - o[0] > s[1] - s[0] for o in spans)
    ]
    covered = {i for start, end, _ in spans for i in range(start, end)}
    found: list[tuple[str, int]] = []
    for start, end, season in kept:
        if end - start == 1:
            neighbours = [i for i in (start - 1, end) if 0 <= i < len(tokens)]
            if any(_part_of_another_name(tokens[i]) and i not in covered for i in neighbours):
                continue
        found.append((" ".join(t.text for t in tokens[start:end]), season))
    return found


def _part_of_another_name(token: _Token) -> bool:
    """A capitalised word that is not a small word capitalised at the start ("To Paris", "The zoo")."""
    return token.capitalised and token.key not in _STOPWORDS and token.key not in _NAME_JOINERS


def _length_giveaway(q: TriviaQuestion) -> bool:
    if q.true_false or not q.wrong:
        return False
    lengths = [len(w) for w in q.wrong]
    mean = sum(lengths) / len(lengths)
    return len(q.answer) >= LENGTH_GIVEAWAY_RATIO * mean and len(q.answer) >= max(lengths) + LENGTH_GIVEAWAY_MARGIN


def audit_questions(questions: Sequence[TriviaQuestion], catalog: Catalog) -> list[str]:
    """Problems as ``question-id: what is wrong (what would be right)``, in pack order."""
    names = catalog_names(catalog)
    problems: list[str] = []
    for q in questions:
        for option in (q.answer, *q.wrong):
            which = "answer" if option == q.answer else "wrong option"
            for name, first in option_names(option, names):
                if first > q.season:
                    named = repr(option) if name == option else f"{option!r} names {name!r}, which"
                    problems.append(
                        f"{q.id}: {which} {named} first appears in {_season_name(first)}, but the question is "
                        f"tagged {_season_name(q.season)} (tag it {first}, or pick another option)"
                    )
            if len(option) + LABEL_PREFIX > BUTTON_LABEL_LIMIT:
                problems.append(
                    f"{q.id}: option {option!r} is cut short on its button "
                    f"(keep options to {BUTTON_LABEL_LIMIT - LABEL_PREFIX} characters)"
                )
        if _length_giveaway(q):
            problems.append(
                f"{q.id}: the answer {q.answer!r} is much longer than every wrong option, so it gives itself away "
                "(make the wrong options as long as the answer)"
            )
    by_answer: dict[str, list[TriviaQuestion]] = {}
    for q in questions:
        by_answer.setdefault(normalised_answer(q.answer), []).append(q)
    for group in by_answer.values():
        for index, q in enumerate(group):
            for earlier in group[:index]:
                if q.true_false != earlier.true_false:
                    continue
                limit = NEAR_DUPLICATE_TRUE_FALSE if q.true_false else NEAR_DUPLICATE_OVERLAP
                if _overlap(q.prompt, earlier.prompt) >= limit:
                    problems.append(
                        f"{q.id}: near-duplicate of {earlier.id} (same answer {q.answer!r}, most words in common)"
                    )
    return problems


def _is_proper_name(answer: str, capitalised_words: set[str]) -> bool:
    """A name a prompt could give away: "Baby Queen", "The Eiffel Tower", "French" (not "Drums").

    Every option starts with a capital, so a one-word answer is a name only when some prompt also
    writes it capitalised in mid-sentence; longer answers are names when they are in title case.
    """
    tokens = _tokens(answer)
    if sum(c.isalpha() for c in answer) < GIVEAWAY_MIN_LETTERS or not tokens:
        return False
    significant = [t for t in tokens if t.key not in _NAME_JOINERS]
    if not significant or not all(t.capitalised for t in significant):
        return False
    if len(significant) == 1:
        return significant[0].key in capitalised_words
    return True


def _capitalised_in_prompts(questions: Iterable[TriviaQuestion]) -> set[str]:
    words: set[str] = set()
    for q in questions:
        for sentence in re.split(r"[.?!:;\"“”]\s*", q.prompt):
            for token in _tokens(sentence)[1:]:
                if token.capitalised:
                    words.add(token.key)
    return words


def _contains(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    size = len(needle)
    return any(tuple(haystack[i : i + size]) == tuple(needle) for i in range(len(haystack) - size + 1))


def giveaways(questions: Sequence[TriviaQuestion], catalog: Catalog) -> list[str]:
    """Prompts that name another question's answer, as ``question-id: ...``.

    Only answers that are names count (a person, a place, a title: "Geoff", "Wash Westmoreland",
    "French"), and only where the naming prompt is about the same thing: it shares at least a third
    of the answered question's words, or the answered question asks for a name outright ("What is
    the finale film called?" is spoiled by any prompt that says "Heartstopper Forever"). Exempt:
    episode titles (prompts name episodes by design, and every option of a title question is a
    title) and the show's characters as answers to what-happened questions ("Who catches Nick and
    Charlie kissing?" is not spoiled by another prompt that mentions Coach Singh).
    """
    titles = {_key(e.title) for e in catalog.episodes}
    characters = {
        _key(n)
        for m in catalog.cast
        for n in (m.character, *m.aliases)
        # aliases also hold the actor's names ("Colman", "Will Gao"): those are people, not characters
        if n == m.character or not set(_key(n)) & set(_key(m.actor or ""))
    }
    capitalised = _capitalised_in_prompts(questions)
    prompt_keys = {q.id: tuple(t.key for t in _tokens(q.prompt)) for q in questions}
    problems: list[str] = []
    for asked in questions:
        if asked.true_false or not _is_proper_name(asked.answer, capitalised):
            continue
        answer_key = tuple(normalised_answer(asked.answer).split())
        if answer_key in titles or _key(asked.answer) in titles:
            continue
        recall = bool(_NAME_RECALL.search(asked.prompt.casefold()))
        people = [w for w in answer_key if w not in _NAME_JOINERS]
        if not recall and (answer_key in characters or all((w,) in characters for w in people)):
            continue
        subject = {w for w in _words(asked.prompt) if not w.isdigit()} - {_stem(k) for k in answer_key}
        for other in questions:
            if other.id == asked.id or not _contains(prompt_keys[other.id], answer_key):
                continue
            shared = subject & _words(other.prompt)
            if recall or (shared and len(shared) / len(subject) >= GIVEAWAY_OVERLAP):
                problems.append(
                    f"{other.id}: prompt names {asked.answer!r}, the answer to {asked.id} "
                    "(rephrase one of the two so that no prompt names the other's answer)"
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
    true_answers: int = 0

    @property
    def true_share(self) -> float:
        """The share of true/false questions whose answer is True (0 when there are none)."""
        return self.true_answers / self.true_false if self.true_false else 0.0

    def lines(self) -> list[str]:
        def share(n: int) -> str:
            return f"{n} ({n / self.total:.0%})" if self.total else "0"

        seasons = ", ".join(f"{_season_name(s)} {share(n)}" for s, n in sorted(self.by_season.items()))
        levels = ", ".join(f"{d} {share(self.by_difficulty.get(d, 0))}" for d in ("easy", "medium", "hard"))
        true_false = share(self.true_false)
        if self.true_false:
            true_false += f", {self.true_answers} answered True ({self.true_share:.0%})"
        return [
            f"  questions  : {self.total}",
            f"  by season  : {seasons}",
            f"  difficulty : {levels}",
            f"  true/false : {true_false}",
        ]


def balance(questions: Iterable[TriviaQuestion]) -> Balance:
    items = list(questions)
    return Balance(
        total=len(items),
        by_season=dict(Counter(q.season for q in items)),
        by_difficulty=dict(Counter(q.difficulty.value for q in items)),
        true_false=sum(q.true_false for q in items),
        true_answers=sum(q.true_false and q.answer == "True" for q in items),
    )
