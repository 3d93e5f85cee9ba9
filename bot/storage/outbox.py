"""The outbox table: planned side effects, their attempts, leases and outcomes (``bot.domain.outbox``).

- ``plan`` writes a row once: ``INSERT … ON CONFLICT DO NOTHING`` on (kind, server, key). A
  planner calls it in the same transaction that moves its schedule on, so "planned" and "the
  schedule moved past it" can never be separated by a crash.
- ``replan`` is for a side effect whose wish can change (a scheduled event's date): a new payload
  and ``version``; an attempt still holding the old version cannot overwrite the new plan.
- ``claim`` takes ready rows for one attempt each, under a lease on the **database's** clock,
  stamping ``first_attempt_at`` once. Only rows whose lease ran out (or whose holder is known to be
  dead) can be taken, so a live process's attempt is never repeated by another.
- ``finish`` / ``retry`` / ``abandon`` record how the attempt ended, only while the row is still
  this holder's and at the version attempted.

Reasons (why a row was skipped, is being retried, or was given up) are kept as ``Text.stored()``
JSON, so ``/settings show`` renders them in the language of the moderator who reads them, whoever
was reading when they were written; an older row's plain English comes back as the ``str`` it was.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from bot.domain.outbox import LEASE, UNKNOWN, Completion, Delivery, Kind, OutboxRecord, Planned, State
from bot.domain.shards import ShardScope
from bot.i18n import Text
from bot.i18n.text import from_stored
from bot.storage.base import Queryable, Row
from bot.storage.instants import from_db, from_db_or_none, to_db

_DELIVERY_COLUMNS = (
    "kind, guild_id, key, payload, due_at, version, attempts, first_attempt_at, outcome, channel_id, discord_id"
)
_RECORD_COLUMNS = (
    "kind, guild_id, key, state, attempts, due_at, first_attempt_at, last_attempt_at, outcome, reason, "
    "channel_id, discord_id, updated_at"
)


# What a planner writes of a row, in this order (``_planned_row``): every way of planning one inserts these.
_PLANNED_COLUMNS = "kind, guild_id, key, payload, due_at, next_attempt_at, channel_id, created_at, updated_at"
_PLANNED_VALUES = ", ".join("?" for _ in _PLANNED_COLUMNS.split(","))


def _planned_row(planned: Planned, now: dt.datetime) -> tuple[object, ...]:
    """``_PLANNED_COLUMNS`` of a row as planned at ``now``: its first attempt is due when the side effect is."""
    due_at = to_db(planned.due_at)
    return (
        str(planned.kind),
        planned.guild_id,
        planned.key,
        planned.payload_text(),
        due_at,
        due_at,
        planned.channel_id,
        to_db(now),
        to_db(now),
    )


def _stored(reason: Text | str) -> str:
    """A reason as the database keeps it: a ``Text`` as JSON (rendered when read), a plain ``str`` as it is."""
    return reason.stored() if isinstance(reason, Text) else reason


def _record(row: Row) -> OutboxRecord:
    return OutboxRecord(
        kind=Kind(row["kind"]),
        guild_id=int(row["guild_id"]),
        key=row["key"],
        state=State(row["state"]),
        attempts=int(row["attempts"]),
        due_at=from_db(row["due_at"]),
        first_attempt_at=from_db_or_none(row["first_attempt_at"]),
        last_attempt_at=from_db_or_none(row["last_attempt_at"]),
        outcome=row["outcome"],
        reason=from_stored(row["reason"]),
        channel_id=None if row["channel_id"] is None else int(row["channel_id"]),
        discord_id=None if row["discord_id"] is None else int(row["discord_id"]),
        updated_at=from_db(row["updated_at"]),
    )


class OutboxRepository:
    def __init__(self, db: Queryable, shards: ShardScope | None = None) -> None:
        self._db = db
        self._shards = shards or ShardScope()

    # --- planning -------------------------------------------------------------------------------
    async def plan(self, planned: Planned, now: dt.datetime) -> bool:
        """Write the row unless (kind, server, key) is already there; True when it is new."""
        async with self._db.transaction() as tx:
            inserted = await tx.fetch_value(
                f"INSERT INTO outbox ({_PLANNED_COLUMNS}, state) VALUES ({_PLANNED_VALUES}, 'planned') "  # noqa: S608
                "ON CONFLICT DO NOTHING RETURNING version",
                _planned_row(planned, now),
            )
        return inserted is not None

    async def record_skipped(self, planned: Planned, reason: Text | str, now: dt.datetime) -> None:
        """A side effect decided against (a quiet day, too late): kept so moderators can see why."""
        async with self._db.transaction() as tx:
            await tx.execute(
                f"INSERT INTO outbox ({_PLANNED_COLUMNS}, state, outcome, reason) "  # noqa: S608
                f"VALUES ({_PLANNED_VALUES}, 'done', 'skipped', ?) ON CONFLICT DO NOTHING",
                (*_planned_row(planned, now), _stored(reason)),
            )

    async def replan(self, planned: Planned, now: dt.datetime) -> None:
        """Plan again with a new wish: a fresh row, or the existing one reset to planned at a new version.

        The same wish still in play is left alone (no churn, no second attempt racing the first).

        A change of mind restarts the attempts (the old ones were for the old wish); ``first_attempt_at``
        is kept while the row is still in play, so an unknown earlier attempt is still reconciled.
        """
        await self._db.execute(
            f"INSERT INTO outbox ({_PLANNED_COLUMNS}, state) VALUES ({_PLANNED_VALUES}, 'planned') "  # noqa: S608
            "ON CONFLICT(kind, guild_id, key) DO UPDATE SET payload = excluded.payload, "
            "version = outbox.version + 1, due_at = excluded.due_at, next_attempt_at = excluded.next_attempt_at, "
            "channel_id = excluded.channel_id, updated_at = excluded.updated_at, reason = NULL, "
            "state = CASE WHEN outbox.state = 'attempting' THEN 'attempting' ELSE 'planned' END, "
            "attempts = CASE WHEN outbox.state IN ('planned', 'attempting') THEN outbox.attempts ELSE 0 END, "
            "first_attempt_at = CASE WHEN outbox.state IN ('planned', 'attempting') "
            "THEN outbox.first_attempt_at ELSE NULL END "
            "WHERE outbox.payload != excluded.payload OR outbox.state IN ('done', 'abandoned')",
            _planned_row(planned, now),
        )

    # --- attempts ---------------------------------------------------------------------------------
    async def claim(
        self, holder: str, now: dt.datetime, limit: int, *, dead_holders: Sequence[str] = ()
    ) -> list[Delivery]:
        """Take up to ``limit`` ready rows of this process's shards for one attempt each.

        Ready: planned or attempting, next attempt due by ``now`` (the scheduler's clock), and no
        live lease (the database's clock), or a lease held by a holder known to be dead. Each row is
        taken by a conditional UPDATE, so two claimers can never both take it.
        """
        mine, shard_params = self._shards.sql()
        async with self._db.transaction() as tx:
            db_now = await tx.now()
            dead = ""
            if dead_holders:
                dead = " OR holder IN (" + ", ".join("?" for _ in dead_holders) + ")"
            rows = await tx.fetch_all(
                "SELECT kind, guild_id, key FROM outbox WHERE state IN ('planned', 'attempting') "  # noqa: S608
                f"AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?{dead}){mine} "
                "ORDER BY next_attempt_at, guild_id LIMIT ?",
                (to_db(now), to_db(db_now), *dead_holders, *shard_params, limit),
            )
            taken: list[Delivery] = []
            for row in rows:
                claimed = await tx.fetch_one(
                    "UPDATE outbox SET state = 'attempting', holder = ?, lease_until = ?, attempts = attempts + 1, "  # noqa: S608
                    "first_attempt_at = COALESCE(first_attempt_at, ?), last_attempt_at = ?, updated_at = ?, "
                    "outcome = CASE WHEN attempts = 0 THEN NULL ELSE outcome END "
                    "WHERE kind = ? AND guild_id = ? AND key = ? AND state IN ('planned', 'attempting') "
                    f"AND (lease_until IS NULL OR lease_until < ?{dead}) RETURNING {_DELIVERY_COLUMNS}",
                    (
                        holder,
                        to_db(db_now + LEASE),
                        to_db(db_now),
                        to_db(db_now),
                        to_db(db_now),
                        row["kind"],
                        row["guild_id"],
                        row["key"],
                        to_db(db_now),
                        *dead_holders,
                    ),
                )
                if claimed is not None:
                    taken.append(_delivery(claimed, db_now))
            if taken:  # whatever happens next, until told otherwise the outcome is unknown
                await tx.execute_many(
                    "UPDATE outbox SET outcome = ? WHERE kind = ? AND guild_id = ? AND key = ?",
                    [(UNKNOWN, str(d.kind), d.guild_id, d.key) for d in taken],
                )
        return taken

    async def finish(
        self, holder: str, delivery: Delivery, *, how: str, discord_id: int | None, complete: Completion | None
    ) -> bool:
        """Done: record how and Discord's id, and run the kind's own writes in the same transaction."""
        return await self._end(
            holder,
            delivery,
            "state = 'done', outcome = ?, discord_id = COALESCE(?, discord_id), reason = NULL",
            (how, discord_id),
            complete,
        )

    async def retry(
        self, holder: str, delivery: Delivery, *, reason: Text | str, unknown: bool, next_attempt_at: dt.datetime
    ) -> None:
        """Not done yet: give the lease back and wait for the next attempt."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE outbox SET holder = NULL, lease_until = NULL, next_attempt_at = ?, reason = ?, outcome = ?, "
                "updated_at = ? WHERE kind = ? AND guild_id = ? AND key = ? AND holder = ?",
                (
                    to_db(next_attempt_at),
                    _stored(reason),
                    UNKNOWN if unknown else "unsent",
                    to_db(await tx.now()),
                    str(delivery.kind),
                    delivery.guild_id,
                    delivery.key,
                    holder,
                ),
            )

    async def abandon(
        self, holder: str, delivery: Delivery, *, reason: Text | str, complete: Completion | None
    ) -> bool:
        """Never: record why (moderators see it), with the kind's own writes in the same transaction."""
        return await self._end(holder, delivery, "state = 'abandoned', reason = ?", (_stored(reason),), complete)

    async def _end(
        self,
        holder: str,
        delivery: Delivery,
        changes: str,
        values: tuple[object, ...],
        complete: Completion | None,
    ) -> bool:
        """End an attempt for good (``changes``, a constant SET list, with its ``values``): the lease is given
        back and the kind's own writes run in the same transaction, under the server's lock.

        Only while the row is still this holder's and at the version attempted: an attempt at an old wish
        (replanned meanwhile) or one whose lease another process took over changes nothing (False).
        """
        async with self._db.transaction(guild_id=delivery.guild_id) as tx:
            changed = await tx.execute(
                f"UPDATE outbox SET {changes}, holder = NULL, lease_until = NULL, updated_at = ? "  # noqa: S608
                "WHERE kind = ? AND guild_id = ? AND key = ? AND holder = ? AND version = ?",
                (
                    *values,
                    to_db(await tx.now()),
                    str(delivery.kind),
                    delivery.guild_id,
                    delivery.key,
                    holder,
                    delivery.version,
                ),
            )
            if changed and complete is not None:
                await complete(tx)
        return bool(changed)

    # --- reading ----------------------------------------------------------------------------------
    async def next_ready_at(self) -> dt.datetime | None:
        """When the earliest row of this process's shards becomes ready (the executor's sleep)."""
        mine, shard_params = self._shards.sql()
        value = await self._db.fetch_value(
            f"SELECT MIN(next_attempt_at) FROM outbox WHERE state IN ('planned', 'attempting'){mine}",  # noqa: S608
            shard_params,
        )
        return from_db_or_none(value)

    async def live_holders(self) -> list[str]:
        """Holders with a live lease (to ask which of them are dead processes on this machine)."""
        rows = await self._db.fetch_all(
            "SELECT DISTINCT holder FROM outbox WHERE state = 'attempting' AND holder IS NOT NULL"
        )
        return [r[0] for r in rows]

    async def get(self, kind: Kind, guild_id: int, key: str) -> OutboxRecord | None:
        row = await self._db.fetch_one(
            f"SELECT {_RECORD_COLUMNS} FROM outbox WHERE kind = ? AND guild_id = ? AND key = ?",  # noqa: S608
            (str(kind), guild_id, key),
        )
        return None if row is None else _record(row)

    async def latest(self, guild_id: int, kind: Kind) -> OutboxRecord | None:
        """The most recently planned row of one kind for a server (its last post, or the one in play)."""
        row = await self._db.fetch_one(
            f"SELECT {_RECORD_COLUMNS} FROM outbox WHERE guild_id = ? AND kind = ? "  # noqa: S608
            "ORDER BY due_at DESC, updated_at DESC LIMIT 1",
            (guild_id, str(kind)),
        )
        return None if row is None else _record(row)

    async def in_play(self, guild_id: int) -> list[OutboxRecord]:
        """Rows of a server not finished yet (waiting, or being retried)."""
        rows = await self._db.fetch_all(
            f"SELECT {_RECORD_COLUMNS} FROM outbox WHERE guild_id = ? "  # noqa: S608
            "AND state IN ('planned', 'attempting') ORDER BY next_attempt_at LIMIT 25",
            (guild_id,),
        )
        return [_record(r) for r in rows]

    async def counts(self, since: dt.datetime) -> dict[str, int]:
        """Rows of this process's shards by state: everything in play, and what ended since ``since``."""
        mine, shard_params = self._shards.sql()
        rows = await self._db.fetch_all(
            "SELECT state, COUNT(*) FROM outbox WHERE (state IN ('planned', 'attempting') "  # noqa: S608
            f"OR updated_at >= ?){mine} GROUP BY state",
            (to_db(since), *shard_params),
        )
        counts = {str(s): 0 for s in State}
        counts.update({r[0]: int(r[1]) for r in rows})
        return counts

    async def prune(self, before: dt.datetime) -> int:
        """Forget finished rows older than ``before`` (their day is long over; the key guards nothing more)."""
        return await self._db.execute(
            "DELETE FROM outbox WHERE state IN ('done', 'abandoned') AND updated_at < ?", (to_db(before),)
        )


def _delivery(row: Row, db_now: dt.datetime) -> Delivery:
    return Delivery(
        kind=Kind(row["kind"]),
        guild_id=int(row["guild_id"]),
        key=row["key"],
        payload=json.loads(row["payload"]),
        due_at=from_db(row["due_at"]),
        version=int(row["version"]),
        attempts=int(row["attempts"]),
        first_attempt_at=from_db(row["first_attempt_at"]),
        claimed_at=db_now,
        last_result=row["outcome"],
        channel_id=None if row["channel_id"] is None else int(row["channel_id"]),
        discord_id=None if row["discord_id"] is None else int(row["discord_id"]),
    )
