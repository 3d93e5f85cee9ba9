"""Members' data in storage, on both stores: the export's rows, forgetting a member, deleting a departed server."""

from __future__ import annotations

import datetime as dt
import json

from bot.domain.shards import ShardScope
from bot.services.privacy import PrivacyService
from bot.storage.privacy import ANONYMOUS, SERVER_ROWS, Forgotten, PrivacyRepository
from bot.storage.trivia import TriviaRepository
from tests.backup_load import histogram, recount
from tests.clocks import ManualClock
from tests.privacy_seed import GAMES, NOW, QUESTIONS, guild_tables, rows_of, seed

HERE, ELSEWHERE = 11 << 22, 12 << 22
ALICE, BEN, CARA = 1001, 1002, 1003


async def test_every_table_with_a_server_is_deleted_with_it(db):
    """A table added later with a guild_id column must be added to SERVER_ROWS (or this fails)."""
    listed = {table for table, _ in SERVER_ROWS}
    assert set(await guild_tables(db)) <= listed
    assert listed - set(await guild_tables(db)) == {"trivia_answers", "trivia_questions_revealed"}


async def test_the_export_holds_every_row_naming_the_member_and_nobody_elses(db):
    await seed(db, HERE, [ALICE, BEN, CARA])
    await seed(db, ELSEWHERE, [ALICE, BEN])
    service = PrivacyService(PrivacyRepository(db), ManualClock(NOW))
    exported = await service.export(HERE, ALICE)
    assert exported.filename == f"heartstopper-data-{HERE}-{ALICE}.json" and exported.anything
    document = json.loads(exported.data)
    assert next(iter(document)) == "about"
    assert document["server_id"] == str(HERE) and document["user_id"] == str(ALICE)
    trivia = document["trivia"]
    assert len(trivia["answers"]) == GAMES * QUESTIONS and len(trivia["games_started"]) == GAMES
    stats = await TriviaRepository(db).stats(HERE, ALICE)
    assert trivia["score"]["points"] == stats.points == sum(a["points"] for a in trivia["answers"])
    assert trivia["answers"][0]["button"] == "ABCD"[trivia["answers"][0]["option"]]
    daily = document["question_of_the_day"]
    assert [a["question_id"] for a in daily["answers"]] == ["s2-q4"] and daily["streak"]["days_answered"] == 1
    assert [e["name"] for e in document["server_events_created"]] == ["Watch party"]
    assert [p["pack_id"] for p in document["server_packs_uploaded"]] == ["our-pack"]
    text = exported.data.decode()
    assert str(BEN) not in text and str(CARA) not in text and str(ELSEWHERE) not in text  # nobody else, nowhere else
    nobody = await service.export(HERE, 4242)
    assert not nobody.anything and json.loads(nobody.data)["trivia"] == {
        "score": None,
        "answers": [],
        "games_started": [],
    }


async def test_forgetting_a_member_keeps_the_leaderboard_and_histogram_of_everyone_else_exact(db):
    await seed(db, HERE, [ALICE, BEN, CARA])
    await seed(db, ELSEWHERE, [ALICE, BEN])
    trivia = TriviaRepository(db)
    others_before = [s for s in await trivia.leaderboard(HERE, 25) if s.user_id != ALICE]
    elsewhere_before = await rows_of(db, ELSEWHERE)
    done = await PrivacyService(PrivacyRepository(db), ManualClock(NOW)).forget(HERE, ALICE)
    assert done == Forgotten(
        answers=GAMES * QUESTIONS,
        scores=1,
        daily_answers=1,
        daily_streaks=1,
        games_anonymised=GAMES,
        events_anonymised=1,
        packs_anonymised=1,
    )
    assert await trivia.leaderboard(HERE, 25) == others_before
    assert await histogram(db, HERE) == await recount(db, HERE)
    assert await trivia.player_count(HERE) == 2 and await trivia.stats(HERE, ALICE) is None
    records = await PrivacyRepository(db).member(HERE, ALICE)
    assert not any((records.score, records.answers, records.games_started, records.daily_answers, records.daily_streak))
    assert not records.events_created and not records.packs_uploaded
    starters = {
        int(r[0]) for r in await db.fetch_all("SELECT starter_id FROM trivia_games WHERE guild_id = ?", (HERE,))
    }
    creators = await db.fetch_all("SELECT created_by FROM server_events WHERE guild_id = ?", (HERE,))
    assert starters == {ANONYMOUS} and [int(r[0]) for r in creators] == [ANONYMOUS]
    assert await rows_of(db, ELSEWHERE) == elsewhere_before
    again = await PrivacyRepository(db).forget_member(HERE, ALICE)
    assert not again.anything


async def test_forgetting_everywhere_finds_every_server_that_names_the_member(db):
    await seed(db, HERE, [ALICE, BEN])
    await seed(db, ELSEWHERE, [BEN, ALICE])  # Ben made the events and packs there; Alice only played
    service = PrivacyService(PrivacyRepository(db), ManualClock(NOW))
    done = dict(await service.forget_everywhere(ALICE))
    assert sorted(done) == sorted([HERE, ELSEWHERE])
    assert done[ELSEWHERE].events_anonymised == 0 and done[ELSEWHERE].answers == GAMES * QUESTIONS
    assert await service.forget_everywhere(ALICE) == []
    assert await PrivacyRepository(db).guilds_of_member(BEN) == sorted([HERE, ELSEWHERE])


async def test_a_departed_server_is_deleted_whole_in_one_go_once_due_and_only_then(db):
    await seed(db, HERE, [ALICE, BEN])
    await seed(db, ELSEWHERE, [ALICE, BEN])
    elsewhere_before = await rows_of(db, ELSEWHERE)
    repo = PrivacyRepository(db)
    await repo.record_departure(HERE, NOW)
    await repo.record_departure(HERE, NOW + dt.timedelta(days=3))  # a second removal keeps the first time
    assert await repo.departure(HERE) == NOW and await repo.earliest_departure() == NOW
    assert await repo.departed_before(NOW - dt.timedelta(seconds=1)) == []
    assert await repo.delete_guild(HERE, left_before=NOW - dt.timedelta(seconds=1)) is None
    assert await repo.departed_before(NOW) == [HERE]
    deleted = await repo.delete_guild(HERE, left_before=NOW)
    assert (
        deleted is not None and deleted["trivia_answers"] == GAMES * QUESTIONS * 2 and deleted["departed_guilds"] == 1
    )
    assert all(rows == [] for rows in (await rows_of(db, HERE)).values())
    assert await rows_of(db, ELSEWHERE) == elsewhere_before
    assert await histogram(db, ELSEWHERE) == await recount(db, ELSEWHERE)
    assert await repo.earliest_departure() is None


async def test_a_comeback_cancels_the_departure_and_shards_see_only_their_own(db):
    repo = PrivacyRepository(db)
    shard0, shard1 = 2 << 22, 3 << 22  # (id >> 22) % 2: 0 and 1
    await repo.record_departure(shard0, NOW)
    await repo.record_departure(shard1, NOW)
    mine = PrivacyRepository(db, ShardScope(2, (1,)))
    assert await mine.departed_before(NOW) == [shard1]
    assert await repo.cancel_departure(shard1) and not await repo.cancel_departure(shard1)
    assert await mine.departed_before(NOW) == [] and await mine.earliest_departure() is None
    assert await repo.delete_guild(shard1, left_before=NOW) is None  # back: nothing is deleted
    assert await repo.departed_before(NOW) == [shard0]


async def test_the_retention_planner_deletes_after_the_window_and_spares_a_server_the_bot_is_in(db):
    await seed(db, HERE, [ALICE])
    await seed(db, ELSEWHERE, [ALICE])
    clock = ManualClock(NOW)
    service = PrivacyService(PrivacyRepository(db), clock)
    present = {ELSEWHERE}  # back while the bot was offline: no GUILD_CREATE "join", but in the cache
    planner = service.retention(30, present.__contains__)
    await service.left(HERE)
    await service.left(ELSEWHERE)
    assert await planner.next_due_at() == NOW + dt.timedelta(days=30)
    await clock.advance(dt.timedelta(days=29).total_seconds())
    await planner.plan()
    assert (await rows_of(db, HERE))["trivia_scores"]
    await clock.advance(dt.timedelta(days=1).total_seconds())
    await planner.plan()
    assert all(rows == [] for rows in (await rows_of(db, HERE)).values())
    assert (await rows_of(db, ELSEWHERE))["trivia_scores"] and await service.departure(ELSEWHERE) is None
    assert await planner.next_due_at() is None
