"""The SQLAlchemy unit of work: one fresh session per unit, never shared."""

from __future__ import annotations

from itertools import chain
from types import TracebackType
from typing import Self
from uuid import UUID

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core.adapters.sqlalchemy.inserts import PlannedInserts, plan_inserts
from core.adapters.sqlalchemy.outbox import record_delivery, store_events
from core.adapters.sqlalchemy.repository import REMOVED
from core.clock import utc_now
from core.errors import ConcurrentModification, ConstraintViolation, ServiceUnavailable
from core.events import collect_events
from core.interfaces import UnitOfWork
from core.interfaces.message_queue import Message

# SQLSTATE classes that mean "try again later": connection exception, insufficient
# resources, operator intervention (shutdown, restart, statement timeout).
_TRANSIENT_SQLSTATE_CLASSES = frozenset({"08", "53", "57"})
_SQLITE_BUSY = "database is locked"
_AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}
# Set once a session's transaction holds a connection: its unit read or wrote through it.
_CONNECTED = "armature.connected"


@event.listens_for(Session, "after_begin")
def _note_connection(session: Session, _transaction: object, _connection: object) -> None:
    session.info[_CONNECTED] = True


class SqlAlchemyUnitOfWork(UnitOfWork):
    """Opens a session on entry; subclasses attach their repositories in `_bind`.

    A `read_only` unit never commits, and on an engine of its own it reads in autocommit
    mode: no BEGIN and no ROLLBACK around its statements, each of which sees what was
    committed when it started, exactly as inside a READ COMMITTED transaction. On a session
    bound to a connection (the tests' outer transaction) it reads inside that transaction.
    """

    def __init__(
        self, session_factory: async_sessionmaker[AsyncSession], *, read_only: bool = False
    ) -> None:
        self._session_factory = session_factory
        self._session: AsyncSession | None = None
        self._read_only = read_only

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is used outside `async with`")
        return self._session

    async def __aenter__(self) -> Self:
        self._session = self._session_factory()
        if self._read_only and isinstance(self._session.bind, AsyncEngine):
            try:
                await self._session.connection(execution_options=_AUTOCOMMIT)
            except BaseException as exc:
                # As if the block had failed: the session closes, an outage is a 503.
                await self.__aexit__(type(exc), exc, exc.__traceback__)
                raise
        self._bind(self._session)
        return await super().__aenter__()

    def _bind(self, session: AsyncSession) -> None:
        """Create the repositories of this unit on its session."""

    async def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        session = self.session
        try:
            aggregates = chain(
                session.new, session.identity_map.values(), session.info.pop(REMOVED, [])
            )
            events = collect_events(aggregates)
            planned = self._plan(events)
            if planned is None:
                await store_events(session, events)
            else:
                await self._write_in_one_statement(planned)
            await session.commit()
        except StaleDataError as exc:
            raise ConcurrentModification(
                "The resource was changed by another request; fetch it again and retry."
            ) from exc
        except IntegrityError as exc:
            raise ConstraintViolation("The change conflicts with existing data.") from exc

    def _plan(self, events: list[Message]) -> PlannedInserts | None:
        session = self.session
        bind = session.bind
        if bind is None or bind.dialect.name != "postgresql" or session.info.get(_CONNECTED):
            return None
        return plan_inserts(session.sync_session, events)

    async def _write_in_one_statement(self, planned: PlannedInserts) -> None:
        session = self.session
        statement, params = planned.statement()
        if isinstance(session.bind, AsyncEngine):
            await session.connection(execution_options=_AUTOCOMMIT)
        await session.execute(statement, params)
        # Written: the flush of the commit that follows must not insert them again.
        for instance in list(session.new):
            session.expunge(instance)

    async def rollback(self) -> None:
        await self.session.rollback()

    async def first_delivery(self, consumer: str, message_id: UUID) -> bool:
        return await record_delivery(self.session, consumer, message_id, utc_now())

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            try:
                await super().__aexit__(exc_type, exc, traceback)
            finally:
                await self.session.close()
                self._session = None
        except DBAPIError:
            # Cleanup on a dead connection fails too; the original error tells more.
            if exc is None:
                raise
        if _is_unreachable(exc):
            raise ServiceUnavailable("The database is unavailable; retry shortly.") from exc


def _is_unreachable(exc: BaseException | None) -> bool:
    """True for failures a retry can cure; a missing table or a bad query stays a 500."""
    if isinstance(exc, PoolTimeoutError | OSError | TimeoutError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated or isinstance(exc, InterfaceError):
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate[:2] in _TRANSIENT_SQLSTATE_CLASSES
    return _SQLITE_BUSY in str(exc.orig)
