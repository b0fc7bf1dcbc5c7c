"""RabbitMessageQueue against the real broker; each test owns a fresh exchange and queues."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import AsyncIterator
from urllib.parse import urlsplit
from uuid import uuid4

import aio_pika
import pytest
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage

from core.adapters.messages_json import decode_message
from core.adapters.rabbitmq import MessageQueueUnavailable, RabbitMessageQueue
from core.interfaces.message_queue import Message
from core.testing import RecordingHandler, TcpProxy

RABBITMQ_URL = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
BROKER = urlsplit(RABBITMQ_URL)
WAIT = 15.0
CONSUMERS = ("indexer", "star", "exact", "everything", "audit", "workers", "flaky", "broken")


class Broker:
    """Builds queues on one test's exchange and removes everything they declared."""

    def __init__(self, admin: AbstractChannel) -> None:
        self.admin = admin
        self.exchange = f"test-{uuid4().hex[:12]}"
        self.queues: list[RabbitMessageQueue] = []

    def queue(self, url: str = RABBITMQ_URL, **options: float) -> RabbitMessageQueue:
        options.setdefault("retry_backoff_seconds", 0.05)
        queue = RabbitMessageQueue(url, self.exchange, **options)  # type: ignore[arg-type]
        self.queues.append(queue)
        return queue

    async def dead_letters(self, consumer: str) -> list[AbstractIncomingMessage]:
        dead = await self.admin.get_queue(self.queues[0].topology.dead_queue(consumer))
        found = []
        while (message := await dead.get(no_ack=True, fail=False)) is not None:
            found.append(message)
        return found

    async def clean_up(self) -> None:
        for queue in self.queues:
            await queue.close()
        topologies = {queue.topology for queue in self.queues}
        for consumer in CONSUMERS:
            for name in {name for t in topologies for name in t.queue_names(consumer)}:
                await self.admin.queue_delete(name)
        await self.admin.exchange_delete(self.exchange)


@pytest.fixture
async def broker() -> AsyncIterator[Broker]:
    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        broker = Broker(await connection.channel())
        try:
            yield broker
        finally:
            await broker.clean_up()


def a_message(topic: str = "item.created", **data: object) -> Message:
    return Message(type=topic, data=data, audience="account-1", headers={"traceparent": "00-1"})


async def test_round_trip_keeps_every_field_and_sets_amqp_properties(broker: Broker) -> None:
    queue, recorder = broker.queue(), RecordingHandler()
    await queue.subscribe("item.*", "indexer", recorder)
    await queue.start()
    spy = await broker.admin.declare_queue(exclusive=True)
    await spy.bind(broker.exchange, "#")
    sent = a_message("item.updated", name="Zoë", nested={"list": [1, 2.5, None, True]})

    await queue.publish(sent)
    await recorder.wait_handled(1)
    raw = await spy.get(no_ack=True, timeout=WAIT)

    assert recorder.handled == [sent]
    assert (raw.message_id, raw.type) == (str(sent.id), "item.updated")
    assert raw.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    assert raw.headers["traceparent"] == "00-1"


async def test_routes_by_pattern(broker: Broker) -> None:
    queue = broker.queue()
    star, exact, everything = RecordingHandler(), RecordingHandler(), RecordingHandler()
    await queue.subscribe("item.*", "star", star)
    await queue.subscribe("item.updated", "exact", exact)
    await queue.subscribe("#", "everything", everything)
    await queue.start()

    for topic in ["item.created", "item.updated", "account.created", "item.updated.name"]:
        await queue.publish(a_message(topic))
    await everything.wait_handled(4)
    await star.wait_handled(2)
    await exact.wait_handled(1)
    await queue.close()

    assert sorted(star.types) == ["item.created", "item.updated"]
    assert exact.types == ["item.updated"]
    assert len(everything.handled) == 4


async def test_consumers_get_a_copy_each_and_same_named_ones_share(broker: Broker) -> None:
    first, second = broker.queue(prefetch=1), broker.queue(prefetch=1)
    workers, audit = RecordingHandler(), RecordingHandler()
    await first.subscribe("item.*", "workers", workers)
    await second.subscribe("item.*", "workers", workers)
    await second.subscribe("#", "audit", audit)
    await first.start()
    await second.start()
    sent = [a_message(n=n) for n in range(20)]

    for message in sent:
        await first.publish(message)
    await audit.wait_handled(20)
    await workers.wait_handled(20)
    await first.close()
    await second.close()

    assert Counter(m.id for m in workers.handled) == Counter(m.id for m in sent)
    assert Counter(m.id for m in audit.handled) == Counter(m.id for m in sent)


async def test_a_failing_handler_is_retried_until_it_succeeds(broker: Broker) -> None:
    queue, flaky = broker.queue(max_retries=5), RecordingHandler(failures=2)
    await queue.subscribe("item.*", "flaky", flaky)
    await queue.start()
    sent = a_message()

    await queue.publish(sent)
    await flaky.wait_handled(1)
    await queue.close()

    assert flaky.calls[sent.id] == 3
    assert flaky.handled == [sent]
    assert await broker.dead_letters("flaky") == []


async def test_a_handler_that_keeps_failing_ends_in_the_dead_letter_queue(broker: Broker) -> None:
    queue, broken, healthy = (
        broker.queue(max_retries=2),
        RecordingHandler(failures=99),
        RecordingHandler(),
    )
    await queue.subscribe("item.*", "broken", broken)
    await queue.subscribe("item.*", "indexer", healthy)
    await queue.start()
    sent = a_message()

    await queue.publish(sent)
    dead: list[AbstractIncomingMessage] = []

    async def parked() -> None:
        while not dead:
            dead.extend(await broker.dead_letters("broken"))
            await asyncio.sleep(0.05)

    await asyncio.wait_for(parked(), WAIT)
    await queue.close()

    assert broken.calls[sent.id] == 3
    assert [decode_message(message.body) for message in dead] == [sent]
    assert dead[0].headers["armature-failures"] == 3
    assert "RuntimeError: failure 3" in str(dead[0].headers["armature-error"])
    assert healthy.handled == [sent]


async def test_a_waiting_retry_does_not_hold_up_later_messages(broker: Broker) -> None:
    queue, recorder = broker.queue(retry_backoff_seconds=60.0, prefetch=1), RecordingHandler()

    async def fails_on_first(message: Message) -> None:
        if message.data["first"]:
            raise RuntimeError("not yet")
        await recorder(message)

    await queue.subscribe("item.*", "flaky", fails_on_first)
    await queue.start()
    second = a_message(first=False)

    await queue.publish(a_message(first=True))
    await queue.publish(second)
    await recorder.wait_handled(1)

    assert recorder.handled == [second]


async def test_messages_wait_in_the_queue_while_no_consumer_runs(broker: Broker) -> None:
    earlier = broker.queue()
    await earlier.subscribe("item.*", "indexer", RecordingHandler())
    await earlier.start()
    await earlier.close()
    publisher, later, recorder = broker.queue(), broker.queue(), RecordingHandler()
    sent = [a_message(n=n) for n in range(3)]

    for message in sent:
        await publisher.publish(message)
    await later.subscribe("item.*", "indexer", recorder)
    await later.start()
    await recorder.wait_handled(3)

    assert recorder.handled == sent


async def test_messages_published_before_start_wait_for_this_process_consumers(
    broker: Broker,
) -> None:
    queue, recorder = broker.queue(), RecordingHandler()
    await queue.subscribe("item.*", "indexer", recorder)
    early = a_message()

    await queue.publish(early)
    await queue.start()
    await recorder.wait_handled(1)

    assert recorder.handled == [early]


async def test_broadcast_reaches_every_process_without_retries(broker: Broker) -> None:
    one, two = broker.queue(), broker.queue()
    heard_one, heard_two, failing = (
        RecordingHandler(),
        RecordingHandler(),
        RecordingHandler(failures=99),
    )
    await one.broadcast("item.*", heard_one)
    await one.broadcast("#", failing)
    await two.broadcast("#", heard_two)
    await one.start()
    await two.start()
    sent = a_message()

    await one.publish(sent)
    await heard_one.wait_handled(1)
    await heard_two.wait_handled(1)
    await failing.wait_until(lambda: failing.calls[sent.id] == 1)
    await one.close()

    assert heard_one.handled == heard_two.handled == [sent]
    assert failing.calls[sent.id] == 1


async def test_a_broadcast_after_start_hears_what_is_published_from_then_on(
    broker: Broker,
) -> None:
    publisher, listener, late = broker.queue(), broker.queue(), RecordingHandler()
    await publisher.start()
    await listener.start()
    before, after = a_message(n=1), a_message(n=2)

    await publisher.publish(before)
    await listener.broadcast("item.*", late)
    await publisher.publish(after)
    await late.wait_handled(1)
    await publisher.close()
    await listener.close()

    assert late.handled == [after]


async def test_consumption_resumes_after_a_network_cut(broker: Broker) -> None:
    async with TcpProxy(BROKER.hostname or "", BROKER.port or 5672) as proxy:
        url = through(proxy)
        options = {"publish_timeout_seconds": 1.0, "reconnect_interval_seconds": 0.2}
        queue, recorder = broker.queue(url, **options), RecordingHandler()
        await queue.subscribe("item.*", "indexer", recorder)
        await queue.start()
        before = [a_message(n=n) for n in range(3)]
        for message in before:
            await queue.publish(message)
        await recorder.wait_handled(3)
        await asyncio.wait_for(queue.wait_idle(), WAIT)
        # Confirmed on the consuming channel, so the broker has processed the acks too.
        await queue.publish(a_message("nobody.listens"))

        await proxy.cut()
        lost = a_message(n="during the cut")
        with pytest.raises(MessageQueueUnavailable):
            await asyncio.wait_for(queue.publish(lost), timeout=5.0)
        await proxy.restore()
        after = [lost, *(a_message(n=n) for n in range(3, 6))]
        for message in after:
            await publish_until_accepted(queue, message)
        await recorder.wait_handled(7)
        await queue.close()

    assert Counter(m.id for m in recorder.handled) == Counter(m.id for m in before + after)


async def test_a_broadcast_after_start_fails_fast_while_the_broker_is_cut_off(
    broker: Broker,
) -> None:
    async with TcpProxy(BROKER.hostname or "", BROKER.port or 5672) as proxy:
        options = {"connect_timeout_seconds": 1.0, "reconnect_interval_seconds": 0.2}
        listener, late = broker.queue(through(proxy), **options), RecordingHandler()
        publisher = broker.queue()
        await listener.start()
        await publisher.start()

        await proxy.cut()
        with pytest.raises(MessageQueueUnavailable, match="cannot listen"):
            await asyncio.wait_for(listener.broadcast("item.*", late), timeout=5.0)
        await proxy.restore()
        await asyncio.wait_for(until_listening(listener, late), WAIT)
        sent = a_message()
        await publisher.publish(sent)
        await late.wait_handled(1)
        await listener.close()
        await publisher.close()

    assert late.handled == [sent]


async def until_listening(queue: RabbitMessageQueue, handler: RecordingHandler) -> None:
    """What the live hub does: try again until the broker is back."""
    while True:
        try:
            return await queue.broadcast("item.*", handler)
        except MessageQueueUnavailable:
            await asyncio.sleep(0.1)


def through(proxy: TcpProxy) -> str:
    credentials = BROKER.netloc.rpartition("@")[0]
    return BROKER._replace(netloc=f"{credentials}@127.0.0.1:{proxy.port}").geturl()


async def publish_until_accepted(queue: RabbitMessageQueue, message: Message) -> None:
    async def attempt() -> None:
        # What the outbox relay does: retry until the broker confirms.
        while True:
            try:
                return await queue.publish(message)
            except MessageQueueUnavailable:
                await asyncio.sleep(0.1)

    await asyncio.wait_for(attempt(), WAIT)


async def test_publish_fails_fast_when_the_broker_is_unreachable(broker: Broker) -> None:
    async with TcpProxy(BROKER.hostname or "", BROKER.port or 5672) as proxy:
        await proxy.cut()
        queue = broker.queue(through(proxy), connect_timeout_seconds=2.0)

        with pytest.raises(MessageQueueUnavailable, match=f"127.0.0.1:{proxy.port}"):
            await asyncio.wait_for(queue.publish(a_message()), timeout=5.0)
