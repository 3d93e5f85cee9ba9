"""Load and validate everything under ``data/`` into one immutable ``Catalog``.

Every file is checked completely before anything is reported, so an author sees all mistakes
of a file at once, each as ``data/FILE.yaml:LINE: field.path: problem (expected)``.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.content.fields import Node, Problems
from bot.content.yaml_lines import YamlSyntaxError, load_yaml, load_yaml_text
from bot.domain.models import (
    CastGroup,
    CastMember,
    Catalog,
    Difficulty,
    Episode,
    Release,
    Season,
    Special,
    TriviaPack,
    TriviaQuestion,
)
from bot.errors import BotError

MAX_SEASON = 10
# Discord caps a button label at 80 characters; trivia options are button labels.
MAX_OPTION_LENGTH = 80
MAX_PROMPT_LENGTH = 400


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


def _root(path: Path | str, problems: Problems) -> Node | None:
    """The top mapping of a file (a Path) or of YAML text (a str), or None with the problem recorded."""
    if isinstance(path, Path) and not path.is_file():
        problems.add(1, "", "file is missing", "every data/ file ships with the bot")
        return None
    try:
        data = load_yaml(path) if isinstance(path, Path) else load_yaml_text(path)
    except YamlSyntaxError as exc:
        problems.add(exc.line, "", exc.problem, "fix the YAML syntax")
        return None
    except UnicodeDecodeError:
        problems.add(1, "", "file is not UTF-8 text", "save it as UTF-8")
        return None
    return Node(problems, data, "", 1)


def _unique(problems: Problems, nodes_and_keys: list[tuple[Node, str, str | None]], what: str) -> None:
    seen: dict[str, str] = {}
    for node, field_name, value in nodes_and_keys:
        if value is None:
            continue
        key = value.casefold()
        if key in seen:
            problems.add(
                node.line_of(field_name),
                f"{node.path}.{field_name}",
                f"duplicate {what} {value!r}",
                f"already used at {seen[key]}",
            )
        else:
            seen[key] = node.path


def load_cast(path: Path, label: str) -> tuple[tuple[CastMember, ...], list[str]]:
    problems = Problems(label)
    root = _root(path, problems)
    members: list[CastMember] = []
    ids: list[tuple[Node, str, str | None]] = []
    if root is not None:
        root.check_keys(["members"])
        for node in root.children("members"):
            node.check_keys(
                [
                    "id",
                    "actor",
                    "actor_note",
                    "character",
                    "group",
                    "description",
                    "school_or_relation",
                    "seasons",
                    "film",
                    "first_season",
                    "detail_season",
                    "aliases",
                    "sources",
                ]
            )
            member_id = node.ident()
            ids.append((node, "id", member_id))
            values = {
                "actor": node.text("actor", max_len=100),
                "character": node.text("character", max_len=100),
                "group": node.choice("group", [g.value for g in CastGroup]),
                "description": node.text("description", max_len=300),
                "school_or_relation": node.text("school_or_relation", max_len=100),
                "first_season": node.integer("first_season", 1, MAX_SEASON),
                "detail_season": node.integer("detail_season", 1, MAX_SEASON),
            }
            seasons = node.int_list("seasons", 1, MAX_SEASON, required=False)
            aliases = node.text_list("aliases", required=False, max_len=60)
            sources = node.sources()
            film = node.boolean("film", False)
            actor_note = node.text("actor_note", required=False, max_len=200)
            if member_id is None or any(v is None for v in values.values()) or not sources:
                continue
            members.append(
                CastMember(
                    id=member_id,
                    actor=str(values["actor"]),
                    character=str(values["character"]),
                    group=CastGroup(str(values["group"])),
                    description=str(values["description"]),
                    school_or_relation=str(values["school_or_relation"]),
                    seasons=seasons,
                    film=film,
                    first_season=int(values["first_season"] or 1),
                    detail_season=int(values["detail_season"] or 1),
                    aliases=aliases,
                    sources=sources,
                    actor_note=actor_note,
                )
            )
        _unique(problems, ids, "id")
    return tuple(members), problems.messages()


def load_episodes(path: Path, label: str) -> tuple[tuple[Season, ...], tuple[Special, ...], list[str]]:
    problems = Problems(label)
    root = _root(path, problems)
    seasons: list[Season] = []
    specials: list[Special] = []
    if root is not None:
        root.check_keys(["seasons", "specials"])
        numbers: list[tuple[Node, str, str | None]] = []
        for snode in root.children("seasons"):
            snode.check_keys(["season", "release_date", "director", "writer", "adapts", "sources", "episodes"])
            number = snode.integer("season", 1, MAX_SEASON)
            numbers.append((snode, "season", None if number is None else str(number)))
            release = snode.date("release_date")
            director = snode.text("director", max_len=100)
            writer = snode.text("writer", max_len=100)
            adapts = snode.text("adapts", max_len=200)
            sources = snode.sources()
            episodes: list[Episode] = []
            ep_numbers: list[tuple[Node, str, str | None]] = []
            for enode in snode.children("episodes"):
                enode.check_keys(["number", "title", "synopsis", "sources"])
                ep_no = enode.integer("number", 1, 30)
                ep_numbers.append((enode, "number", None if ep_no is None else str(ep_no)))
                title = enode.text("title", max_len=100)
                synopsis = enode.text("synopsis", required=False, max_len=400)
                ep_sources = enode.sources() if synopsis or enode.has("sources") else ()
                if (
                    number is None
                    or release is None
                    or director is None
                    or writer is None
                    or ep_no is None
                    or title is None
                ):
                    continue
                episodes.append(
                    Episode(
                        season=number,
                        number=ep_no,
                        title=title,
                        release_date=release,
                        director=director,
                        writer=writer,
                        synopsis=synopsis,
                        sources=ep_sources or sources,
                    )
                )
            _unique(problems, ep_numbers, "episode number")
            expected = list(range(1, len(episodes) + 1))
            if episodes and sorted(e.number for e in episodes) != expected:
                problems.add(
                    snode.line_of("episodes"),
                    f"{snode.path}.episodes",
                    "episode numbers have gaps",
                    "expected 1, 2, 3, … in order",
                )
            if number is None or release is None or director is None or writer is None or adapts is None:
                continue
            if not sources:
                continue
            seasons.append(
                Season(
                    number=number,
                    release_date=release,
                    director=director,
                    writer=writer,
                    adapts=adapts,
                    sources=sources,
                    episodes=tuple(sorted(episodes, key=lambda e: e.number)),
                )
            )
        _unique(problems, numbers, "season")
        for node in root.children("specials", required=False):
            node.check_keys(
                [
                    "id",
                    "title",
                    "release_note",
                    "director",
                    "writer",
                    "adapts",
                    "synopsis",
                    "spoiler_season",
                    "sources",
                ]
            )
            values = {
                "id": node.ident(),
                "title": node.text("title", max_len=100),
                "release_note": node.text("release_note", max_len=200),
                "director": node.text("director", max_len=100),
                "writer": node.text("writer", max_len=100),
                "adapts": node.text("adapts", max_len=200),
            }
            synopsis = node.text("synopsis", required=False, max_len=400)
            spoiler = node.integer("spoiler_season", 1, MAX_SEASON + 1)
            sources = node.sources()
            if any(v is None for v in values.values()) or spoiler is None or not sources:
                continue
            specials.append(
                Special(
                    id=str(values["id"]),
                    title=str(values["title"]),
                    release_note=str(values["release_note"]),
                    director=str(values["director"]),
                    writer=str(values["writer"]),
                    adapts=str(values["adapts"]),
                    synopsis=synopsis,
                    spoiler_season=spoiler,
                    sources=sources,
                )
            )
    return tuple(sorted(seasons, key=lambda s: s.number)), tuple(specials), problems.messages()


def load_releases(path: Path, label: str) -> tuple[tuple[Release, ...], list[str]]:
    problems = Problems(label)
    root = _root(path, problems)
    releases: list[Release] = []
    if root is not None:
        root.check_keys(["releases"])
        ids: list[tuple[Node, str, str | None]] = []
        for node in root.children("releases"):
            node.check_keys(["id", "name", "date", "time", "timezone", "note", "aliases", "sources"])
            release_id = node.ident()
            ids.append((node, "id", release_id))
            name = node.text("name", max_len=100)
            date = node.date("date", required=False)
            time = node.clock_time("time")
            zone = node.text("timezone", required=False, max_len=64) or "UTC"
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                problems.add(
                    node.line_of("timezone"),
                    f"{node.path}.timezone",
                    f"{zone!r} is not a time zone",
                    "expected an IANA name like Europe/London",
                )
                zone = "UTC"
            if time is not None and date is None:
                problems.add(
                    node.line_of("time"),
                    f"{node.path}.time",
                    "has a time but no date",
                    "expected a date too, or neither",
                )
            note = node.text("note", max_len=300)
            aliases = node.text_list("aliases", required=False, max_len=60)
            sources = node.sources()
            if release_id is None or name is None or note is None or not sources:
                continue
            releases.append(Release(release_id, name, date, time, zone, note, aliases, sources))
        _unique(problems, ids, "id")
    return tuple(releases), problems.messages()


def load_pack(path: Path | str, label: str) -> tuple[TriviaPack | None, list[str]]:
    """One trivia pack, from a file or from YAML text; see ``bot.content.packcheck`` for the author checks."""
    problems = Problems(label)
    root = _root(path, problems)
    if root is None:
        return None, problems.messages()
    root.check_keys(["id", "name", "description", "questions"])
    pack_id = root.ident()
    name = root.text("name", max_len=100)
    description = root.text("description", max_len=300)
    questions: list[TriviaQuestion] = []
    ids: list[tuple[Node, str, str | None]] = []
    nodes = root.children("questions")
    for node in nodes:
        question = _question(node)
        raw_id = node.data.get("id")
        ids.append((node, "id", raw_id if isinstance(raw_id, str) else None))
        if question is not None:
            questions.append(question)
    _unique(problems, ids, "question id")
    _unique_prompts(problems, nodes)
    if pack_id is None or name is None or description is None:
        return None, problems.messages()
    return TriviaPack(pack_id, name, description, tuple(questions)), problems.messages()


def _unique_prompts(problems: Problems, nodes: list[Node]) -> None:
    """Two questions that read the same (ignoring case and punctuation) are a copy-paste slip."""
    seen: dict[str, str] = {}
    for node in nodes:
        prompt = node.data.get("prompt")
        if not isinstance(prompt, str):
            continue
        key = " ".join("".join(ch if ch.isalnum() else " " for ch in prompt.casefold()).split())
        if key in seen:
            problems.add(
                node.line_of("prompt"),
                f"{node.path}.prompt",
                "duplicate prompt",
                f"the same question is already at {seen[key]}",
            )
        else:
            seen[key] = node.path


def _question(node: Node) -> TriviaQuestion | None:
    node.check_keys(["id", "type", "prompt", "answer", "wrong", "season", "difficulty", "source"])
    qid = node.ident()
    kind = node.choice("type", ["multiple-choice", "true-false"]) if node.has("type") else "multiple-choice"
    prompt = node.text("prompt", max_len=MAX_PROMPT_LENGTH)
    season = node.integer("season", 1, MAX_SEASON + 1)
    difficulty = node.choice("difficulty", [d.value for d in Difficulty])
    source = node.source()
    answer: str | None
    wrong: tuple[str, ...]
    if kind == "true-false":
        truth = node.data.get("answer")
        if not isinstance(truth, bool):
            node.problems.add(
                node.line_of("answer"),
                f"{node.path}.answer",
                f"{truth!r} is not allowed",
                "expected true or false for a true-false question",
            )
            answer = None
        else:
            answer = "True" if truth else "False"
        wrong = ("False",) if answer == "True" else ("True",)
        if node.has("wrong"):
            node.problems.add(
                node.line_of("wrong"),
                f"{node.path}.wrong",
                "is not used by true-false questions",
                "remove it",
            )
    else:
        answer = node.text("answer", max_len=MAX_OPTION_LENGTH)
        wrong = node.text_list("wrong", min_items=3, max_len=MAX_OPTION_LENGTH)
        if len(wrong) != 3 and len(node.data.get("wrong") or []) >= 3:
            node.problems.add(
                node.line_of("wrong"),
                f"{node.path}.wrong",
                f"has {len(wrong)} answers",
                "expected exactly 3 wrong answers",
            )
        if answer is not None and any(w.casefold() == answer.casefold() for w in wrong):
            node.problems.add(
                node.line_of("wrong"),
                f"{node.path}.wrong",
                "repeats the right answer",
                "expected 3 answers that are all wrong",
            )
            answer = None
        if len({w.casefold() for w in wrong}) != len(wrong):
            node.problems.add(
                node.line_of("wrong"),
                f"{node.path}.wrong",
                "lists the same answer twice",
                "expected 3 different wrong answers",
            )
            answer = None
    if None in (qid, kind, prompt, season, difficulty, source, answer) or (kind != "true-false" and len(wrong) != 3):
        return None
    return TriviaQuestion(
        id=str(qid),
        prompt=str(prompt),
        answer=str(answer),
        wrong=wrong,
        season=int(season or 1),
        difficulty=Difficulty(str(difficulty)),
        source=str(source),
        true_false=kind == "true-false",
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
