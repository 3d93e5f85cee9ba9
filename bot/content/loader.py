"""Load and validate everything under ``data/`` into one immutable ``Catalog``.

Each file is read with its lines (``bot.content.yaml_lines``), validated whole against its pydantic
model (``bot.content.schema``), checked across its entries (duplicate ids and prompts, episode
numbering), and only then turned into the frozen domain types. Every problem of a file is reported
at once, each as ``data/FILE.yaml:LINE: field.path: problem (expected …)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.content.problems import Problems, dotted
from bot.content.schema import (
    CastEntry,
    CastFile,
    EpisodesFile,
    MultipleChoice,
    PackFile,
    ReleasesFile,
    SeasonEntry,
    SpecialEntry,
    TrueFalse,
)
from bot.content.yaml_lines import Document, YamlPath, YamlSyntaxError, read_yaml, read_yaml_file
from bot.domain.models import (
    CastMember,
    Catalog,
    Episode,
    Release,
    Season,
    Special,
    TriviaPack,
    TriviaQuestion,
)
from bot.errors import BotError

Model = TypeVar("Model", bound=BaseModel)


class ContentError(BotError):
    """One or more content files are invalid; ``problems`` holds one line per mistake."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        head = problems[0] if problems else "content error"
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        super().__init__(head + more)


def _label(path: Path, data_dir: Path) -> str:
    try:
        return f"{data_dir.name}/{path.relative_to(data_dir).as_posix()}"
    except ValueError:
        return str(path)


def _read(source: Path | str, problems: Problems) -> Document | None:
    """The document of a file (a Path) or of YAML text (a str), or None with the problem recorded."""
    if isinstance(source, Path) and not source.is_file():
        problems.add_file_problem(1, "file is missing", "every data/ file ships with the bot")
        return None
    try:
        document = read_yaml_file(source) if isinstance(source, Path) else read_yaml(source)
    except YamlSyntaxError as exc:
        problems.add_file_problem(exc.line, exc.problem, exc.expected)
        return None
    except UnicodeDecodeError:
        problems.add_file_problem(1, "file is not UTF-8 text", "save it as UTF-8")
        return None
    problems.document = document
    for repeated in document.repeated_keys:
        problems.add(
            repeated.path,
            "is given twice",
            f"expected each field once; the first is on line {repeated.first_line}",
            line=repeated.line,
        )
    return document


def _validate(schema: type[Model], document: Document, problems: Problems) -> Model | None:
    try:
        return schema.model_validate(document.data)
    except ValidationError as exc:
        problems.add_errors(schema, exc)
        return None


def _entries(data: Any, path: YamlPath) -> list[tuple[YamlPath, dict[str, Any]]]:
    """The mappings of the list at ``path`` in raw data, with their paths: cross-entry checks read these,
    so they still run when some entry failed validation."""
    for key in path:
        if isinstance(data, dict) and isinstance(key, str):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and key < len(data):
            data = data[key]
        else:
            data = None
    if not isinstance(data, list):
        return []
    return [((*path, index), item) for index, item in enumerate(data) if isinstance(item, dict)]


def _repeats(
    entries: list[tuple[YamlPath, dict[str, Any]]], field: str, normal: Callable[[str], str] = str.casefold
) -> Iterator[tuple[YamlPath, Any, YamlPath]]:
    """Each entry whose ``field`` repeats an earlier one's (after ``normal``): its path, value and the first's path."""
    seen: dict[str, YamlPath] = {}
    for path, entry in entries:
        value = entry.get(field)
        if isinstance(value, bool) or not isinstance(value, str | int):
            continue
        key = normal(str(value))
        if key in seen:
            yield (*path, field), value, seen[key]
        else:
            seen[key] = path


def _unique(problems: Problems, entries: list[tuple[YamlPath, dict[str, Any]]], field: str, what: str) -> None:
    for path, value, first in _repeats(entries, field):
        problems.add(path, f"duplicate {what} {value!r}", f"already used at {dotted(first)}")


def _load_listing(path: Path, label: str, schema: type[Model], entries: str) -> tuple[Model | None, list[str]]:
    """A file that is one list of entries, each with an ``id`` no other entry has (the cast, the releases):
    validated, or None, with every problem found (a repeated id is reported even when validation fails)."""
    problems = Problems(label)
    document = _read(path, problems)
    if document is None:
        return None, problems.messages()
    model = _validate(schema, document, problems)
    _unique(problems, _entries(document.data, (entries,)), "id", "id")
    return model, problems.messages()


def load_cast(path: Path, label: str) -> tuple[tuple[CastMember, ...], list[str]]:
    cast, problems = _load_listing(path, label, CastFile, "members")
    return (tuple(_cast_member(entry) for entry in cast.members) if cast else ()), problems


def _cast_member(entry: CastEntry) -> CastMember:
    return CastMember(
        id=entry.id,
        actor=entry.actor,
        character=entry.character,
        group=entry.group,
        description=entry.description,
        school_or_relation=entry.school_or_relation,
        seasons=tuple(sorted(set(entry.seasons))),
        film=entry.film,
        first_season=entry.first_season,
        detail_season=entry.detail_season,
        aliases=tuple(entry.aliases),
        sources=tuple(entry.sources),
        actor_note=entry.actor_note,
    )


def load_episodes(path: Path, label: str) -> tuple[tuple[Season, ...], tuple[Special, ...], list[str]]:
    problems = Problems(label)
    document = _read(path, problems)
    if document is None:
        return (), (), problems.messages()
    episodes = _validate(EpisodesFile, document, problems)
    seasons = _entries(document.data, ("seasons",))
    _unique(problems, seasons, "season", "season")
    for season_path, _ in seasons:
        _unique(problems, _entries(document.data, (*season_path, "episodes")), "number", "episode number")
    if episodes is None:
        return (), (), problems.messages()
    for index, entry in enumerate(episodes.seasons):
        numbers = sorted({e.number for e in entry.episodes})
        if numbers != list(range(1, len(numbers) + 1)):
            problems.add(("seasons", index, "episodes"), "episode numbers have gaps", "expected 1, 2, 3, … in order")
    built = tuple(sorted((_season(entry) for entry in episodes.seasons), key=lambda s: s.number))
    return built, tuple(_special(entry) for entry in episodes.specials), problems.messages()


def _season(entry: SeasonEntry) -> Season:
    episodes = (
        Episode(
            season=entry.season,
            number=episode.number,
            title=episode.title,
            release_date=entry.release_date,
            director=entry.director,
            writer=entry.writer,
            synopsis=episode.synopsis,
            sources=tuple(episode.sources or entry.sources),
        )
        for episode in entry.episodes
    )
    return Season(
        number=entry.season,
        release_date=entry.release_date,
        director=entry.director,
        writer=entry.writer,
        adapts=entry.adapts,
        sources=tuple(entry.sources),
        episodes=tuple(sorted(episodes, key=lambda e: e.number)),
    )


def _special(entry: SpecialEntry) -> Special:
    return Special(
        id=entry.id,
        title=entry.title,
        release_note=entry.release_note,
        director=entry.director,
        writer=entry.writer,
        adapts=entry.adapts,
        synopsis=entry.synopsis,
        spoiler_season=entry.spoiler_season,
        sources=tuple(entry.sources),
    )


def load_releases(path: Path, label: str) -> tuple[tuple[Release, ...], list[str]]:
    releases, problems = _load_listing(path, label, ReleasesFile, "releases")
    built = tuple(
        Release(r.id, r.name, r.date, r.time, r.timezone, r.note, tuple(r.aliases), tuple(r.sources))
        for r in (releases.releases if releases else ())
    )
    return built, problems


def _prompt_key(prompt: str) -> str:
    """Two prompts that read the same, ignoring case and punctuation, are a copy-paste slip."""
    return " ".join("".join(ch if ch.isalnum() else " " for ch in prompt.casefold()).split())


def load_pack(
    source: Path | str, label: str, *, max_questions: int | None = None
) -> tuple[TriviaPack | None, list[str]]:
    """One trivia pack, from a file or from YAML text, or None and every problem found.

    With ``max_questions`` (an upload's limit), a pack with more questions is refused as soon as it is
    read, before any of them is validated. See ``bot.content.packcheck`` for the author's checks.
    """
    problems = Problems(label)
    document = _read(source, problems)
    if document is None:
        return None, problems.messages()
    questions = document.data.get("questions") if isinstance(document.data, dict) else None
    if max_questions is not None and isinstance(questions, list) and len(questions) > max_questions:
        problems.add(("questions",), f"has {len(questions)} questions", f"expected at most {max_questions}")
        return None, problems.messages()
    pack = _validate(PackFile, document, problems)
    entries = _entries(document.data, ("questions",))
    _unique(problems, entries, "id", "question id")
    for path, _, first in _repeats(entries, "prompt", _prompt_key):
        problems.add(path, "duplicate prompt", f"the same question is already at {dotted(first)}")
    if pack is None or problems:
        return None, problems.messages()
    return TriviaPack(pack.id, pack.name, pack.description, tuple(_question(q) for q in pack.questions)), []


def _question(entry: MultipleChoice | TrueFalse) -> TriviaQuestion:
    wrong: tuple[str, ...]
    if isinstance(entry, TrueFalse):
        answer, wrong = ("True", ("False",)) if entry.answer else ("False", ("True",))
    else:
        answer, wrong = entry.answer, tuple(entry.wrong)
    return TriviaQuestion(
        id=entry.id,
        prompt=entry.prompt,
        answer=answer,
        wrong=wrong,
        season=entry.season,
        difficulty=entry.difficulty,
        source=entry.source,
        true_false=isinstance(entry, TrueFalse),
    )


def load_catalog(data_dir: Path) -> Catalog:
    """Load every file under data_dir; raise ContentError listing every problem found."""
    problems: list[str] = []
    cast, errs = load_cast(data_dir / "cast.yaml", _label(data_dir / "cast.yaml", data_dir))
    problems += errs
    seasons, specials, errs = load_episodes(data_dir / "episodes.yaml", _label(data_dir / "episodes.yaml", data_dir))
    problems += errs
    releases, errs = load_releases(data_dir / "releases.yaml", _label(data_dir / "releases.yaml", data_dir))
    problems += errs
    packs: list[TriviaPack] = []
    pack_files = sorted((data_dir / "trivia").glob("*.yaml"))
    if not pack_files:
        problems.append(f"{data_dir.name}/trivia: no trivia packs found (expected at least one trivia/<pack>.yaml)")
    for pack_file in pack_files:
        pack, errs = load_pack(pack_file, _label(pack_file, data_dir))
        problems += errs
        if pack is not None:
            if any(p.id == pack.id for p in packs):
                problems.append(
                    f"{_label(pack_file, data_dir)}:1: id: duplicate pack id {pack.id!r} (expected a unique id)"
                )
            packs.append(pack)
    if problems:
        raise ContentError(problems)
    return Catalog(cast=cast, seasons=seasons, specials=specials, releases=releases, packs=tuple(packs))
