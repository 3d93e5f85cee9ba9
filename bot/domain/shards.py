"""Which servers this process owns when the bot runs as several processes (``SHARD_COUNT``/``SHARD_IDS``).

Discord puts a server on shard ``(guild_id >> 22) % shard_count``; discord.py uses the same
arithmetic. A process only plans posts for, recovers games of, and answers for the servers on its
own shards, so two processes on one database never step on each other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ShardScope:
    count: int = 1
    ids: tuple[int, ...] = (0,)

    @classmethod
    def of(cls, count: int | None, ids: tuple[int, ...] | None) -> ShardScope:
        if count is None:
            return cls()  # every shard in this one process
        return cls(count, ids if ids is not None else tuple(range(count)))

    @property
    def everything(self) -> bool:
        return set(self.ids) >= set(range(self.count))

    def owns(self, guild_id: int) -> bool:
        return (guild_id >> 22) % self.count in self.ids

    def sql(self, column: str = "guild_id") -> tuple[str, tuple[int, ...]]:
        """An ``AND …`` filter for a query (empty when this process owns everything), with its parameters."""
        if self.everything:
            return "", ()
        marks = ", ".join("?" for _ in self.ids)
        return f" AND (({column} >> 22) % ?) IN ({marks})", (self.count, *self.ids)

    @property
    def share(self) -> float:
        """This process's share of the token's request budget."""
        return len(self.ids) / self.count
