"""Safe YAML reading that remembers the line of every key and item, so every mistake can name its line.

The text goes through PyYAML's parser only (libyaml's C parser when PyYAML was built with it, about
20 times faster than the pure-Python one; the same events otherwise). Its events are turned into
plain dicts, lists and scalars here, in one loop with an explicit stack, instead of by PyYAML's
constructor, because that is where hostile or mistaken input has to be refused, each with its line:

- anchors and aliases (the "billion laughs" bomb, where a few lines expand to gigabytes), and tags
  other than YAML's own (``!!python/...``, ``!custom``): content never needs them;
- nesting deeper than ``MAX_DEPTH`` levels;
- numbers longer than ``MAX_NUMBER_CHARS``: Python refuses to build an int of more than 4,300
  digits (a ``ValueError`` that used to escape as a bug), and YAML 1.1's base-60 numbers
  (``1:59:59``) cost quadratic time to build;
- keys that are not short plain names (a list as a key, a 60 KB key), and a key given twice, which
  YAML would otherwise resolve silently by keeping the last.

Scalars are typed as YAML 1.1 types them (``yes`` is a boolean, ``007`` the number 7, ``2024-05-01``
a date); the schema (``bot.content.schema``), not the reader, decides which of those an author meant
as text, so it can say "YAML read this as the boolean true". Keys stay the text the author wrote.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# Every content file nests 4 levels at most; a deeper one is an attack or a mistake.
MAX_DEPTH = 20
# The longest number content needs is a season (2 digits); this leaves room for any real mistake
# (a phone number, a long id written unquoted) to be named by the schema instead.
MAX_NUMBER_CHARS = 64
# Field names are short words; a longer key is not a field anyone meant.
MAX_KEY_CHARS = 100

Key = str | int
YamlPath = tuple[Key, ...]

_TAG = "tag:yaml.org,2002:"
_PARSER: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCT = yaml.constructor.SafeConstructor()
_COLLECTION_TAGS = {None, "!", f"{_TAG}map", f"{_TAG}seq"}
_SCALAR_TAGS = {f"{_TAG}{name}" for name in ("str", "null", "bool", "int", "float", "timestamp")}


class YamlSyntaxError(Exception):
    """The text is not YAML this project reads; ``line`` is 1-based, ``expected`` the fix."""

    def __init__(self, line: int, problem: str, expected: str = "fix the YAML syntax") -> None:
        super().__init__(problem)
        self.line = line
        self.problem = problem
        self.expected = expected


@dataclass(frozen=True, slots=True)
class RepeatedKey:
    """A key given twice in one mapping: ``path`` ends with the key; ``first_line`` is where it was first."""

    path: YamlPath
    line: int
    first_line: int


@dataclass(frozen=True, slots=True)
class Document:
    """One YAML document as plain values, and the 1-based line of every key and list item in it.

    ``lines`` maps the path of a value (``("questions", 3, "answer")``) to the line of its key, or of
    the item for a list entry; ``()`` is the top of the document.
    """

    data: Any
    lines: Mapping[YamlPath, int]
    repeated_keys: tuple[RepeatedKey, ...] = ()

    def line_of(self, path: YamlPath) -> int:
        """The line of ``path``, or of its nearest ancestor (a missing field is named at its mapping)."""
        while path:
            line = self.lines.get(path)
            if line is not None:
                return line
            path = path[:-1]
        return self.lines.get((), 1)


def read_yaml_file(path: Path) -> Document:
    """``read_yaml`` for a file (UnicodeDecodeError if it is not UTF-8)."""
    return read_yaml(path.read_text(encoding="utf-8"))


def read_yaml(text: str) -> Document:
    """Parse one YAML document with line information; raise YamlSyntaxError for anything refused."""
    reader = _Reader()
    try:
        for event in yaml.parse(text, Loader=_PARSER):
            reader.feed(event)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else reader.line
        problem = f"invalid YAML: {exc.problem or exc.context}"
        if "maximum nesting depth" in problem:  # libyaml's own limit (1,000), met when it reads far ahead
            problem = f"nested deeper than {MAX_DEPTH} levels"
        raise YamlSyntaxError(line, problem) from None
    except yaml.reader.ReaderError as exc:  # a control character or bad encoding: it has a position, not a mark
        line = _line_at(text, exc.position) if isinstance(exc.position, int) else reader.line
        raise YamlSyntaxError(line, f"invalid YAML: {exc.reason}") from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(reader.line, f"invalid YAML: {exc}") from None
    except (ValueError, OverflowError, RecursionError) as exc:
        # Not expected after the checks above; kept so that no input can escape as a bug report.
        raise YamlSyntaxError(reader.line, f"could not read this value ({type(exc).__name__})") from None
    return Document(reader.root, reader.lines, tuple(reader.repeated))


def _line_at(text: str, position: int) -> int:
    """The line of a reader error's position: libyaml counts UTF-8 bytes, the pure-Python reader characters."""
    if _PARSER is yaml.SafeLoader:
        return text.count("\n", 0, position) + 1
    return text.encode("utf-8", "surrogatepass")[:position].count(b"\n") + 1


class _Mapping:
    """An open mapping, and the key whose value comes next."""

    __slots__ = ("items", "key", "path")

    def __init__(self, path: YamlPath) -> None:
        self.items: dict[str, Any] = {}
        self.path = path
        self.key: str | None = None


class _List:
    """An open list."""

    __slots__ = ("items", "path")

    def __init__(self, path: YamlPath) -> None:
        self.items: list[Any] = []
        self.path = path


class _Reader:
    """Builds the values of one document from parser events, refusing what content never needs."""

    def __init__(self) -> None:
        self.root: Any = None
        self.lines: dict[YamlPath, int] = {}
        self.repeated: list[RepeatedKey] = []
        self.line = 1
        self._stack: list[_Mapping | _List] = []
        self._documents = 0

    def feed(self, event: yaml.Event) -> None:
        mark = event.start_mark
        if mark is not None:
            self.line = mark.line + 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise YamlSyntaxError(self.line, "anchors and aliases (&name, *name) are not allowed here")
        if isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            self._stack.pop()
        elif isinstance(event, yaml.ScalarEvent | yaml.MappingStartEvent | yaml.SequenceStartEvent):
            self._node(event)
        elif isinstance(event, yaml.DocumentStartEvent):
            self._documents += 1
            if self._documents > 1:
                raise YamlSyntaxError(self.line, "a second document (---)", "expected one document per file")

    def _node(self, event: yaml.NodeEvent) -> None:
        frame = self._stack[-1] if self._stack else None
        if isinstance(frame, _Mapping):
            if frame.key is None:
                frame.key = self._key(frame, event)
                return
            key, frame.key = frame.key, None
            frame.items[key] = self._value(event, (*frame.path, key))
        elif isinstance(frame, _List):
            path = (*frame.path, len(frame.items))
            self.lines[path] = self.line
            frame.items.append(self._value(event, path))
        else:
            self.lines[()] = self.line
            self.root = self._value(event, ())

    def _key(self, frame: _Mapping, event: yaml.NodeEvent) -> str:
        if not isinstance(event, yaml.ScalarEvent):
            raise YamlSyntaxError(self.line, "a key must be a plain name", "expected `name: value`")
        key = event.value
        if len(key) > MAX_KEY_CHARS:
            raise YamlSyntaxError(
                self.line, f"key too long: {len(key):,} characters", f"expected a field name of at most {MAX_KEY_CHARS}"
            )
        path = (*frame.path, key)
        if key in frame.items:
            self.repeated.append(RepeatedKey(path, self.line, self.lines[path]))
        else:
            self.lines[path] = self.line
        return key

    def _value(self, event: yaml.NodeEvent, path: YamlPath) -> Any:
        if isinstance(event, yaml.ScalarEvent):
            return _scalar(event, self.line)
        tag = getattr(event, "tag", None)
        if tag not in _COLLECTION_TAGS:
            raise YamlSyntaxError(self.line, f"the tag {_short(tag)} is not allowed", "expected plain YAML")
        if len(self._stack) >= MAX_DEPTH:
            raise YamlSyntaxError(self.line, f"nested deeper than {MAX_DEPTH} levels")
        frame = _Mapping(path) if isinstance(event, yaml.MappingStartEvent) else _List(path)
        self._stack.append(frame)
        return frame.items


def _short(tag: str | None) -> str:
    """A tag as written: ``!!python/object``, not ``tag:yaml.org,2002:python/object``."""
    text = str(tag)
    return f"!!{text.removeprefix(_TAG)}"[:80] if text.startswith(_TAG) else text[:80]


def _scalar(event: yaml.ScalarEvent, line: int) -> Any:
    """The value of one scalar, typed as YAML 1.1 would type it, with numbers capped in length."""
    tag = event.tag
    if tag is None or tag == "!":
        tag = _RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
    elif tag not in _SCALAR_TAGS:
        raise YamlSyntaxError(line, f"the tag {_short(tag)} is not allowed", "expected plain YAML")
    kind = tag.removeprefix(_TAG)
    value = event.value
    if kind in ("int", "float") and len(value) > MAX_NUMBER_CHARS:
        raise YamlSyntaxError(
            line,
            f"number too long: {len(value):,} characters",
            f"expected at most {MAX_NUMBER_CHARS}; put text in quotes",
        )
    node = yaml.ScalarNode(tag, value)
    try:
        if kind == "null":
            return None
        if kind == "bool":
            return _CONSTRUCT.construct_yaml_bool(node)
        if kind == "int":
            return _CONSTRUCT.construct_yaml_int(node)
        if kind == "float":
            return _CONSTRUCT.construct_yaml_float(node)
        if kind == "timestamp":
            return _CONSTRUCT.construct_yaml_timestamp(node)
    except ValueError:
        if kind == "timestamp":
            return value  # 2026-02-30 stays text, so the schema can say it is not a date
        raise YamlSyntaxError(line, f"{value[:40]!r} is not a valid {kind}", "expected plain YAML") from None
    except KeyError:  # an explicit !!bool on something that is not one
        raise YamlSyntaxError(line, f"{value[:40]!r} is not a valid {kind}", "expected plain YAML") from None
    return value
