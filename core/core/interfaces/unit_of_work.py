"""The unit of work owns one transaction; the use case decides where it ends."""

from __future__ import annotations

import abc
from types import TracebackType
from typing import Self
from uuid import UUID


class UnitOfWork(abc.ABC):
    """One transaction: `async with uow: ...; await uow.commit()`.

    Leaving the block without committing rolls back. Committing also stores the events
    the unit's aggregates recorded, in the same transaction.
    """

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.rollback()

    @abc.abstractmethod
    async def commit(self) -> None:
        """Make every change of this unit durable at once."""

    @abc.abstractmethod
    async def rollback(self) -> None:
        """Discard what was not committed; harmless after a commit."""

    @abc.abstractmethod
    async def first_delivery(self, consumer: str, message_id: UUID) -> bool:
        """Claim the message for `consumer` in this transaction; False when it was handled.

        A consumer that commits its work in the same unit handles each message once,
        however often the queue delivers it.
        """
