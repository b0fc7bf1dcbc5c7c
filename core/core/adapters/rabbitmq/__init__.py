"""The MessageQueue port on RabbitMQ (aio-pika, robust connection, publisher confirms).

Topology, for exchange `X` and a consumer `C`:

- `X`: a durable topic exchange; a message's routing key is its `type`.
- `X.C`: the consumer's durable queue, bound to `X` with each of its patterns. Every
  subscription made under the name `C`, in any process, shares it: each message is
  handled once per consumer name.
- `X.C.retry.<delay>ms`: one durable holding queue per backoff step, without consumers.
  Its `x-dead-letter-exchange` is the default exchange and its dead-letter routing key
  is `X.C`, so an expired message goes back to this consumer only.
- `X.C.dead`: the durable dead-letter queue, for an operator to inspect or replay.
- broadcast: one exclusive, auto-delete queue per `broadcast` call, bound to its
  pattern; it lives as long as the connection and nothing is retried.

Delivery: messages are persistent and `publish` returns only after the broker's
confirm, bounded by `publish_timeout_seconds` (it raises `MessageQueueUnavailable` when
the broker is unreachable instead of hanging). Each delivery runs in its own task, up
to `prefetch` at once. A delivery is acked only after its handler returned. When the
handler raises, a copy goes (confirmed) to the holding queue for that attempt, with a
per-message `expiration` equal to the delay and an `armature-failures` header counting
failures, and only then is the original acked; the consumer queue is never blocked
while waiting. Every message of a holding queue has the same delay, so RabbitMQ's
expire-at-the-head rule keeps them in order. After `max_retries` failed retries, or
when the body is not a message at all, the copy goes to `X.C.dead` instead. A crash
between the copy and the ack only duplicates the message: delivery is at least once,
handlers deduplicate on `Message.id`.

Reconnection: `connect_robust` reconnects and re-declares the exchange, queues,
bindings and consumers declared through its channel; unacked deliveries return to
their queue. A publish during an outage fails after the timeout; the caller (the outbox
relay) retries it.
"""

from core.adapters.rabbitmq.queue import MessageQueueUnavailable, RabbitMessageQueue
from core.adapters.rabbitmq.topology import RabbitTopology

__all__ = ["MessageQueueUnavailable", "RabbitMessageQueue", "RabbitTopology"]
