"""The process that relays events also prunes the outbox: at start, then every few minutes."""

from datetime import timedelta
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import func, select

from api.settings import Settings
from api.testing_servers import eventually, migrated_database, serve_api
from core.adapters.sqlalchemy import DatabaseSettings, create_engine, create_session_factory
from core.adapters.sqlalchemy.outbox import outbox_table, store_events
from core.clock import utc_now
from core.interfaces import Message
from core.settings import ArmatureSettings, Environment

OLD_NEWS = outbox_table.c.type == "old.news"


async def test_the_served_api_prunes_published_events_past_their_retention(
    tmp_path: Path, component_settings: dict[str, ArmatureSettings]
) -> None:
    async with migrated_database("sqlite", tmp_path) as url:
        engine = create_engine(DatabaseSettings(url=SecretStr(url)))
        sessions = create_session_factory(engine)
        three_days_ago = utc_now() - timedelta(days=3)
        async with sessions() as session, session.begin():
            news = Message(type="old.news", data={}, occurred_at=three_days_ago)
            await store_events(session, [news])
            await session.execute(outbox_table.update().values(published_at=three_days_ago))
        settings = Settings(
            _env_file=None,
            environment=Environment.TEST,
            database_url=SecretStr(url),
            redis_url=None,
            outbox_retention_days=2,
        )

        async def pruned() -> bool | None:
            async with sessions() as session:
                left = await session.scalar(select(func.count()).where(OLD_NEWS))
            return True if left == 0 else None

        try:
            assert await pruned() is None, "the event is there before the API starts"
            with serve_api(settings, component_settings):
                await eventually(pruned)
        finally:
            await engine.dispose()
