"""`armature outbox status` and `prune`: the backlog, the failing messages, the retention;
from a real subprocess."""

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import update

from api.testing_cli import armature, cli_env, on_both_databases
from api.testing_servers import migrated_database
from core.adapters.sqlalchemy import DatabaseSettings, create_engine, create_session_factory
from core.adapters.sqlalchemy.outbox import outbox_table, store_events
from core.clock import utc_now
from core.interfaces import Message

REFUSED = "ChannelClosed('NOT_FOUND - no exchange')"


@pytest.fixture
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated database holding four events: one published, three not, one of them failing."""
    async with migrated_database(getattr(request, "param", "sqlite"), tmp_path) as url:
        engine = create_engine(DatabaseSettings(url=SecretStr(url)))
        an_hour_ago = utc_now() - timedelta(hours=1)
        events = [
            Message(type=name, data={}, occurred_at=an_hour_ago + timedelta(minutes=minutes))
            for name, minutes in (("item.created", 0), ("item.updated", 1), ("item.deleted", 2))
        ]
        events.append(Message(type="item.created", data={}, occurred_at=utc_now()))
        async with create_session_factory(engine)() as session, session.begin():
            await store_events(session, events)
            sent, failing = outbox_table.c.id == events[0].id, outbox_table.c.id == events[1].id
            await session.execute(update(outbox_table).where(sent).values(published_at=utc_now()))
            await session.execute(
                update(outbox_table).where(failing).values(attempts=3, last_error=REFUSED)
            )
        await engine.dispose()
        yield url


@on_both_databases
async def test_status_counts_the_backlog_and_lists_failing_messages(database: str) -> None:
    result = await armature(cli_env(database), "outbox", "status", "--json")

    report = result.json()
    assert (report["unpublished"], report["published"], report["failing"]) == (3, 1, 1)
    assert 3500 < report["oldest_unpublished_age_seconds"] < 3700
    assert [(f["type"], f["attempts"], f["last_error"]) for f in report["failures"]] == [
        ("item.updated", 3, REFUSED)
    ]


async def test_status_prints_a_short_summary_for_people(database: str) -> None:
    result = await armature(cli_env(database), "outbox", "status")

    summary, failures = result.text().split("\n\n")
    unpublished, published, failing = summary.splitlines()
    assert re.fullmatch(r"unpublished  3  oldest (59|60) min ago", unpublished)
    assert (published, failing) == (
        "published    1",
        "failing      1  unpublished, with a failed attempt",
    )
    header, row = failures.splitlines()
    assert header.split()[:3] == ["POSITION", "TYPE", "ATTEMPTS"]
    assert row.split()[:3] == ["2", "item.updated", "3"]
    assert row.endswith(REFUSED)


@on_both_databases
async def test_prune_deletes_what_went_out_before_the_retention(database: str) -> None:
    env = cli_env(database, OUTBOX_RETENTION_DAYS="0.5", PROCESSED_MESSAGE_RETENTION_DAYS="7")
    engine = create_engine(DatabaseSettings(url=SecretStr(database)))
    sent_a_day_ago = update(outbox_table).where(outbox_table.c.published_at.is_not(None))
    async with create_session_factory(engine)() as session, session.begin():
        await session.execute(sent_a_day_ago.values(published_at=utc_now() - timedelta(days=1)))
    await engine.dispose()

    pruned = (await armature(env, "outbox", "prune", "--json")).json()
    status = (await armature(env, "outbox", "status", "--json")).json()

    assert pruned == {"published_events": 1, "delivery_records": 0}
    assert (status["published"], status["unpublished"]) == (0, 3)


async def test_prune_keeps_events_younger_than_the_retention(database: str) -> None:
    env = cli_env(database, OUTBOX_RETENTION_DAYS="7", PROCESSED_MESSAGE_RETENTION_DAYS="7")
    result = await armature(env, "outbox", "prune")

    assert result.text().splitlines() == [
        "published events  0  deleted",
        "delivery records  0  deleted",
    ]
    status = await armature(env, "outbox", "status", "--json")
    assert status.json()["published"] == 1
