"""Field-by-field validation of YAML mappings that collects every problem in a file.

Each problem is reported as ``FILE:LINE: field.path: what is wrong (what was expected)``.
The checks also catch what YAML does behind an author's back: ``yes``/``off`` read as booleans,
``007`` read as the number 7, dates read as ``datetime.date``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlparse

from bot.content.yaml_lines import LineDict, LineList
from bot.domain.models import SEED_SOURCE

_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class Problems:
    """Collects problems for one file; ``label`` is how the file is named in messages."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.items: list[tuple[int, str]] = []

    def add(self, line: int, path: str, what: str, expected: str | None = None) -> None:
        where = f"{path}: " if path else ""
        tail = f" ({expected})" if expected else ""
        self.items.append((line, f"{self.label}:{line}: {where}{what}{tail}"))

    def messages(self) -> list[str]:
        return [message for _, message in sorted(self.items, key=lambda item: item[0])]

    def __bool__(self) -> bool:
        return bool(self.items)


def _yaml_surprise(value: Any) -> str | None:
    """Explain a non-string value that an author almost certainly meant as text."""
    if isinstance(value, bool):
        return f"YAML read this as the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"YAML read this as the number {value}"
    if isinstance(value, dt.date):
        return f"YAML read this as the date {value.isoformat()}"
    if value is None:
        return "the value is empty"
    return None


class Node:
    """One mapping in a YAML file, with its dotted path, for typed reads that record problems."""

    def __init__(self, problems: Problems, data: Any, path: str, line: int) -> None:
        self.problems = problems
        self.path = path
        self.line = getattr(data, "line", line)
        self.ok = isinstance(data, LineDict)
        self.data: LineDict = data if isinstance(data, LineDict) else LineDict()
        if not self.ok:
            problems.add(line, path or "(top level)", "is not a mapping", "expected `key: value` lines")

    def _sub(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def line_of(self, key: str) -> int:
        return self.data.key_lines.get(key, self.line) if self.ok else self.line

    def has(self, key: str) -> bool:
        return key in self.data and self.data[key] is not None

    def _missing(self, key: str, expected: str) -> None:
        if self.ok:
            self.problems.add(self.line, self._sub(key), "is missing", expected)

    def check_keys(self, allowed: Iterable[str]) -> None:
        allowed = set(allowed)
        for key in self.data:
            if key not in allowed:
                self.problems.add(
                    self.line_of(key),
                    self._sub(key),
                    "is not a known field",
                    f"expected one of: {', '.join(sorted(allowed))}",
                )

    def text(self, key: str, *, required: bool = True, max_len: int = 1000) -> str | None:
        if not self.has(key):
            if required:
                self._missing(key, "expected text")
            return None
        value = self.data[key]
        if not isinstance(value, str):
            reason = _yaml_surprise(value) or f"is a {type(value).__name__}"
            self.problems.add(self.line_of(key), self._sub(key), reason, "expected text: put it in quotes")
            return None
        value = value.strip()
        if not value:
            self.problems.add(self.line_of(key), self._sub(key), "is empty", "expected text")
            return None
        if len(value) > max_len:
            self.problems.add(
                self.line_of(key),
                self._sub(key),
                f"is {len(value)} characters long",
                f"expected at most {max_len}",
            )
            return None
        return value

    def ident(self, key: str = "id") -> str | None:
        value = self.text(key, max_len=64)
        if value is not None and not _ID.match(value):
            self.problems.add(
                self.line_of(key),
                self._sub(key),
                f"{value!r} is not a valid id",
                "expected lowercase letters, digits and dashes",
            )
            return None
        return value

    def integer(self, key: str, low: int, high: int, *, required: bool = True) -> int | None:
        if not self.has(key):
            if required:
                self._missing(key, f"expected a whole number from {low} to {high}")
            return None
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.problems.add(
                self.line_of(key),
                self._sub(key),
                f"{value!r} is not allowed",
                f"expected a whole number from {low} to {high}",
            )
            return None
        return value

    def boolean(self, key: str, default: bool) -> bool:
        if not self.has(key):
            return default
        value = self.data[key]
        if not isinstance(value, bool):
            self.problems.add(self.line_of(key), self._sub(key), f"{value!r} is not allowed", "expected true or false")
            return default
        return value

    def date(self, key: str, *, required: bool = True) -> dt.date | None:
        if not self.has(key):
            if required:
                self._missing(key, "expected a date YYYY-MM-DD")
            return None
        value = self.data[key]
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.problems.add(self.line_of(key), self._sub(key), f"{value!r} is not a date", "expected YYYY-MM-DD")
        return None

    def clock_time(self, key: str) -> dt.time | None:
        if not self.has(key):
            return None
        value = self.data[key]
        # YAML 1.1 reads an unquoted 08:00 as the sexagesimal number 480.
        match = _TIME.match(value) if isinstance(value, str) else None
        if not match:
            self.problems.add(
                self.line_of(key),
                self._sub(key),
                f"{value!r} is not a time",
                'expected "HH:MM" in quotes, 24-hour',
            )
            return None
        return dt.time(int(match.group(1)), int(match.group(2)))

    def choice(self, key: str, options: Iterable[str]) -> str | None:
        options = list(options)
        value = self.text(key, max_len=64)
        if value is not None and value not in options:
            self.problems.add(
                self.line_of(key),
                self._sub(key),
                f"{value!r} is not allowed",
                f"expected one of: {', '.join(options)}",
            )
            return None
        return value

    def text_list(self, key: str, *, required: bool = True, min_items: int = 0, max_len: int = 200) -> tuple[str, ...]:
        if not self.has(key):
            if required:
                self._missing(key, "expected a list of text")
            return ()
        value = self.data[key]
        if not isinstance(value, LineList):
            self.problems.add(self.line_of(key), self._sub(key), "is not a list", "expected a list like [a, b]")
            return ()
        result: list[str] = []
        for index, item in enumerate(value):
            line = value.item_lines[index] if index < len(value.item_lines) else value.line
            if not isinstance(item, str) or not item.strip():
                reason = _yaml_surprise(item) or f"is a {type(item).__name__}"
                self.problems.add(line, f"{self._sub(key)}[{index}]", reason, "expected text: put it in quotes")
                continue
            if len(item.strip()) > max_len:
                self.problems.add(
                    line,
                    f"{self._sub(key)}[{index}]",
                    "is too long",
                    f"expected at most {max_len} characters",
                )
                continue
            result.append(item.strip())
        if len(value) < min_items:
            self.problems.add(
                self.line_of(key), self._sub(key), f"has {len(value)} items", f"expected at least {min_items}"
            )
        return tuple(result)

    def int_list(self, key: str, low: int, high: int, *, required: bool = True) -> tuple[int, ...]:
        if not self.has(key):
            if required:
                self._missing(key, f"expected a list of numbers from {low} to {high}")
            return ()
        value = self.data[key]
        if not isinstance(value, LineList) or not all(
            isinstance(v, int) and not isinstance(v, bool) and low <= v <= high for v in value
        ):
            self.problems.add(
                self.line_of(key),
                self._sub(key),
                f"{value!r} is not allowed",
                f"expected a list of numbers from {low} to {high}, like [1, 2]",
            )
            return ()
        return tuple(sorted(set(value)))

    def sources(self, key: str = "sources") -> tuple[str, ...]:
        items = self.text_list(key, min_items=1, max_len=500)
        valid: list[str] = []
        for index, source in enumerate(items):
            if source == SEED_SOURCE or _is_url(source):
                valid.append(source)
            else:
                self.problems.add(
                    self.line_of(key),
                    f"{self._sub(key)}[{index}]",
                    f"{source!r} is not a source",
                    "expected an http(s) URL or `seed` for the Tudum article",
                )
        return tuple(valid)

    def source(self, key: str = "source") -> str | None:
        value = self.text(key, max_len=500)
        if value is not None and value != SEED_SOURCE and not _is_url(value):
            self.problems.add(
                self.line_of(key),
                self._sub(key),
                f"{value!r} is not a source",
                "expected an http(s) URL or `seed` for the Tudum article",
            )
            return None
        return value

    def children(self, key: str, *, required: bool = True) -> list[Node]:
        """The mappings of a list field, each as a Node with path ``key[i]``."""
        if not self.has(key):
            if required:
                self._missing(key, "expected a list of entries")
            return []
        value = self.data[key]
        if not isinstance(value, LineList):
            self.problems.add(
                self.line_of(key),
                self._sub(key),
                "is not a list",
                "expected a list of `- key: value` entries",
            )
            return []
        return [
            Node(
                self.problems,
                item,
                f"{self._sub(key)}[{i}]",
                value.item_lines[i] if i < len(value.item_lines) else value.line,
            )
            for i, item in enumerate(value)
        ]


def _is_url(text: str) -> bool:
    parsed = urlparse(text)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc) and " " not in text
