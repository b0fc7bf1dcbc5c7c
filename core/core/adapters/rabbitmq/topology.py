"""Names and declarations of the exchange and queues behind one RabbitMessageQueue."""

from __future__ import annotations

from dataclasses import dataclass

from aio_pika.abc import AbstractRobustChannel, AbstractRobustQueue

from core.adapters.memory_queue import MAX_BACKOFF_SECONDS, retry_delay

# How many times the consumer's handler has failed on this message so far.
FAILURES_HEADER = "armature-failures"
ERROR_HEADER = "armature-error"


@dataclass(frozen=True)
class RabbitTopology:
    """Where each consumer's messages, pending retries and dead letters live."""

    exchange: str
    max_retries: int = 5
    retry_backoff_seconds: float = 0.5
    max_backoff_seconds: float = MAX_BACKOFF_SECONDS

    def consumer_queue(self, consumer: str) -> str:
        """The durable queue every subscription of `consumer` shares."""
        return f"{self.exchange}.{consumer}"

    def dead_queue(self, consumer: str) -> str:
        """Where `consumer` parks the messages it gave up on."""
        return f"{self.consumer_queue(consumer)}.dead"

    def retry_delay_seconds(self, failures: int) -> float:
        """The wait before retrying after the `failures`-th failure."""
        return retry_delay(failures, self.retry_backoff_seconds, self.max_backoff_seconds)

    def retry_queue(self, consumer: str, failures: int) -> str:
        """The holding queue for retry number `failures`, named by its delay."""
        milliseconds = round(self.retry_delay_seconds(failures) * 1000)
        return f"{self.consumer_queue(consumer)}.retry.{milliseconds}ms"

    def retry_queues(self, consumer: str) -> list[str]:
        """Every holding queue `consumer` needs, shortest delay first."""
        names = (self.retry_queue(consumer, n) for n in range(1, self.max_retries + 1))
        return list(dict.fromkeys(names))

    def queue_names(self, consumer: str) -> list[str]:
        """Every durable queue that belongs to `consumer`."""
        names = [self.consumer_queue(consumer), self.dead_queue(consumer)]
        return [*names, *self.retry_queues(consumer)]


async def declare_consumer(
    channel: AbstractRobustChannel,
    topology: RabbitTopology,
    consumer: str,
    patterns: list[str],
    *,
    robust: bool = True,
) -> AbstractRobustQueue:
    """Declare the consumer's queue, bindings, retry and dead-letter queues; its queue.

    `robust` ones are declared again by the channel after a reconnection.
    """
    name = topology.consumer_queue(consumer)
    queue = await channel.declare_queue(name, durable=True, robust=robust)
    for pattern in patterns:
        await queue.bind(topology.exchange, routing_key=pattern, robust=robust)
    await channel.declare_queue(topology.dead_queue(consumer), durable=True, robust=robust)
    # An expired retry goes back through the default exchange to this consumer's queue
    # only, never to the other consumers bound to the same topic.
    back_to_consumer = {"x-dead-letter-exchange": "", "x-dead-letter-routing-key": name}
    for retry_name in topology.retry_queues(consumer):
        await channel.declare_queue(
            retry_name, durable=True, arguments=back_to_consumer, robust=robust
        )
    return queue
