from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from core.adapters.memory_queue import InMemoryMessageQueue, retry_delay, topic_matches
from core.adapters.messages_json import MessageFormatError
from core.interfaces.message_queue import Message
from core.testing import RecordingHandler

WAIT = 5.0


@pytest.fixture
async def make_queue() -> AsyncIterator[Callable[..., InMemoryMessageQueue]]:
    queues: list[InMemoryMessageQueue] = []

    def make(**options: float) -> InMemoryMessageQueue:
        options.setdefault("retry_backoff_seconds", 0.01)
        queues.append(InMemoryMessageQueue(**options))  # type: ignore[arg-type]
        return queues[-1]

    yield make
    for queue in queues:
        await queue.close()


async def drained(queue: InMemoryMessageQueue) -> None:
    await asyncio.wait_for(queue.drain(), WAIT)


@pytest.mark.parametrize(
    ("pattern", "topic", "expected"),
    [
        ("item.*", "item.updated", True),
        ("item.*", "item.updated.name", False),
        ("item.*", "item", False),
        ("item.updated", "item.updated", True),
        ("item.updated", "item.created", False),
        ("#", "item.updated", True),
        ("#", "item", True),
        ("item.#", "item", True),
        ("item.#", "item.a.b", True),
        ("#.updated", "item.updated", True),
        ("#.updated", "item.updated.not", False),
        ("*.*.done", "a.b.done", True),
        ("a.#.z", "a.z", True),
        ("a.#.z", "a.b.c.z", True),
        ("a.#.z", "a.b.c", False),
    ],
)
def test_topic_patterns_follow_amqp(pattern: str, topic: str, expected: bool) -> None:
    assert topic_matches(pattern, topic) is expected


def test_backoff_doubles_up_to_the_cap() -> None:
    delays = [retry_delay(attempt, 0.5, 30.0) for attempt in range(1, 9)]

    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


async def test_delivers_an_equal_copy_of_every_field(
    make_queue: Callable[..., InMemoryMessageQueue],
) -> None:
    queue, recorder = make_queue(), RecordingHandler()
    await queue.subscribe("item.*", "indexer", recorder)
    await queue.start()
    sent = Message(
        type="item.updated",
        data={"tags": ["a"], "n": {"x": None}},
        audience="acct",
        headers={"traceparent": "t"},
    )

    await queue.publish(sent)
    await drained(queue)

    assert recorder.handled == [sent]
    assert recorder.handled[0] is not sent


async def test_routes_by_pattern(make_queue: Callable[..., InMemoryMessageQueue]) -> None:
    queue = make_queue()
    star, exact, everything = RecordingHandler(), RecordingHandler(), RecordingHandler()
    await queue.subscribe("item.*", "star", star)
    await queue.subscribe("item.updated", "exact", exact)
    await queue.subscribe("#", "everything", everything)
    await queue.start()

    for topic in ["item.created", "item.updated", "account.created", "item.updated.name"]:
        await queue.publish(Message(type=topic, data={}))
    await drained(queue)

    assert star.types == ["item.created", "item.updated"]
    assert exact.types == ["item.updated"]
    assert everything.types == [
        "item.created",
        "item.updated",
        "account.created",
        "item.updated.name",
    ]


async def test_each_consumer_gets_a_copy_and_same_named_subscribers_share(
    make_queue: Callable[..., InMemoryMessageQueue],
) -> None:
    queue = make_queue(concurrency=2)
    audit, worker_one, worker_two = RecordingHandler(), RecordingHandler(), RecordingHandler()
    await queue.subscribe("#", "audit", audit)
    await queue.subscribe("item.*", "workers", worker_one)
    await queue.subscribe("item.*", "workers", worker_two)
    await queue.start()
    sent = [Message(type="item.created", data={"n": n}) for n in range(10)]

    for message in sent:
        await queue.publish(message)
    await drained(queue)

    shared = worker_one.handled + worker_two.handled
    assert sorted(m.data["n"] for m in shared) == list(range(10))
    assert worker_one.handled
    assert worker_two.handled
    assert audit.handled == sent


async def test_a_failing_handler_is_retried_until_it_succeeds(
    make_queue: Callable[..., InMemoryMessageQueue],
) -> None:
    queue, flaky = make_queue(max_retries=5), RecordingHandler(failures=2)
    await queue.subscribe("item.*", "flaky", flaky)
    await queue.start()
    sent = Message(type="item.created", data={})

    await queue.publish(sent)
    await drained(queue)

    assert flaky.calls[sent.id] == 3
    assert flaky.handled == [sent]
    assert queue.dead_letters("flaky") == []


async def test_a_handler_that_keeps_failing_ends_in_the_dead_letters(
    make_queue: Callable[..., InMemoryMessageQueue],
) -> None:
    queue, broken, healthy = (
        make_queue(max_retries=3),
        RecordingHandler(failures=99),
        RecordingHandler(),
    )
    await queue.subscribe("item.*", "broken", broken)
    await queue.subscribe("item.*", "healthy", healthy)
    await queue.start()
    sent = Message(type="item.created", data={"n": 1})

    await queue.publish(sent)
    await drained(queue)

    assert broken.calls[sent.id] == 4
    assert queue.dead_letters("broken") == [sent]
    assert healthy.handled == [sent]
    assert queue.dead_letters("healthy") == []


async def test_a_waiting_retry_does_not_hold_up_later_messages(
    make_queue: Callable[..., InMemoryMessageQueue],
) -> None:
    queue, recorder = make_queue(retry_backoff_seconds=60.0), RecordingHandler()

    async def fails_on_first(message: Message) -> None:
        if message.data["first"]:
            raise RuntimeError("not yet")
        await recorder(message)

    await queue.subscribe("item.*", "consumer", fails_on_first)
    await queue.start()
    second = Message(type="item.b", data={"first": False})

    await queue.publish(Message(type="item.a", data={"first": True}))
    await queue.publish(second)
    await recorder.wait_handled(1)

    assert recorder.handled == [second]


async def test_a_slow_consumer_blocks_neither_publish_nor_other_consumers(
    make_queue: Callable[..., InMemoryMessageQueue],
) -> None:
    queue, fast, gate = make_queue(), RecordingHandler(), asyncio.Event()

    async def slow(message: Message) -> None:
        await gate.wait()

    await queue.subscribe("#", "slow", slow)
    await queue.subscribe("#", "fast", fast)
    await queue.start()

    for n in range(3):
        await asyncio.wait_for(queue.publish(Message(type="item.created", data={"n": n})), WAIT)
    await fast.wait_handled(3)
    gate.set()
    await drained(queue)


async def test_messages_published_before_start_are_delivered_after(
    make_queue: Callable[..., InMemoryMessageQueue],
) -> None:
    queue, recorder = make_queue(), RecordingHandler()
    early = Message(type="item.created", data={})
    await queue.publish(early)
    await queue.subscribe("item.*", "late", recorder)

    await queue.start()
    await drained(queue)

    assert recorder.handled == [early]


async def test_broadcast_reaches_every_listener_and_swallows_errors(
    make_queue: Callable[..., InMemoryMessageQueue],
) -> None:
    queue, one, two, failing = (
        make_queue(),
        RecordingHandler(),
        RecordingHandler(),
        RecordingHandler(failures=99),
    )
    await queue.broadcast("item.*", one)
    await queue.broadcast("#", two)
    await queue.broadcast("#", failing)
    await queue.start()
    sent = Message(type="item.created", data={})

    await queue.publish(sent)
    await drained(queue)

    assert one.handled == two.handled == [sent]
    assert failing.calls[sent.id] == 1


async def test_a_broadcast_after_start_hears_what_is_published_from_then_on(
    make_queue: Callable[..., InMemoryMessageQueue],
) -> None:
    queue, late = make_queue(), RecordingHandler()
    await queue.start()
    before, after = Message(type="item.created", data={}), Message(type="item.updated", data={})

    await queue.publish(before)
    await queue.broadcast("item.*", late)
    await queue.publish(after)
    await drained(queue)

    assert late.handled == [after]


async def test_close_lets_a_running_handler_finish(
    make_queue: Callable[..., InMemoryMessageQueue],
) -> None:
    queue, started, gate, finished = make_queue(), asyncio.Event(), asyncio.Event(), []

    async def slow(message: Message) -> None:
        started.set()
        await gate.wait()
        finished.append(message)

    await queue.subscribe("#", "slow", slow)
    await queue.start()
    await queue.publish(Message(type="item.created", data={}))
    await asyncio.wait_for(started.wait(), WAIT)

    closing = asyncio.create_task(queue.close())
    gate.set()
    await asyncio.wait_for(closing, WAIT)

    assert len(finished) == 1


async def test_close_gives_up_on_a_stuck_handler_after_the_timeout(
    make_queue: Callable[..., InMemoryMessageQueue],
) -> None:
    queue, started = make_queue(close_timeout_seconds=0.05), asyncio.Event()

    async def stuck(message: Message) -> None:
        started.set()
        await asyncio.Event().wait()

    await queue.subscribe("#", "stuck", stuck)
    await queue.start()
    await queue.publish(Message(type="item.created", data={}))
    await asyncio.wait_for(started.wait(), WAIT)

    await asyncio.wait_for(queue.close(), WAIT)


async def test_refuses_misuse(make_queue: Callable[..., InMemoryMessageQueue]) -> None:
    queue = make_queue()
    await queue.start()

    with pytest.raises(RuntimeError, match="before start"):
        await queue.subscribe("#", "late", RecordingHandler())
    with pytest.raises(MessageFormatError):
        await queue.publish(Message(type="item.created", data={"bad": object()}))
    await queue.close()
    with pytest.raises(RuntimeError, match="closed"):
        await queue.publish(Message(type="item.created", data={}))
