"""Containers that forget their oldest entries, so a stand-in running for hours stays small.

``BoundedLog`` reads like the list it replaced (``len``, indexing, slices, iteration, ``==`` with a
list) because tests and benchmarks index and slice ``fake.requests``. ``BoundedDict`` is a
mapping that drops its oldest key past its size (the interactions by id).
"""

from __future__ import annotations

import itertools
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Generic, TypeVar, overload

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")


class BoundedLog(Sequence[T]):
    """An append-only list that keeps the newest ``maxlen`` items; ``dropped`` counts the ones it forgot."""

    def __init__(self, maxlen: int, items: Iterable[T] = ()) -> None:
        if maxlen < 1:
            raise ValueError("a log must keep at least one entry")
        self._items: deque[T] = deque(maxlen=maxlen)
        self.dropped = 0
        for item in items:
            self.append(item)

    @property
    def maxlen(self) -> int:
        return self._items.maxlen or 0

    def append(self, item: T) -> None:
        if len(self._items) == self.maxlen:
            self.dropped += 1
        self._items.append(item)

    def extend(self, items: Iterable[T]) -> None:
        for item in items:
            self.append(item)

    def clear(self) -> None:
        self._items.clear()

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self._items))
            if step == 1:
                return list(itertools.islice(self._items, start, stop))
            return list(self._items)[index]
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[T]:
        return iter(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, BoundedLog | list | tuple | deque):
            return list(self._items) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like list

    def __repr__(self) -> str:
        return f"BoundedLog({list(self._items)!r}, maxlen={self.maxlen})"


class BoundedDict(OrderedDict[K, V], Generic[K, V]):
    """A dict that drops its oldest entries (by insertion) beyond ``maxlen``; ``on_drop`` hears of each."""

    def __init__(self, maxlen: int, on_drop: Callable[[K, V], None] | None = None) -> None:
        super().__init__()
        if maxlen < 1:
            raise ValueError("a bounded dict must keep at least one entry")
        self.maxlen = maxlen
        self.dropped = 0
        self._on_drop = on_drop

    def __setitem__(self, key: K, value: V) -> None:
        super().__setitem__(key, value)
        while len(self) > self.maxlen:
            old_key, old_value = self.popitem(last=False)
            self.dropped += 1
            if self._on_drop is not None:
                self._on_drop(old_key, old_value)
