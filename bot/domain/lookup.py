"""Forgiving name lookup: case, accents, punctuation and small typos don't stop a fan.

Pure and generic: callers pass ``Candidate`` objects (an item plus the names it answers to),
so the same rules serve the cast, episode titles, releases and events.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import Enum
from functools import lru_cache
from typing import Generic, TypeVar

T = TypeVar("T")

# A query longer than any name is truncated before matching: it cannot match better.
MAX_QUERY_LENGTH = 100
MATCH_THRESHOLD = 0.78
SUGGEST_THRESHOLD = 0.45
# Two results closer than this are ambiguous ("Ta" -> Tao or Tara?).
AMBIGUITY_MARGIN = 0.04

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """Fold case and accents, turn punctuation into spaces: "Zoë O'Brien" -> "zoe o brien"."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", stripped.casefold()).strip()


@dataclass(frozen=True, slots=True)
class Candidate(Generic[T]):
    """Something findable: the item, how to show it, and every name it answers to."""

    item: T
    label: str
    keys: tuple[str, ...]

    @classmethod
    def of(cls, item: T, label: str, names: Iterable[str]) -> Candidate[T]:
        keys = tuple(dict.fromkeys(k for k in (normalize(n) for n in (label, *names)) if k))
        return cls(item, label, keys)


@dataclass(frozen=True, slots=True)
class Match(Generic[T]):
    item: T
    label: str
    score: float


class Outcome(Enum):
    FOUND = "found"
    AMBIGUOUS = "ambiguous"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Resolution(Generic[T]):
    outcome: Outcome
    matches: tuple[Match[T], ...]

    @property
    def item(self) -> T:
        if self.outcome is not Outcome.FOUND:
            raise LookupError("no single match")
        return self.matches[0].item


class _Query:
    """A query folded once, with a ``SequenceMatcher`` per query and per word holding it as the side
    difflib preprocesses (``set_seq2``), so scoring it against every name of every language reuses that
    work instead of redoing it per name."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = text.split()
        self.whole = SequenceMatcher(None, "", text)
        self.words = [SequenceMatcher(None, "", q) for q in self.tokens]

    def ratio(self, matcher: SequenceMatcher[str], key: str) -> float:
        matcher.set_seq1(key)
        return matcher.ratio()


def _key_score(query: _Query, key: str) -> float:
    q, query_tokens = query.text, query.tokens
    if q == key:
        return 1.0
    key_tokens = key.split()
    if key.startswith(q) or any(t.startswith(q) for t in key_tokens):
        # A prefix is a strong hint, stronger for longer prefixes ("char" vs "c").
        return 0.86 + 0.1 * min(len(q) / max(len(key), 1), 1.0)
    if query_tokens and all(any(t.startswith(w) for t in key_tokens) for w in query_tokens):
        return 0.85
    whole = query.ratio(query.whole, key)
    per_token = 0.0
    if len(query_tokens) > 1 or len(key_tokens) > 1:
        scores = [max(query.ratio(word, t) for t in key_tokens) for word in query.words]
        per_token = sum(scores) / len(scores) * (0.97 if len(query_tokens) == len(key_tokens) else 0.9)
    return max(whole, per_token)


def rank(
    query: str, candidates: Sequence[Candidate[T]], *, limit: int = 25, threshold: float = SUGGEST_THRESHOLD
) -> list[Match[T]]:
    """Candidates scored against the query, best first; an empty query lists them in order."""
    q = normalize(query[:MAX_QUERY_LENGTH])
    if not q:
        return [Match(c.item, c.label, 0.0) for c in candidates[:limit]]
    folded = _Query(q)
    scored: list[tuple[float, int, Candidate[T]]] = []
    for index, candidate in enumerate(candidates):
        score = max((_key_score(folded, key) for key in candidate.keys), default=0.0)
        if score >= threshold:
            scored.append((score, index, candidate))
    scored.sort(key=lambda row: (-row[0], row[1]))
    return [Match(c.item, c.label, round(s, 4)) for s, _, c in scored[:limit]]


def resolve(query: str, candidates: Sequence[Candidate[T]]) -> Resolution[T]:
    """One match, several close ones (ambiguous), or none (with the closest names as suggestions)."""
    matches = rank(query, candidates, limit=len(candidates) or 1)
    if not matches or matches[0].score < MATCH_THRESHOLD:
        return Resolution(Outcome.NONE, tuple(matches[:3]))
    best = matches[0].score
    if best >= 1.0:
        exact = tuple(m for m in matches if m.score >= 1.0)
        return Resolution(Outcome.FOUND if len(exact) == 1 else Outcome.AMBIGUOUS, exact[:10])
    close = tuple(m for m in matches if m.score >= max(MATCH_THRESHOLD, best - AMBIGUITY_MARGIN))
    if len(close) > 1:
        return Resolution(Outcome.AMBIGUOUS, close[:10])
    return Resolution(Outcome.FOUND, (matches[0],))


# "Season" and "episode" as fans of each language write them, accents folded first: Season, Temporada (pt,
# es: T2E6), Saison (fr), Staffel (de); Episode, Episódio (pt), Episodio and Capítulo (es), Épisode (fr),
# Folge (de: S2F6).
_SEASON_WORD = r"(?:s(?:eason|eries|aison)?|t(?:emp(?:orada)?)?|staffel|st)"
_EPISODE_WORD = r"(?:e(?:p(?:isod(?:e|io))?)?|cap(?:itulo)?|f(?:olge)?)"
_EPISODE_REF = re.compile(
    rf"^\s*(?:{_SEASON_WORD}\s*)?(\d{{1,2}})\s*(?:x|\.|,|-|:|/|\s|{_EPISODE_WORD})\s*(?:{_EPISODE_WORD}\s*)?(\d{{1,2}})\s*$",
    re.IGNORECASE,
)


def _fold_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def parse_episode_ref(text: str) -> tuple[int, int] | None:
    """``S2E6``, ``s2e6``, ``2x06``, ``2 6``, ``2.6``, ``season 2 episode 6``, and the same in the fandom's
    languages (``T2E6``, ``temporada 2 episódio 6``, ``saison 2 épisode 6``, ``Staffel 2 Folge 6``) -> (2, 6)."""
    match = _EPISODE_REF.match(_fold_accents(text[:MAX_QUERY_LENGTH]))
    if not match:
        return None
    return int(match.group(1)), int(match.group(2))
