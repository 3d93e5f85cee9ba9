"""The shape of every content file, as pydantic models: the validation layer at the YAML boundary.

These models say what each file may hold; ``bot.content.loader`` turns a validated file into the
frozen domain types of ``bot.domain.models``, which stay free of pydantic. Every model is strict,
because YAML 1.1 types values behind an author's back: ``answer: yes`` is the boolean true,
``answer: 007`` the number 7 and ``date: 2024-05-01`` a date, and none of them may pass for text.
Unknown fields are refused (a typo such as ``difficulty`` spelt ``dificulty`` must not vanish), text
is stripped and may not be empty, and each field carries an ``Expect`` note that
``bot.content.problems`` uses to word its ``(expected …)``.

Rules that compare fields of one entry (a wrong answer that is the right one, a time without a date)
are field validators that read the fields declared before them, so they report even when another
field of the same entry is wrong. Rules across entries (duplicate ids and prompts, episode numbering)
are the loader's, since pydantic keeps nothing of a list that has one bad entry.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Strict,
    Tag,
    ValidationInfo,
    field_validator,
)

from bot.content.problems import Expect, refuse
from bot.domain.models import SEED_SOURCE, CastGroup, Difficulty

MAX_SEASON = 10
MAX_EPISODES = 30
# Discord caps a button label at 80 characters; trivia options are button labels.
MAX_OPTION_LENGTH = 80
MAX_PROMPT_LENGTH = 400

_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


def _ident(value: str) -> str:
    if not _ID.fullmatch(value):
        raise refuse(f"{value!r} is not a valid id", "expected lowercase letters, digits and dashes")
    return value


def _source(value: str) -> str:
    parsed = urlparse(value)
    is_url = parsed.scheme in ("http", "https") and bool(parsed.netloc) and " " not in value
    if value != SEED_SOURCE and not is_url:
        raise refuse(f"{value!r} is not a source", "expected an http(s) URL or `seed` for the Tudum article")
    return value


def _iso_date(value: Any) -> Any:
    """A quoted "2024-05-01" is a date too; anything else is left for the strict date check to refuse."""
    if isinstance(value, str) and _DATE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return value
    return value


def _clock_time(value: Any) -> dt.time:
    # Unquoted, YAML 1.1 reads 8:00 as the base-60 number 480; only quoted text is a time here.
    match = _TIME.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise refuse(f"{value!r} is not a time", 'expected "HH:MM" in quotes, 24-hour')
    return dt.time(int(match.group(1)), int(match.group(2)))


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise refuse(f"{value!r} is not a time zone", "expected an IANA name like Europe/London") from None
    return value


def _one_of(values: Any) -> str:
    return "one of: " + ", ".join(str(v.value) for v in values)


Entry = TypeVar("Entry")
Text = Annotated[str, Expect("text")]
Ident = Annotated[str, Expect("an id of lowercase letters, digits and dashes"), AfterValidator(_ident)]
Season = Annotated[int, Field(ge=1, le=MAX_SEASON), Expect("a whole number from {ge} to {le}")]
# Questions and the film may belong to the season after the last one shown.
SpoilerSeason = Annotated[int, Field(ge=1, le=MAX_SEASON + 1), Expect("a whole number from {ge} to {le}")]
EpisodeNumber = Annotated[int, Field(ge=1, le=MAX_EPISODES), Expect("a whole number from {ge} to {le}")]
Flag = Annotated[bool, Expect("true or false")]
Day = Annotated[dt.date, BeforeValidator(_iso_date), Expect("a date YYYY-MM-DD")]
ClockTime = Annotated[dt.time, BeforeValidator(_clock_time), Expect('"HH:MM" in quotes, 24-hour')]
Zone = Annotated[str, Field(max_length=64), AfterValidator(_zone), Expect("an IANA time zone like Europe/London")]
Group = Annotated[CastGroup, Strict(False), Expect(_one_of(CastGroup))]
Level = Annotated[Difficulty, Strict(False), Expect(_one_of(Difficulty))]
Alias = Annotated[str, Field(max_length=60), Expect("text")]
Aliases = Annotated[list[Alias], Expect("a list of text, like [a, b]")]
Source = Annotated[str, Field(max_length=500), AfterValidator(_source), Expect("an http(s) URL or `seed`")]
Sources = Annotated[list[Source], Field(min_length=1), Expect("a list of sources, like [seed] or [https://…]")]
Option = Annotated[str, Field(max_length=MAX_OPTION_LENGTH), Expect("text")]
Seasons = Annotated[list[Season], Expect(f"a list of numbers from 1 to {MAX_SEASON}, like [1, 2]")]
Entries = Annotated[list[Entry], Expect("a list of `- key: value` entries")]


class Schema(BaseModel):
    """Strict about types, refuses unknown fields, strips text and refuses it empty."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, str_strip_whitespace=True, str_min_length=1)


class CastEntry(Schema):
    id: Ident
    actor: Text | None = Field(max_length=100)  # null: no source names the actor (never guessed)
    actor_note: Text | None = Field(default=None, max_length=200)
    character: Text = Field(max_length=100)
    group: Group
    description: Text = Field(max_length=300)
    school_or_relation: Text = Field(max_length=100)
    seasons: Seasons = Field(default_factory=list)
    film: Flag = False
    first_season: Season
    detail_season: Season
    aliases: Aliases = Field(default_factory=list)
    sources: Sources


class CastFile(Schema):
    members: Entries[CastEntry]


class EpisodeEntry(Schema):
    number: EpisodeNumber
    title: Text = Field(max_length=100)
    synopsis: Text | None = Field(default=None, max_length=400)
    # Without a synopsis an episode may lean on its season's sources; a synopsis needs its own.
    sources: Sources | None = Field(default=None, validate_default=True)

    @field_validator("sources")
    @classmethod
    def _sourced_synopsis(cls, sources: list[str] | None, info: ValidationInfo) -> list[str] | None:
        if sources is None and info.data.get("synopsis"):
            raise refuse("is missing", "expected the sources of the synopsis, like [https://…]")
        return sources


class SeasonEntry(Schema):
    season: Season
    release_date: Day
    director: Text = Field(max_length=100)
    writer: Text = Field(max_length=100)
    adapts: Text = Field(max_length=200)
    sources: Sources
    episodes: Entries[EpisodeEntry]


class SpecialEntry(Schema):
    id: Ident
    title: Text = Field(max_length=100)
    release_note: Text = Field(max_length=200)
    director: Text = Field(max_length=100)
    writer: Text = Field(max_length=100)
    adapts: Text = Field(max_length=200)
    synopsis: Text | None = Field(default=None, max_length=400)
    spoiler_season: SpoilerSeason
    sources: Sources


class EpisodesFile(Schema):
    seasons: Entries[SeasonEntry]
    specials: Entries[SpecialEntry] = Field(default_factory=list)


class ReleaseEntry(Schema):
    id: Ident
    name: Text = Field(max_length=100)
    date: Day | None = None
    time: ClockTime | None = None
    timezone: Zone = "UTC"
    note: Text = Field(max_length=300)
    aliases: Aliases = Field(default_factory=list)
    sources: Sources

    @field_validator("time")
    @classmethod
    def _time_needs_a_date(cls, time: dt.time | None, info: ValidationInfo) -> dt.time | None:
        if time is not None and "date" in info.data and info.data["date"] is None:
            raise refuse("has a time but no date", "expected a date too, or neither")
        return time


class ReleasesFile(Schema):
    releases: Entries[ReleaseEntry]


class MultipleChoice(Schema):
    id: Ident
    type: Literal["multiple-choice"] = "multiple-choice"
    prompt: Text = Field(max_length=MAX_PROMPT_LENGTH)
    answer: Option
    wrong: Annotated[
        list[Option], Expect("a list of 3 wrong answers, like [a, b, c]", count="exactly 3 wrong answers")
    ] = Field(min_length=3, max_length=3)
    season: SpoilerSeason
    difficulty: Level
    source: Source

    @field_validator("wrong")
    @classmethod
    def _all_wrong(cls, wrong: list[str], info: ValidationInfo) -> list[str]:
        answer = info.data.get("answer")
        if isinstance(answer, str) and any(w.casefold() == answer.casefold() for w in wrong):
            raise refuse("repeats the right answer", "expected 3 answers that are all wrong")
        if len({w.casefold() for w in wrong}) != len(wrong):
            raise refuse("lists the same answer twice", "expected 3 different wrong answers")
        return wrong


class TrueFalse(Schema):
    id: Ident
    type: Literal["true-false"]
    prompt: Text = Field(max_length=MAX_PROMPT_LENGTH)
    answer: Annotated[bool, Expect("true or false for a true-false question")]
    # Declared only to be refused with a reason: the wrong answer of a true-false question is implied.
    wrong: Any = None
    season: SpoilerSeason
    difficulty: Level
    source: Source

    @field_validator("wrong")
    @classmethod
    def _no_wrong(cls, wrong: Any) -> Any:
        raise refuse("is not used by true-false questions", "remove it")


def _question_kind(entry: Any) -> Any:
    """The tag of a question: its ``type``, "multiple-choice" when left out (or not a mapping at all)."""
    kind = entry.get("type", "multiple-choice") if isinstance(entry, dict) else "multiple-choice"
    return kind if isinstance(kind, str) else repr(kind)


Question = Annotated[
    Annotated[MultipleChoice, Tag("multiple-choice")] | Annotated[TrueFalse, Tag("true-false")],
    Discriminator(_question_kind),
]


class PackFile(Schema):
    id: Ident
    name: Text = Field(max_length=100)
    description: Text = Field(max_length=300)
    questions: Entries[Question] = Field(min_length=1)
