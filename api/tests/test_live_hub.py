"""The live hub hands each event to its audience's connections only, and drops laggards."""

from uuid import uuid4

import pytest

from api.live import LIVE_EVENT_TYPES, LiveHub, wire_format
from core.adapters.memory_queue import InMemoryMessageQueue
from core.errors import ServiceUnavailable
from core.interfaces import Handler, Message


def event(audience: str | None, n: int = 0) -> Message:
    return Message(type="item.updated", data={"n": n}, audience=audience)


async def test_events_reach_every_connection_of_their_audience_and_no_other() -> None:
    hub = LiveHub()
    mine, my_other_tab, theirs = hub.connect("me"), hub.connect("me"), hub.connect("them")

    await hub.dispatch(event("me", 1))
    await hub.dispatch(event(None, 2))

    assert (await mine.next()).data == {"n": 1}
    assert (await my_other_tab.next()).data == {"n": 1}
    assert theirs.pending == 0
    assert mine.pending == 0, "an event without an audience goes nowhere"


async def test_a_client_that_falls_behind_is_flagged_without_blocking_the_others() -> None:
    hub = LiveHub(backlog=3)
    slow, fast = hub.connect("me"), hub.connect("me")

    for n in range(4):
        await hub.dispatch(event("me", n))
        await fast.next()

    assert slow.overflowed.is_set()
    assert not fast.overflowed.is_set()


async def test_a_disconnected_client_receives_nothing_more() -> None:
    hub = LiveHub()
    client = hub.connect("me")
    hub.disconnect(client)

    await hub.dispatch(event("me"))

    assert client.pending == 0
    assert hub.connections == 0


def test_the_wire_format_is_id_type_time_and_data() -> None:
    message = event("me", 7)

    sent = wire_format(message)

    assert sent == {
        "id": str(message.id),
        "type": "item.updated",
        "occurred_at": message.occurred_at.isoformat(),
        "data": {"n": 7},
    }


class FlakyBroker(InMemoryMessageQueue):
    """An in-process queue whose `broadcast` fails once `down_after` patterns are bound."""

    def __init__(self) -> None:
        super().__init__()
        self.down_after = len(LIVE_EVENT_TYPES)
        self.bound: list[str] = []

    async def broadcast(self, pattern: str, handler: Handler) -> None:
        if len(self.bound) >= self.down_after:
            raise ServiceUnavailable("the broker is away")
        await super().broadcast(pattern, handler)
        self.bound.append(pattern)


async def test_a_hub_listens_with_its_first_client_and_only_once() -> None:
    queue = FlakyBroker()
    await queue.start()
    hub = LiveHub(queue=lambda: queue)
    bound_before = list(queue.bound)

    await hub.listen()
    await hub.listen()
    client = hub.connect("me")
    heard = Message(type="item.updated", id=uuid4(), data={}, audience="me")
    await queue.publish(heard)

    assert bound_before == [], "a hub nobody connected to does not listen"
    assert queue.bound == list(LIVE_EVENT_TYPES)
    assert (await client.next()).id == heard.id
    assert client.pending == 0, "each event arrives once"
    await queue.close()


async def test_a_failed_listen_is_retried_without_hearing_a_pattern_twice() -> None:
    queue = FlakyBroker()
    queue.down_after = 1
    await queue.start()
    hub = LiveHub(queue=lambda: queue)

    with pytest.raises(ServiceUnavailable):
        await hub.listen()
    queue.down_after = len(LIVE_EVENT_TYPES)
    await hub.listen()

    assert queue.bound == list(LIVE_EVENT_TYPES)
    await queue.close()
