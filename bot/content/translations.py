"""The content in the fandom's languages: ``data/translations/<locale>/…``, keyed by the English ids.

Each language has the same files as ``data/`` (``cast.yaml``, ``episodes.yaml``, ``releases.yaml``,
``trivia/<pack>.yaml``) holding only the words: a cast member's description and relation, an
episode's synopsis, a release's note, a pack's name and description, a question's prompt, answer
and wrong answers (in the English order). Ids, dates, seasons and sources are never repeated: a
translated item carries its English item's source. Names of people and places stay as in English
unless given; an episode's title may be translated only with the source that shows Netflix uses it.

``load_translations`` validates every file like the English ones (file:line: field: problem) and
builds one ``Catalog`` per language, each item the English one with its words replaced, so the
rest of the bot picks a catalogue by the reader's language and changes nothing else. An item a
language lacks stays in English there; ``missing`` lists them (``tests/test_i18n.py`` holds every
language to none missing).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator

from bot.content.loader import ContentError, _read, _validate
from bot.content.problems import Expect, Problems
from bot.content.schema import MAX_OPTION_LENGTH, MAX_PROMPT_LENGTH, Alias, Ident, Schema, Source, Text
from bot.domain.models import CastMember, Catalog, Episode, Release, Season, Special, TriviaPack, TriviaQuestion
from bot.i18n.locales import DEFAULT, SUPPORTED, TRANSLATED, Locale

TRANSLATIONS = "translations"
Option = Annotated[str, Field(max_length=MAX_OPTION_LENGTH), Expect("text")]


class CastText(Schema):
    character: Text | None = Field(default=None, max_length=100)  # only where the name itself changes
    description: Text = Field(max_length=300)
    school_or_relation: Text = Field(max_length=100)
    aliases: list[Alias] = Field(default_factory=list)  # localized names fans may type


class CastTexts(Schema):
    cast: dict[Ident, CastText]


class EpisodeText(Schema):
    synopsis: Text | None = Field(default=None, max_length=400)
    title: Text | None = Field(default=None, max_length=100)
    title_source: Source | None = None  # a localized title must say where Netflix uses it

    @field_validator("title_source")
    @classmethod
    def _sourced_title(cls, source: str | None, info: object) -> str | None:
        data = getattr(info, "data", {})
        if data.get("title") and not source:
            raise ValueError("a translated title needs title_source: where Netflix uses it")
        return source


class SeasonText(Schema):
    adapts: Text = Field(max_length=200)


class SpecialText(Schema):
    synopsis: Text | None = Field(default=None, max_length=400)
    release_note: Text = Field(max_length=200)
    adapts: Text = Field(max_length=200)


class EpisodeTexts(Schema):
    seasons: dict[str, SeasonText] = Field(default_factory=dict)  # keyed "1", "2", …
    episodes: dict[str, EpisodeText] = Field(default_factory=dict)  # keyed "S2E6"
    specials: dict[Ident, SpecialText] = Field(default_factory=dict)


class ReleaseText(Schema):
    note: Text = Field(max_length=300)
    aliases: list[Alias] = Field(default_factory=list)


class ReleaseTexts(Schema):
    releases: dict[Ident, ReleaseText]


class QuestionText(Schema):
    prompt: Text = Field(max_length=MAX_PROMPT_LENGTH)
    answer: Option | None = None  # None for a true/false question: True and False are the bot's own words
    wrong: list[Option] = Field(default_factory=list)


class PackTexts(Schema):
    name: Text = Field(max_length=100)
    description: Text = Field(max_length=300)
    questions: dict[Ident, QuestionText]


def episode_key(episode: Episode) -> str:
    return f"S{episode.season}E{episode.number}"


def load_translations(data_dir: Path, english: Catalog) -> dict[str, Catalog]:
    """Every language's catalogue (English included, as given); raise ContentError listing every problem."""
    problems: list[str] = []
    catalogs: dict[str, Catalog] = {DEFAULT: english}
    for locale in TRANSLATED:
        folder = data_dir / TRANSLATIONS / locale
        catalogs[locale] = _localized(folder, data_dir, english, problems) if folder.is_dir() else english
    if problems:
        raise ContentError(problems)
    return catalogs


def _file(
    path: Path, data_dir: Path, schema: type[Schema], problems: list[str], shown: str | None = None
) -> Schema | None:
    if not path.is_file():
        return None
    found = Problems(
        shown or (str(path.relative_to(data_dir.parent)) if data_dir.parent in path.parents else str(path))
    )
    document = _read(path, found)
    model = _validate(schema, document, found) if document is not None else None
    problems += found.messages()
    return model


def _localized(folder: Path, data_dir: Path, english: Catalog, problems: list[str]) -> Catalog:
    def unknown(where: Path, kind: str, ids: set[str]) -> None:
        for key in sorted(ids):
            problems.append(f"{where.relative_to(data_dir.parent)}: {kind} {key!r} is not in the English content")

    cast_texts = _file(folder / "cast.yaml", data_dir, CastTexts, problems)
    cast = english.cast
    if isinstance(cast_texts, CastTexts):
        unknown(folder / "cast.yaml", "cast member", set(cast_texts.cast) - {m.id for m in cast})
        cast = tuple(_cast(m, cast_texts.cast.get(m.id)) for m in cast)

    episode_texts = _file(folder / "episodes.yaml", data_dir, EpisodeTexts, problems)
    seasons, specials = english.seasons, english.specials
    if isinstance(episode_texts, EpisodeTexts):
        known = {episode_key(e) for e in english.episodes}
        unknown(folder / "episodes.yaml", "episode", set(episode_texts.episodes) - known)
        unknown(folder / "episodes.yaml", "special", set(episode_texts.specials) - {s.id for s in specials})
        unknown(folder / "episodes.yaml", "season", set(episode_texts.seasons) - {str(s.number) for s in seasons})
        seasons = tuple(_season(s, episode_texts) for s in seasons)
        specials = tuple(_special(s, episode_texts.specials.get(s.id)) for s in specials)

    release_texts = _file(folder / "releases.yaml", data_dir, ReleaseTexts, problems)
    releases = english.releases
    if isinstance(release_texts, ReleaseTexts):
        unknown(folder / "releases.yaml", "release", set(release_texts.releases) - {r.id for r in releases})
        releases = tuple(_release(r, release_texts.releases.get(r.id)) for r in releases)

    packs = [_localized_pack(pack, folder / "trivia" / f"{pack.id}.yaml", data_dir, problems) for pack in english.packs]
    return Catalog(cast=cast, seasons=seasons, specials=specials, releases=releases, packs=tuple(packs))


def _localized_pack(
    pack: TriviaPack, path: Path, data_dir: Path, problems: list[str], shown: str | None = None
) -> TriviaPack:
    """``pack`` with the words of its translation at ``path`` (the English pack where there is none);
    problems name the file as ``shown`` (default: relative to the data folder's parent, ``data/…``)."""
    texts = _file(path, data_dir, PackTexts, problems, shown)
    if not isinstance(texts, PackTexts):
        return pack
    where = shown or (path.relative_to(data_dir.parent) if data_dir.parent in path.parents else path)
    for key in sorted(set(texts.questions) - {q.id for q in pack.questions}):
        problems.append(f"{where}: question {key!r} is not in the English content")
    questions = []
    for question in pack.questions:
        text = texts.questions.get(question.id)
        if text is not None and not question.true_false and (text.answer is None or len(text.wrong) != 3):
            problems.append(
                f"{where}: questions.{question.id}: needs answer and exactly 3 wrong answers, in the English order"
            )
            text = None
        elif text is not None and len({o.casefold() for o in (text.answer or "", *text.wrong)}) < 1 + len(text.wrong):
            problems.append(f"{where}: questions.{question.id}: two options read the same in this language")
        questions.append(_question(question, text))
    return dataclasses.replace(pack, name=texts.name, description=texts.description, questions=tuple(questions))


@dataclasses.dataclass(frozen=True)
class PackTranslationReport:
    problems: list[str]
    name: str | None = None  # the pack's name in that language, once the file reads
    translated: int = 0
    total: int = 0


def check_pack_translation(path: Path, english: Catalog, shown: str | None = None) -> PackTranslationReport:
    """``check-pack`` on ``data/translations/<locale>/trivia/<pack>.yaml``: the file checked as start-up
    checks it, against the English pack of the same name, plus every question it still lacks."""
    locale, pack_id = path.parent.parent.name, path.stem
    pack = next((p for p in english.packs if p.id == pack_id), None)
    if locale not in SUPPORTED or path.parent.name != "trivia":
        where = f"translations/<locale>/trivia/<pack>.yaml, <locale> one of {', '.join(SUPPORTED)}"
        return PackTranslationReport([f"{path}: a pack's translation lives at {where}"])
    if pack is None:
        return PackTranslationReport([f"{path}: there is no English pack {pack_id!r} to translate"])
    problems: list[str] = []
    # data/translations/<locale>/trivia/<pack>.yaml
    localized = _localized_pack(pack, path, path.parents[3], problems, shown or str(path))
    if localized is pack:
        return PackTranslationReport(problems)
    pairs = list(zip(pack.questions, localized.questions, strict=True))
    problems += [f"{shown or path}: questions.{a.id}: not translated yet" for a, b in pairs if a is b]
    translated = sum(1 for a, b in pairs if a is not b)
    return PackTranslationReport(problems, localized.name, translated, len(pairs))


def is_translation(path: Path) -> bool:
    """Whether ``path`` is a pack's translation (``…/translations/<locale>/trivia/<pack>.yaml``)."""
    return len(path.parts) >= 4 and path.parts[-4] == TRANSLATIONS and path.parts[-2] == "trivia"


def _cast(member: CastMember, text: CastText | None) -> CastMember:
    if text is None:
        return member
    return dataclasses.replace(
        member,
        character=text.character or member.character,
        description=text.description,
        school_or_relation=text.school_or_relation,
        aliases=tuple(dict.fromkeys((*member.aliases, *text.aliases))),
    )


def _season(season: Season, texts: EpisodeTexts) -> Season:
    adapts = texts.seasons[str(season.number)].adapts if str(season.number) in texts.seasons else season.adapts
    episodes = []
    for episode in season.episodes:
        text = texts.episodes.get(episode_key(episode))
        if text is None:
            episodes.append(episode)
            continue
        episodes.append(
            dataclasses.replace(episode, title=text.title or episode.title, synopsis=text.synopsis or episode.synopsis)
        )
    return dataclasses.replace(season, adapts=adapts, episodes=tuple(episodes))


def _special(special: Special, text: SpecialText | None) -> Special:
    if text is None:
        return special
    return dataclasses.replace(
        special, synopsis=text.synopsis or special.synopsis, release_note=text.release_note, adapts=text.adapts
    )


def _release(release: Release, text: ReleaseText | None) -> Release:
    if text is None:
        return release
    return dataclasses.replace(release, note=text.note, aliases=tuple(dict.fromkeys((*release.aliases, *text.aliases))))


def _question(question: TriviaQuestion, text: QuestionText | None) -> TriviaQuestion:
    if text is None:
        return question
    if question.true_false:
        return dataclasses.replace(question, prompt=text.prompt)
    return dataclasses.replace(
        question, prompt=text.prompt, answer=text.answer or question.answer, wrong=tuple(text.wrong)
    )


def missing(english: Catalog, localized: Catalog) -> list[str]:
    """Items a language still shows in English (its translation is missing)."""
    gaps = [f"cast {a.id}" for a, b in zip(english.cast, localized.cast, strict=True) if a is b]
    gaps += [
        f"season {a.number}" for a, b in zip(english.seasons, localized.seasons, strict=True) if a.adapts is b.adapts
    ]
    gaps += [
        f"episode {episode_key(a)}"
        for a, b in zip(english.episodes, localized.episodes, strict=True)
        if a.synopsis and a is b
    ]
    gaps += [f"special {a.id}" for a, b in zip(english.specials, localized.specials, strict=True) if a is b]
    gaps += [f"release {a.id}" for a, b in zip(english.releases, localized.releases, strict=True) if a is b]
    for pack, other in zip(english.packs, localized.packs, strict=True):
        if pack is other:
            gaps.append(f"pack {pack.id}")
            continue
        gaps += [f"question {pack.id}/{a.id}" for a, b in zip(pack.questions, other.questions, strict=True) if a is b]
    return gaps


def localized_pack(pack: TriviaPack, catalogs: dict[Locale, Catalog], locale: Locale) -> TriviaPack:
    """A pack in ``locale`` when the catalogue has it (a server's own pack is in its author's language)."""
    return next((p for p in catalogs.get(locale, catalogs[DEFAULT]).packs if p.id == pack.id), pack)
