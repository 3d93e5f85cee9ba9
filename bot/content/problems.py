"""How a content mistake is told to its author: ``FILE:LINE: field.path: problem (expected …)``.

pydantic finds the mistakes (``bot.content.schema``); this module words them, in the manner of Red's
``format_schema_error``: each pydantic error type becomes a problem and what was expected instead,
taken from the field's constraints and its ``Expect`` note, and each error's ``loc`` is followed
through the schema to the path of keys in the file (a tagged union's tag is a step in ``loc`` but
not a key) and from there to a line through the document's node marks.

It also explains what YAML did behind the author's back: ``yes`` read as a boolean, ``007`` as the
number 7, ``2024-05-01`` as a date, where text was expected.
"""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Sequence, Sized
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails, PydanticCustomError

from bot.content.yaml_lines import Document, YamlPath

CUSTOM = "content"


@dataclass(frozen=True, slots=True)
class Expect:
    """What a field holds, in an author's words: ``what`` may name the field's bounds (``{ge}``, ``{le}``,
    ``{min_length}``, ``{max_length}``); ``count`` replaces "at least N" for a list of a fixed size."""

    what: str
    count: str | None = None


def refuse(problem: str, expected: str) -> PydanticCustomError:
    """An error for a schema validator to raise, worded already (``expected`` is the whole parenthesis)."""
    return PydanticCustomError(CUSTOM, "{problem}", {"problem": problem, "expected": expected})


def dotted(path: YamlPath) -> str:
    """``("questions", 3, "answer")`` as ``questions[3].answer``."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


def yaml_surprise(value: Any) -> str | None:
    """Explain a non-string value that an author almost certainly meant as text."""
    if isinstance(value, bool):
        return f"YAML read this as the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"YAML read this as the number {value}"
    if isinstance(value, dt.date):
        return f"YAML read this as the date {value.isoformat()}"
    return None


@dataclass(frozen=True, slots=True)
class Located:
    """Where an error is: the keys in the file, the model that holds the last one, and the value's notes."""

    path: YamlPath
    model: type[BaseModel] | None
    metadata: tuple[Any, ...]

    def expect(self) -> Expect | None:
        return next((m for m in reversed(self.metadata) if isinstance(m, Expect)), None)

    def bound(self, name: str) -> Any:
        return next((getattr(m, name) for m in self.metadata if getattr(m, name, None) is not None), None)

    def expected(self, fallback: str) -> str:
        """The field's own ``(expected …)``, or ``fallback`` for a field without an ``Expect`` note."""
        note = self.expect()
        if note is None:
            return fallback
        bounds = {name: self.bound(name) for name in ("ge", "le", "min_length", "max_length")}
        return "expected " + note.what.format(**bounds)


def locate(schema: type[BaseModel], loc: Sequence[str | int]) -> Located:
    """Follow an error's ``loc`` through the schema's types to the keys it names in the file."""
    path: list[str | int] = []
    model: type[BaseModel] | None = None
    kind: Any = schema
    metadata: list[Any] = []
    for step in loc:
        kind, notes = _unwrap(kind)
        metadata += notes
        if isinstance(step, str) and isinstance(kind, type) and issubclass(kind, BaseModel):
            model, field = kind, kind.model_fields.get(step)
            path.append(step)
            kind, metadata = (field.annotation, list(field.metadata)) if field else (None, [])
        elif isinstance(step, int) and get_origin(kind) is list:
            path.append(step)
            kind, metadata = get_args(kind)[0], []
        elif isinstance(step, str) and _is_union(kind):
            kind = _tagged(kind, step)  # the member a tag chose: a step in loc, not a key in the file
        else:
            path.append(step)
            kind, metadata = None, []
    kind, notes = _unwrap(kind)
    return Located(tuple(path), model, (*metadata, *notes))


def _unwrap(kind: Any) -> tuple[Any, list[Any]]:
    """``Annotated[X, ...]`` and ``X | None`` down to X, with the annotations met on the way."""
    notes: list[Any] = []
    while True:
        if get_origin(kind) is Annotated:
            kind, *more = get_args(kind)
            for note in more:  # Field(ge=1) inside Annotated keeps its constraints in .metadata
                notes += note.metadata if isinstance(note, FieldInfo) else [note]
        elif _is_union(kind) and type(None) in get_args(kind) and len(get_args(kind)) == 2:
            kind = next(arg for arg in get_args(kind) if arg is not type(None))
        else:
            return kind, notes


def _is_union(kind: Any) -> bool:
    return get_origin(kind) in (Union, types.UnionType)


def _tagged(union: Any, tag: str) -> Any:
    for member in get_args(union):
        if any(getattr(note, "tag", None) == tag for note in get_args(member)[1:]):
            return member
    return None


def describe(error: ErrorDetails, where: Located) -> tuple[YamlPath, str, str | None]:
    """The path, problem and expectation for one pydantic error at ``where``."""
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx", {})
    if kind == CUSTOM:
        return where.path, str(ctx["problem"]), str(ctx["expected"])
    if kind == "missing":
        return where.path, "is missing", where.expected("expected a value")
    if kind == "extra_forbidden":
        known = ", ".join(sorted(where.model.model_fields)) if where.model else "the documented fields"
        return where.path, "is not a known field", f"expected one of: {known}"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tag = value.get("type") if isinstance(value, dict) else None
        tags = str(ctx.get("expected_tags", "")).replace("'", "")
        return (*where.path, "type"), f"{tag!r} is not allowed", f"expected one of: {tags}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return where.path, "is empty" if value is None else "is not a mapping", "expected `key: value` lines"
    if value is None and kind.endswith("_type"):
        return where.path, "is empty", where.expected("expected a value")
    if kind in ("list_type", "tuple_type"):
        return where.path, "is not a list", where.expected("expected a list like [a, b]")
    if kind == "string_type":
        surprise = yaml_surprise(value)
        if surprise:
            return where.path, surprise, "expected text: put it in quotes"
        return where.path, f"is a {_kind_of(value)}", "expected text"
    if kind == "string_too_short":
        return where.path, "is empty", "expected text"
    if kind == "string_too_long":
        return where.path, f"is {len(str(value).strip())} characters long", f"expected at most {ctx['max_length']}"
    if kind in ("too_short", "too_long"):
        count = len(value) if isinstance(value, Sized) else ctx.get("actual_length")
        note = where.expect()
        if note is not None and note.count:
            expected = f"expected {note.count}"
        elif kind == "too_short":
            expected = f"expected at least {ctx['min_length']}"
        else:
            expected = f"expected at most {ctx['max_length']}"
        return where.path, f"has {count} item{'' if count == 1 else 's'}", expected
    if kind == "int_type" and isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return where.path, f"{value!r} is text", where.expected("expected a number") + ": remove the quotes"
    if kind == "date_type":
        return where.path, f"{_shown(value)} is not a date", "expected YYYY-MM-DD"
    return where.path, f"{_shown(value)} is not allowed", where.expected(_lower_first(error["msg"]))


def _kind_of(value: Any) -> str:
    return "mapping" if isinstance(value, dict) else "list" if isinstance(value, list) else type(value).__name__


def _shown(value: Any) -> str:
    """A value as the author wrote it (``true``, not ``True``; a date as a date), cut short."""
    if isinstance(value, bool):
        text = str(value).lower()
    elif isinstance(value, dt.date):
        text = value.isoformat()
    else:
        text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


class Problems:
    """Every problem found in one file, each tied to a line; ``label`` names the file in messages."""

    def __init__(self, label: str, document: Document | None = None) -> None:
        self.label = label
        self.document = document
        self._items: list[tuple[int, str]] = []

    def add(self, path: YamlPath, problem: str, expected: str | None = None, *, line: int | None = None) -> None:
        """One problem with the value at ``path``, on the line of its key (or of its mapping, if missing)."""
        if line is None:
            line = self.document.line_of(path) if self.document else 1
        tail = f" ({expected})" if expected else ""
        self._items.append((line, f"{self.label}:{line}: {dotted(path) or '(top level)'}: {problem}{tail}"))

    def add_file_problem(self, line: int, problem: str, expected: str | None = None) -> None:
        """A problem with the file as a whole (missing, not UTF-8, not YAML): no field to name."""
        tail = f" ({expected})" if expected else ""
        self._items.append((line, f"{self.label}:{line}: {problem}{tail}"))

    def add_errors(self, schema: type[BaseModel], exc: ValidationError) -> None:
        """Every error pydantic found, worded and placed."""
        for error in exc.errors(include_url=False):
            self.add(*describe(error, locate(schema, error["loc"])))

    def messages(self) -> list[str]:
        return [message for _, message in sorted(self._items, key=lambda item: item[0])]

    def __bool__(self) -> bool:
        return bool(self._items)
