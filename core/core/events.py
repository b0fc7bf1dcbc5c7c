"""Domain events: aggregates record them, the unit of work stores them with the change."""

from __future__ import annotations

from typing import Any

from core.interfaces.message_queue import Message

_PENDING = "_pending_events"


class RecordsEvents:
    """Mixin for aggregates that record events.

    The list lives in the instance dict under a name no mapper knows, because mapped
    instances loaded from the database never run `__init__`.
    """

    def record_event(self, message: Message) -> None:
        """Remember an event until the unit of work takes it."""
        pending: list[Message] = self.__dict__.setdefault(_PENDING, [])
        pending.append(message)

    def pull_events(self) -> list[Message]:
        """The recorded events, oldest first; afterwards the aggregate holds none."""
        pending: list[Message] = self.__dict__.pop(_PENDING, [])
        return pending


def collect_events(candidates: Any) -> list[Message]:
    """Pull the events of every aggregate among `candidates`, in recording order."""
    events: list[Message] = []
    seen: set[int] = set()
    for candidate in candidates:
        if isinstance(candidate, RecordsEvents) and id(candidate) not in seen:
            seen.add(id(candidate))
            events.extend(candidate.pull_events())
    return sorted(events, key=lambda event: event.occurred_at)
